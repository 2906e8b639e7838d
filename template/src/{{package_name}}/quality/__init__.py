"""Data-quality checks generated from the contracts; `error` stops the load, `warn` reports."""
