"""Where the pipeline writes: the lake zones (Parquet files) and the warehouse (DuckDB)."""
