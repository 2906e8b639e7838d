"""Rule C: a rough monthly cost at the growth horizon, from stated unit prices.

It is an order of magnitude for comparing designs, not a quote: every line
names its unit price (constants.py) so a reader can redo it with their own.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import constants as c
from .answers import Answers
from .sizing import BatchRun, KafkaSizing, PolarsSizing, SparkSizing, Storage, StreamSizing


@dataclass(frozen=True)
class CostLine:
    item: str
    quantity: str
    unit_price: str
    usd_per_month: float


@dataclass(frozen=True)
class CostEstimate:
    lines: tuple[CostLine, ...]

    @property
    def total_usd_per_month(self) -> float:
        return round(sum(line.usd_per_month for line in self.lines), 0)


def storage_line(retained_gb: float) -> CostLine:
    return CostLine(
        item="Object storage (lake: raw, clean, gold at retention)",
        quantity=f"{retained_gb:,.0f} GB",
        unit_price=f"${c.PRICE_OBJECT_STORAGE_GB_MONTH}/GB-month",
        usd_per_month=round(retained_gb * c.PRICE_OBJECT_STORAGE_GB_MONTH, 0),
    )


def batch_compute_line(engine: str, vcpu_hours_per_day: float) -> CostLine:
    vcpu_hours = vcpu_hours_per_day * c.DAYS_PER_MONTH
    return CostLine(
        item=f"Batch compute ({engine})",
        quantity=f"{vcpu_hours:,.0f} vCPU-hours",
        unit_price=f"${c.PRICE_VCPU_HOUR}/vCPU-hour",
        usd_per_month=round(vcpu_hours * c.PRICE_VCPU_HOUR, 0),
    )


def stream_compute_line(engine: str, workers: int, vcpu: int, memory_mb: int) -> CostLine:
    vcpus = workers * vcpu
    vcpu_hours = vcpus * c.HOURS_PER_MONTH
    return CostLine(
        item=f"Stream compute ({engine}, always on, sized for the peak)",
        quantity=(
            f"{workers} x ({vcpu} vCPU, {memory_mb // 1024} GB) = {vcpus} vCPU x "
            f"{c.HOURS_PER_MONTH} h"
        ),
        unit_price=f"${c.PRICE_VCPU_HOUR}/vCPU-hour",
        usd_per_month=round(vcpu_hours * c.PRICE_VCPU_HOUR, 0),
    )


def kafka_line(brokers: int) -> CostLine:
    return CostLine(
        item="Kafka brokers (managed)",
        quantity=f"{brokers} brokers x {c.HOURS_PER_MONTH} h",
        unit_price=f"${c.PRICE_KAFKA_BROKER_HOUR}/broker-hour",
        usd_per_month=round(brokers * c.HOURS_PER_MONTH * c.PRICE_KAFKA_BROKER_HOUR, 0),
    )


def warehouse_line(warehouse: str) -> CostLine:
    if warehouse == "snowflake":
        credits = c.SNOWFLAKE_CREDITS_PER_DAY * c.DAYS_PER_MONTH
        return CostLine(
            item="Snowflake (X-Small warehouse, ~4 active hours a day)",
            quantity=f"{credits:,.0f} credits",
            unit_price=f"${c.PRICE_SNOWFLAKE_CREDIT}/credit",
            usd_per_month=round(credits * c.PRICE_SNOWFLAKE_CREDIT, 0),
        )
    if warehouse == "postgres":
        return CostLine(
            item="PostgreSQL (managed, one instance)",
            quantity=f"{c.HOURS_PER_MONTH} h",
            unit_price=f"${c.PRICE_POSTGRES_HOUR}/hour",
            usd_per_month=round(c.HOURS_PER_MONTH * c.PRICE_POSTGRES_HOUR, 0),
        )
    return CostLine(
        item="DuckDB (embedded, runs inside the pipeline)",
        quantity="-",
        unit_price="$0",
        usd_per_month=0.0,
    )


def monthly_cost(
    a: Answers,
    store: Storage,
    run: BatchRun | None,
    spark: SparkSizing | None,
    polars: PolarsSizing | None,
    stream: StreamSizing | None,
    kafka: KafkaSizing | None,
) -> CostEstimate:
    """Every line at the growth horizon's steady volume; stream compute sized for the peak."""
    lines = [storage_line(store.retained_gb_at_horizon)]
    # A day's data at the horizon, however the schedule splits it into runs (the largest
    # run, which sizing uses, would overprice a weekday schedule by its weekend run).
    horizon_mb_per_day = a.batch_gb_per_day * a.growth_factor * 1024
    if run and spark:
        core_hours = horizon_mb_per_day / c.SPARK_CORE_MB_S / 3600
        lines.append(batch_compute_line("Spark", core_hours))
    if run and polars:
        node_hours = horizon_mb_per_day / c.POLARS_NODE_MB_S / 3600
        lines.append(batch_compute_line("Polars", node_hours * c.POLARS_NODE_VCPU))
    if stream:
        lines.append(
            stream_compute_line(
                stream.engine.capitalize(),
                stream.workers,
                stream.worker_vcpu,
                stream.worker_memory_mb,
            )
        )
    if kafka:
        lines.append(kafka_line(kafka.brokers))
    lines.append(warehouse_line(a.warehouse))
    return CostEstimate(tuple(lines))
