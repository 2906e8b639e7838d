"""Gold tables: daily aggregates of the clean facts, for dashboards.

Each gold table is defined by the dataset it reads, its grain (the key of one row) and a
function from clean rows to aggregated rows. Loads recompute the days a batch touched from
the warehouse's clean rows, so late events and re-sent orders update the right day.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

# Cancelled and refunded orders are not revenue.
REVENUE_STATUSES = ("placed", "paid", "shipped", "delivered")


@dataclass(frozen=True)
class GoldTable:
    name: str
    source: str
    time_column: str  # the source's timestamp that decides the day
    day_column: str
    grain: tuple[str, ...]
    build: Callable[[pl.DataFrame], pl.DataFrame]


def daily_orders(orders: pl.DataFrame) -> pl.DataFrame:
    is_revenue = pl.col("status").is_in(REVENUE_STATUSES)
    return (
        orders.with_columns(order_date=pl.col("order_ts").dt.date())
        .group_by("order_date", "customer_country", "currency")
        .agg(
            orders=pl.len().cast(pl.Int64),
            revenue=pl.col("amount").filter(is_revenue).sum().round(2),
            cancelled_orders=(~is_revenue).sum().cast(pl.Int64),
            customers=pl.col("customer_id").n_unique().cast(pl.Int64),
        )
        .sort("order_date", "customer_country", "currency")
    )


def daily_events(events: pl.DataFrame) -> pl.DataFrame:
    return (
        events.with_columns(event_date=pl.col("event_ts").dt.date())
        .group_by("event_date", "event_type", "user_country")
        .agg(
            events=pl.len().cast(pl.Int64),
            sessions=pl.col("session_id").n_unique().cast(pl.Int64),
            signed_in_users=pl.col("user_id").drop_nulls().n_unique().cast(pl.Int64),
            avg_duration_ms=pl.col("duration_ms").mean().round(1),
        )
        .sort("event_date", "event_type", "user_country")
    )


GOLD_TABLES = (
    GoldTable(
        name="daily_orders",
        source="orders",
        time_column="order_ts",
        day_column="order_date",
        grain=("order_date", "customer_country", "currency"),
        build=daily_orders,
    ),
    GoldTable(
        name="daily_events",
        source="events",
        time_column="event_ts",
        day_column="event_date",
        grain=("event_date", "event_type", "user_country"),
        build=daily_events,
    ),
)
