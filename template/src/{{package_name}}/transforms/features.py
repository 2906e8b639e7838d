"""ML features per customer, recomputed for the customers a batch touched."""

from __future__ import annotations

import polars as pl

# The silver columns customer_features reads, per dataset.
FEATURE_INPUTS = {
    "orders": ("customer_id", "amount", "order_ts"),
    "events": ("user_id", "session_id", "event_ts"),
}


def customer_features(orders: pl.DataFrame, events: pl.DataFrame) -> pl.DataFrame:
    """Order and browsing behaviour per customer (one row per customer id)."""
    order_features = orders.group_by("customer_id").agg(
        orders_total=pl.len().cast(pl.Int64),
        revenue_total=pl.col("amount").sum().round(2),
        avg_order_value=pl.col("amount").mean().round(2),
        last_order_ts=pl.col("order_ts").max(),
    )
    event_features = (
        events.filter(pl.col("user_id").is_not_null())
        .group_by(customer_id="user_id")
        .agg(
            events_total=pl.len().cast(pl.Int64),
            sessions_total=pl.col("session_id").n_unique().cast(pl.Int64),
            last_seen_ts=pl.col("event_ts").max(),
        )
    )
    return (
        order_features.join(event_features, on="customer_id", how="full", coalesce=True)
        .with_columns(pl.col("orders_total", "events_total", "sessions_total").fill_null(0))
        .sort("customer_id")
    )
