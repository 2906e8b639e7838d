"""Observability: JSON logs, Prometheus metrics, OpenLineage events (the audit trail is in ops)."""
