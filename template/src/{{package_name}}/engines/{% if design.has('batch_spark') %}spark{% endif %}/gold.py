"""The gold tables of transforms/aggregate.py in Spark, by GoldTable.name.

Same grain (an enriched dimension only where enrichment ran: `grain_of`), columns, types,
rounding and order as the Polars builds. Counts of distinct values count a null as one
value, as Polars' `n_unique` does (Spark's `count(DISTINCT)` skips it), except where Polars
drops the nulls first.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import polars as pl
from pyspark.sql import Column as SparkColumn
from pyspark.sql import DataFrame
from pyspark.sql import functions as sf

from ...transforms.aggregate import (
    EVENTS_GRAIN,
    ORDERS_GRAIN,
    REVENUE_STATUSES,
    GoldTable,
    grain_of,
)
from .transform import rounded


def grain(frame: DataFrame, columns: Sequence[str]) -> list[str]:
    """`aggregate.grain_of` for a Spark frame (its rule, asked of the frame's column names)."""
    names = pl.LazyFrame(schema=dict.fromkeys(frame.columns, pl.Null))
    return grain_of(names, columns)


def n_unique(column: SparkColumn) -> SparkColumn:
    """Polars' `n_unique`: distinct values, a null among them counted once."""
    has_null = sf.max(column.isNull().cast("long"))
    return sf.count_distinct(column) + sf.coalesce(has_null, sf.lit(0))


def daily_orders(orders: DataFrame) -> DataFrame:
    is_revenue = sf.col("status").isin(list(REVENUE_STATUSES))
    keys = grain(orders, ORDERS_GRAIN)
    return (
        orders.withColumn("order_date", sf.to_date("order_ts"))
        .groupBy(*keys)
        .agg(
            sf.count(sf.lit(1)).alias("orders"),
            # Polars' sum of no values is 0, Spark's is null.
            rounded(
                sf.coalesce(sf.sum(sf.when(is_revenue, sf.col("amount"))), sf.lit(0.0)), 2
            ).alias("revenue"),
            sf.count_if(~is_revenue).alias("cancelled_orders"),
            n_unique(sf.col("customer_id")).alias("customers"),
        )
        .orderBy(*keys)
    )


def daily_events(events: DataFrame) -> DataFrame:
    keys = grain(events, EVENTS_GRAIN)
    return (
        events.withColumn("event_date", sf.to_date("event_ts"))
        .groupBy(*keys)
        .agg(
            sf.count(sf.lit(1)).alias("events"),
            n_unique(sf.col("session_id")).alias("sessions"),
            sf.count_distinct(sf.col("user_id")).alias("signed_in_users"),
            rounded(sf.avg("duration_ms"), 1).alias("avg_duration_ms"),
        )
        .orderBy(*keys)
    )


BUILDS: dict[str, Callable[[DataFrame], DataFrame]] = {
    "daily_orders": daily_orders,
    "daily_events": daily_events,
}


def build(table: GoldTable, rows: DataFrame) -> DataFrame:
    if table.name not in BUILDS:
        raise NotImplementedError(f"gold table {table.name!r} has no Spark build (gold.BUILDS)")
    return BUILDS[table.name](rows)
