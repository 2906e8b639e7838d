"""Rule C: a rough monthly cost at the growth horizon, from stated unit prices.

It is an order of magnitude for comparing designs, not a quote: every line
names its unit price (constants.py) so a reader can redo it with their own.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import constants as c
from .answers import Answers
from .serving import Serving
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
    processed_gb_per_month: float  # batch and stream input at the horizon
    lake_month_12_usd: float  # the lake's storage after one year, still filling
    # What the generated pipeline prices each run at (its pipeline_run_cost_usd metric):
    # the vCPUs a batch run holds, at PRICE_VCPU_HOUR for its wall time.
    batch_run_vcpus: int = c.POLARS_NODE_VCPU
    price_vcpu_hour: float = c.PRICE_VCPU_HOUR
    # The batch compute line per GB of batch input: what a run's cost metric is held to.
    batch_compute_usd_per_gb: float | None = None
    target_usd_per_gb: float = c.COST_PER_GB_TARGET_USD

    @property
    def total_usd_per_month(self) -> float:
        return round(sum(line.usd_per_month for line in self.lines), 0)

    @property
    def usd_per_gb_processed(self) -> float:
        return round(self.total_usd_per_month / max(self.processed_gb_per_month, 1e-9), 4)


def storage_line(retained_gb: float) -> CostLine:
    return CostLine(
        item=(
            "Object storage, steady state (lake: raw, clean, gold, each full to its "
            "retention at the horizon's volume)"
        ),
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


def kafka_storage_line(mb_s_horizon: float) -> CostLine:
    per_day_gb = mb_s_horizon * 86_400 / 1024
    gb = (
        per_day_gb
        * c.KAFKA_RETENTION_DAYS
        * c.KAFKA_FULL_RATE_TOPICS
        * c.KAFKA_REPLICATION_FACTOR
        * c.KAFKA_STORED_RATIO
    )
    return CostLine(
        item=(
            f"Kafka storage ({c.KAFKA_FULL_RATE_TOPICS} full-rate topics x "
            f"{c.KAFKA_RETENTION_DAYS} days x {c.KAFKA_REPLICATION_FACTOR} replicas, zstd)"
        ),
        quantity=f"{gb:,.0f} GB",
        unit_price=f"${c.PRICE_KAFKA_STORAGE_GB_MONTH}/GB-month",
        usd_per_month=round(gb * c.PRICE_KAFKA_STORAGE_GB_MONTH, 0),
    )


def warehouse_storage_line(warehouse: str, gb: float) -> CostLine:
    name, price = {
        "snowflake": ("Snowflake storage", c.PRICE_SNOWFLAKE_STORAGE_GB_MONTH),
        "postgres": ("PostgreSQL storage (managed SSD)", c.PRICE_POSTGRES_STORAGE_GB_MONTH),
    }.get(warehouse, ("DuckDB file (the node's block volume)", c.PRICE_BLOCK_STORAGE_GB_MONTH))
    return CostLine(
        item=f"{name}: clean and gold tables at their retention",
        quantity=f"{gb:,.0f} GB",
        unit_price=f"${price}/GB-month",
        usd_per_month=round(gb * price, 0),
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


def serving_lines(serving: Serving) -> list[CostLine]:
    hours = serving.instances * c.HOURS_PER_MONTH
    return [
        CostLine(
            item=(
                f"Serving store for the real-time API ({serving.store}, managed, always on: "
                "a primary and a standby)"
            ),
            quantity=f"{serving.instances} x {c.HOURS_PER_MONTH} h",
            unit_price=f"${c.PRICE_POSTGRES_HOUR}/hour",
            usd_per_month=round(hours * c.PRICE_POSTGRES_HOUR, 0),
        ),
        CostLine(
            item=(
                f"Serving store storage ({c.SERVING_RETENTION_DAYS} days of aggregates and "
                "latest rows, on both instances)"
            ),
            quantity=f"{serving.instances} x {serving.storage_gb:,.0f} GB",
            unit_price=f"${c.PRICE_POSTGRES_STORAGE_GB_MONTH}/GB-month",
            usd_per_month=round(
                serving.instances * serving.storage_gb * c.PRICE_POSTGRES_STORAGE_GB_MONTH, 0
            ),
        ),
    ]


def batch_run_vcpus(spark: SparkSizing | None) -> int:
    """A run's vCPUs: the Polars node, or the Spark driver and the executors the cluster
    keeps at its floor (dynamic allocation's extra executors are left out: a lower bound)."""
    if spark is None:
        return c.POLARS_NODE_VCPU
    return spark.driver_cores + spark.min_executors * spark.cores_per_executor


def monthly_cost(
    a: Answers,
    store: Storage,
    run: BatchRun | None,
    spark: SparkSizing | None,
    polars: PolarsSizing | None,
    stream: StreamSizing | None,
    kafka: KafkaSizing | None,
    serving: Serving | None = None,
) -> CostEstimate:
    """Every line at the growth horizon's steady volume; stream compute sized for the peak."""
    lines = [storage_line(store.retained_gb_at_horizon)]
    # A day's data at the horizon, however the schedule splits it into runs (the largest
    # run, which sizing uses, would overprice a weekday schedule by its weekend run).
    horizon_mb_per_day = a.batch_gb_per_day * a.growth_factor * 1024
    batch_usd_per_gb = None
    if run and (spark or polars):
        # vCPU-hours per GB: Spark by the core's throughput, Polars by the node's (all of
        # its vCPUs held while it runs).
        if spark:
            per_gb = 1024 / c.SPARK_CORE_MB_S / 3600
        else:
            per_gb = 1024 / c.POLARS_NODE_MB_S / 3600 * c.POLARS_NODE_VCPU
        lines.append(
            batch_compute_line("Spark" if spark else "Polars", per_gb * horizon_mb_per_day / 1024)
        )
        # Unrounded: a small pipeline's line rounds to $0 a month, its price per GB does not.
        batch_usd_per_gb = per_gb * c.PRICE_VCPU_HOUR
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
        mb_s_horizon = a.events_per_second * a.growth_factor * a.avg_event_kb / 1024
        lines.append(kafka_storage_line(mb_s_horizon))
    lines.append(warehouse_line(a.warehouse))
    lines.append(warehouse_storage_line(a.warehouse, store.warehouse_gb_at_horizon))
    if serving:
        lines.extend(serving_lines(serving))
    return CostEstimate(
        tuple(lines),
        processed_gb_per_month=round(store.processed_gb_per_day_horizon * c.DAYS_PER_MONTH, 1),
        lake_month_12_usd=round(store.retained_gb_month_12 * c.PRICE_OBJECT_STORAGE_GB_MONTH, 0),
        batch_run_vcpus=batch_run_vcpus(spark),
        batch_compute_usd_per_gb=batch_usd_per_gb,
    )
