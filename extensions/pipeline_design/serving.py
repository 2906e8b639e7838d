"""Rule V: how a real-time API is served, and what that costs.

The warehouse is loaded on the orchestrator's schedule, so its data is hours old, and none
of the three is made for request-per-second point reads beside the loads: DuckDB is one file
with one writer, a PostgreSQL warehouse serves its MERGEs and backfills first, and a
Snowflake warehouse that answers every request must never suspend. A real-time API therefore
reads an always-on serving store that the stream keeps current: the clean topic's latest row
per key and the window counts, upserted within seconds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from . import constants as c
from .answers import Answers
from .sizing import Throughput


@dataclass(frozen=True)
class Serving:
    store: str
    instances: int  # a primary and its standby: an API that must answer needs a failover
    storage_gb: float  # at the growth horizon
    fed_by: str
    why_not_the_warehouse: str


def _why_not_the_warehouse(warehouse: str) -> str:
    stale = "is loaded on the orchestrator's schedule (its data is hours old)"
    if warehouse == "snowflake":
        always_on = c.SNOWFLAKE_XSMALL_CREDITS_PER_HOUR * c.HOURS_PER_MONTH
        return (
            f"Snowflake {stale}, and answering every request needs a warehouse that never "
            f"suspends: an X-Small kept on is {always_on:,.0f} credits, "
            f"${always_on * c.PRICE_SNOWFLAKE_CREDIT:,.0f} a month, for query latencies in "
            "the hundreds of milliseconds."
        )
    if warehouse == "postgres":
        return (
            f"The PostgreSQL warehouse {stale}, and its MERGEs and backfills would slow the "
            "API's reads: the serving store is a second instance."
        )
    return (
        f"DuckDB {stale}, and it is a file with one writer: an API process cannot read it "
        "while a load writes."
    )


def serving(a: Answers, throughput: Throughput | None) -> Serving | None:
    """The serving store of a design with a real-time API consumer, else None."""
    if "realtime_api" not in a.consumers or throughput is None:
        return None
    # It holds aggregates and the latest row per key, not the event history: the gold
    # share of the stream's horizon volume, for the days the API looks back.
    horizon_gb_per_day = throughput.gb_per_day_today * a.growth_factor
    storage_gb = horizon_gb_per_day * c.GOLD_STORED_RATIO * c.SERVING_RETENTION_DAYS
    return Serving(
        store="PostgreSQL",
        instances=c.SERVING_INSTANCES,
        storage_gb=max(math.ceil(storage_gb), 1),
        fed_by=(
            "the stream's clean topic (the latest row per primary key, upserted) and "
            "its window counts"
        ),
        why_not_the_warehouse=_why_not_the_warehouse(a.warehouse),
    )
