"""Gold tables: daily aggregates of the clean facts, for dashboards.

Each gold table is defined by the dataset it reads, its grain (the key of one row) and a
function from clean rows to aggregated rows. Loads recompute the days a batch touched from
the warehouse's clean rows, so late events and re-sent orders update the right day.

The country dimensions come from enrichment (transforms/enrich.py). Without it the clean
facts have no country column, and a gold row covers every country of its day: the tables
group by the grain columns the clean rows have, never by a column another option adds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import polars as pl

# The builds run on a frame in memory (tests, erasure) or lazily, in streaming mode, on the
# rows of the days a batch touched (the load: a day of any size never sits in memory whole).
Frame = TypeVar("Frame", pl.DataFrame, pl.LazyFrame)

# Cancelled and refunded orders are not revenue.
REVENUE_STATUSES = ("placed", "paid", "shipped", "delivered")
# Grain columns that only the enrichment step adds to the clean facts.
ENRICHED_DIMENSIONS = frozenset({"customer_country", "user_country"})
ORDERS_GRAIN = ("order_date", "customer_country", "currency")
EVENTS_GRAIN = ("event_date", "event_type", "user_country")


def grain_of(frame: pl.DataFrame | pl.LazyFrame, grain: Sequence[str]) -> list[str]:
    """The grain's columns for these rows: an enriched dimension only where enrichment ran."""
    names = frame.collect_schema().names()
    return [c for c in grain if c in names or c not in ENRICHED_DIMENSIONS]


@dataclass(frozen=True)
class GoldTable:
    name: str
    source: str
    time_column: str  # the source's timestamp that decides the day
    day_column: str
    grain: tuple[str, ...]  # the enriched dimensions drop out without enrichment
    build: Callable[[pl.LazyFrame], pl.LazyFrame]
    # The source columns `build` reads (an enriched dimension only where enrichment ran):
    # loads read these, not whole rows.
    inputs: tuple[str, ...] = ()


def daily_orders(orders: Frame) -> Frame:
    is_revenue = pl.col("status").is_in(REVENUE_STATUSES)
    grain = grain_of(orders, ORDERS_GRAIN)
    return (
        orders.with_columns(order_date=pl.col("order_ts").dt.date())
        .group_by(grain)
        .agg(
            orders=pl.len().cast(pl.Int64),
            revenue=pl.col("amount").filter(is_revenue).sum().round(2),
            cancelled_orders=(~is_revenue).sum().cast(pl.Int64),
            customers=pl.col("customer_id").n_unique().cast(pl.Int64),
        )
        .sort(grain)
    )


def daily_events(events: Frame) -> Frame:
    grain = grain_of(events, EVENTS_GRAIN)
    return (
        events.with_columns(event_date=pl.col("event_ts").dt.date())
        .group_by(grain)
        .agg(
            events=pl.len().cast(pl.Int64),
            sessions=pl.col("session_id").n_unique().cast(pl.Int64),
            signed_in_users=pl.col("user_id").drop_nulls().n_unique().cast(pl.Int64),
            avg_duration_ms=pl.col("duration_ms").mean().round(1),
        )
        .sort(grain)
    )


GOLD_TABLES = (
    GoldTable(
        name="daily_orders",
        source="orders",
        time_column="order_ts",
        day_column="order_date",
        grain=ORDERS_GRAIN,
        build=daily_orders,
        inputs=("order_ts", "customer_country", "currency", "status", "amount", "customer_id"),
    ),
    GoldTable(
        name="daily_events",
        source="events",
        time_column="event_ts",
        day_column="event_date",
        grain=EVENTS_GRAIN,
        build=daily_events,
        inputs=("event_ts", "event_type", "user_country", "session_id", "user_id", "duration_ms"),
    ),
)
