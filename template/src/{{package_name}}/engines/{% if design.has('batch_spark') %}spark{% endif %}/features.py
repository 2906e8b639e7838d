"""transforms/features.py's customer_features in Spark: one row per customer id."""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as sf

from .gold import n_unique
from .transform import rounded


def customer_features(orders: DataFrame, events: DataFrame) -> DataFrame:
    """Order and browsing behaviour per customer, as the Polars build computes it (a null
    customer id of the orders is a group of its own; it matches no event)."""
    order_features = orders.groupBy("customer_id").agg(
        sf.count(sf.lit(1)).alias("orders_total"),
        rounded(sf.coalesce(sf.sum("amount"), sf.lit(0.0)), 2).alias("revenue_total"),
        rounded(sf.avg("amount"), 2).alias("avg_order_value"),
        sf.max("order_ts").alias("last_order_ts"),
    )
    event_features = (
        events.filter(sf.col("user_id").isNotNull())
        .groupBy(sf.col("user_id").alias("customer_id"))
        .agg(
            sf.count(sf.lit(1)).alias("events_total"),
            n_unique(sf.col("session_id")).alias("sessions_total"),
            sf.max("event_ts").alias("last_seen_ts"),
        )
    )
    joined = order_features.alias("o").join(
        event_features.alias("e"), sf.col("o.customer_id") == sf.col("e.customer_id"), "full"
    )
    return joined.select(
        sf.coalesce(sf.col("o.customer_id"), sf.col("e.customer_id")).alias("customer_id"),
        sf.coalesce(sf.col("orders_total"), sf.lit(0).cast("long")).alias("orders_total"),
        "revenue_total",
        "avg_order_value",
        "last_order_ts",
        sf.coalesce(sf.col("events_total"), sf.lit(0).cast("long")).alias("events_total"),
        sf.coalesce(sf.col("sessions_total"), sf.lit(0).cast("long")).alias("sessions_total"),
        "last_seen_ts",
    ).orderBy("customer_id")
