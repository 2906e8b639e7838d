"""Sizing formulas. Each function is one named rule of docs/design-rules.md.

All sizes are for the growth horizon (today's volume x growth_factor) and, where
capacity must absorb spikes, for the peak (x peak_factor) as well.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from . import constants as c
from .answers import Answers
from .cron import parse_cron

MB_PER_GB = 1024


def next_power_of_two(value: float) -> int:
    return 1 if value <= 1 else 2 ** math.ceil(math.log2(value))


@dataclass(frozen=True)
class Throughput:
    """Rule T: stream throughput today, at the growth horizon, and at its peak."""

    events_s_today: int
    events_s_horizon: int
    events_s_peak: int
    mb_s_peak: float
    gb_per_day_today: float


def stream_throughput(a: Answers) -> Throughput:
    horizon = a.events_per_second * a.growth_factor
    peak = horizon * a.peak_factor
    mb_s_peak = peak * a.avg_event_kb / 1024
    gb_day = a.events_per_second * a.avg_event_kb * 86_400 / 1024 / 1024
    return Throughput(
        events_s_today=a.events_per_second,
        events_s_horizon=math.ceil(horizon),
        events_s_peak=math.ceil(peak),
        mb_s_peak=round(mb_s_peak, 2),
        gb_per_day_today=round(gb_day, 2),
    )


@dataclass(frozen=True)
class KafkaSizing:
    """Rule K: partitions >= max(T/p, T/(c x u)), rounded up to a power of two."""

    partitions: int
    by_producer: int  # ceil(T_MB/s / p)
    by_consumer: int  # ceil(T_events/s / (c x target utilisation))
    consumer_events_s: int  # c: what one consumer of the chosen engine handles
    brokers: int
    replication_factor: int
    retention_days: int = c.KAFKA_RETENTION_DAYS  # the source and clean topics


def kafka_sizing(t: Throughput, consumer_events_s: int) -> KafkaSizing:
    by_producer = math.ceil(t.mb_s_peak / c.KAFKA_PRODUCER_MB_S_PER_PARTITION)
    by_consumer = math.ceil(t.events_s_peak / (consumer_events_s * c.STREAM_TARGET_UTILISATION))
    partitions = max(c.KAFKA_MIN_PARTITIONS, next_power_of_two(max(by_producer, by_consumer)))
    brokers = max(
        c.KAFKA_MIN_BROKERS,
        math.ceil(t.mb_s_peak * c.KAFKA_REPLICATION_FACTOR / c.KAFKA_BROKER_WRITE_MB_S),
    )
    return KafkaSizing(
        partitions=partitions,
        by_producer=by_producer,
        by_consumer=by_consumer,
        consumer_events_s=consumer_events_s,
        brokers=brokers,
        replication_factor=c.KAFKA_REPLICATION_FACTOR,
    )


def faust_workers_needed(t: Throughput) -> int:
    """Rule F: Faust workers = ceil(peak events/s / (measured events/s per worker x target
    utilisation))."""
    per_worker = c.FAUST_EVENTS_S_PER_WORKER * c.STREAM_TARGET_UTILISATION
    return max(1, math.ceil(t.events_s_peak / per_worker))


def catch_up_minutes(rate: float, capacity: float, outage_minutes: float) -> float | None:
    """Minutes to drain the backlog of an outage while events keep arriving at `rate`; None
    when the capacity never catches up."""
    spare = capacity - rate
    return None if spare <= 0 else outage_minutes * rate / spare


@dataclass(frozen=True)
class StreamSizing:
    """Rules S1-S4: parallelism, checkpointing, state backend, cluster size."""

    engine: str
    parallelism: int  # Flink: source parallelism = partitions. Faust: workers.
    workers: int  # Flink TaskManagers or Faust worker processes
    slots_per_worker: int
    checkpoint_interval_s: int
    state_mb: int  # keyed dedup state at the peak
    state_mb_per_slot: int
    state_backend: str  # rocksdb | hashmap (Flink) | rocksdb | memory (Faust tables)
    dedup_window_s: int
    capacity_events_s: int  # what the consumers process at most
    peak_utilisation: float  # peak events/s over that capacity
    catch_up_minutes: float | None  # to drain an outage's backlog at the peak
    worker_vcpu: int = 1  # per Flink TaskManager (one per slot) or Faust worker
    outage_minutes: int = c.STREAM_OUTAGE_MINUTES
    target_utilisation: float = c.STREAM_TARGET_UTILISATION

    @property
    def worker_memory_mb(self) -> int:
        """The memory priced with each worker's vCPUs: what its manifest requests."""
        return self.worker_vcpu * c.MEMORY_GB_PER_VCPU * 1024


def stream_sizing(a: Answers, t: Throughput, kafka: KafkaSizing) -> StreamSizing:
    # S1: one consumer per partition; more would sit idle, fewer would lag at the peak.
    if a.stream_engine == "flink":
        parallelism = kafka.partitions
        slots = c.FLINK_SLOTS_PER_TASKMANAGER
        workers = math.ceil(parallelism / slots)
    else:
        parallelism = min(kafka.partitions, faust_workers_needed(t))
        slots = 1
        workers = parallelism
    capacity = parallelism * kafka.consumer_events_s
    vcpu = c.FLINK_TASKMANAGER_VCPU if a.stream_engine == "flink" else 1
    # S2: exactly-once sinks publish on checkpoint completion, so the interval plus the
    # checkpoint's own duration must fit the latency target: the interval gets a share of
    # it, within the bounds of checkpoint overhead and recovery replay.
    share = math.floor(a.streaming_latency_seconds * c.CHECKPOINT_LATENCY_SHARE)
    checkpoint = min(max(share, c.CHECKPOINT_MIN_S), c.CHECKPOINT_MAX_S)
    # S3: keyed state = dedup window (answered) x new keys per second x bytes per key.
    window_s = a.stream_dedup_window_minutes * 60
    state_mb = t.events_s_peak * window_s * c.STATE_BYTES_PER_KEY / 1024 / 1024
    per_slot = state_mb / max(parallelism, 1)
    large = per_slot > c.HEAP_STATE_LIMIT_MB_PER_SLOT
    if a.stream_engine == "flink":
        backend = "rocksdb" if large else "hashmap"
    else:
        backend = "rocksdb" if large else "memory"
    return StreamSizing(
        engine=a.stream_engine,
        parallelism=parallelism,
        workers=workers,
        slots_per_worker=slots,
        checkpoint_interval_s=checkpoint,
        state_mb=math.ceil(state_mb),
        state_mb_per_slot=math.ceil(per_slot),
        state_backend=backend,
        dedup_window_s=window_s,
        capacity_events_s=capacity,
        worker_vcpu=vcpu,
        peak_utilisation=round(t.events_s_peak / capacity, 3),
        catch_up_minutes=_rounded(
            catch_up_minutes(t.events_s_peak, capacity, c.STREAM_OUTAGE_MINUTES)
        ),
    )


def _rounded(minutes: float | None) -> float | None:
    return None if minutes is None else round(minutes, 1)


@dataclass(frozen=True)
class BatchRun:
    """Rule B: what one scheduled batch run must process, and in how long."""

    runs_per_day: float
    interval_hours: float  # on average
    longest_gap_hours: float  # the most data one run meets (a weekend, a month's end)
    shortest_gap_hours: float  # the least time before the next run starts
    gb_per_run_today: float  # the largest run: the longest gap's data
    gb_per_run_horizon: float
    gb_per_run_peak: float
    time_budget_hours: float  # min(SLA x headroom, shortest gap between runs)


def batch_run(a: Answers) -> BatchRun:
    cron = parse_cron(a.schedule)
    per_run = a.batch_gb_per_day * cron.longest_gap_hours / 24
    budget = min(a.batch_sla_hours * c.SLA_HEADROOM, cron.shortest_gap_hours)
    return BatchRun(
        runs_per_day=round(cron.runs_per_day, 3),
        interval_hours=round(cron.interval_hours, 3),
        longest_gap_hours=round(cron.longest_gap_hours, 3),
        shortest_gap_hours=round(cron.shortest_gap_hours, 3),
        gb_per_run_today=round(per_run, 3),
        gb_per_run_horizon=round(per_run * a.growth_factor, 3),
        gb_per_run_peak=round(per_run * a.growth_factor * a.peak_factor, 3),
        time_budget_hours=round(budget, 3),
    )


@dataclass(frozen=True)
class SparkSizing:
    """Rules P1-P5: tasks, executor shape, dynamic allocation bounds, shuffle partitions."""

    input_tasks: int
    split_mb: int
    cores_per_executor: int
    executor_memory_gb: int
    executor_memory_overhead_gb: int
    driver_cores: int
    driver_memory_gb: int
    driver_memory_overhead_gb: int
    min_executors: int
    max_executors: int
    initial_executors: int
    shuffle_partitions: int
    est_run_minutes_steady: int


def spark_sizing(a: Answers, run: BatchRun) -> SparkSizing:
    peak_mb = run.gb_per_run_peak * MB_PER_GB
    horizon_mb = run.gb_per_run_horizon * MB_PER_GB
    # P1: one task per input split.
    tasks = max(1, math.ceil(peak_mb / c.SPARK_SPLIT_MB))
    # P2: executor shape; memory per core from the workload.
    cores = c.SPARK_CORES_PER_EXECUTOR
    shuffle_heavy = bool({"dedup", "enrichment", "aggregation"} & set(a.transformations))
    per_core = (
        c.SPARK_MEMORY_GB_PER_CORE_SHUFFLE if shuffle_heavy else c.SPARK_MEMORY_GB_PER_CORE_LIGHT
    )
    memory = cores * per_core
    overhead = _memory_overhead_gb(memory)
    # P3: min executors finish the steady (horizon) run within its share of the time budget.
    budget_s = run.time_budget_hours * 3600 * c.BATCH_BUDGET_UTILISATION
    per_executor_mb = c.SPARK_CORE_MB_S * cores * budget_s
    min_exact = horizon_mb / per_executor_mb
    min_executors = max(1, math.ceil(min_exact))
    # P4: the peak is the same job with peak_factor times the input in the same
    # window, so the maximum scales the (whole-executor) minimum by that factor.
    max_executors = max(min_executors, math.ceil(min_executors * a.peak_factor))
    # P5: shuffle partitions from the shuffled volume (dedup shuffles every row),
    # rounded to a multiple of the cores at max so no core idles in the last wave.
    total_cores = max_executors * cores
    shuffle = max(total_cores, math.ceil(peak_mb / c.SHUFFLE_PARTITION_MB))
    shuffle = math.ceil(shuffle / total_cores) * total_cores
    steady_minutes = horizon_mb / (c.SPARK_CORE_MB_S * cores * min_executors) / 60
    return SparkSizing(
        input_tasks=tasks,
        split_mb=c.SPARK_SPLIT_MB,
        cores_per_executor=cores,
        executor_memory_gb=memory,
        executor_memory_overhead_gb=overhead,
        driver_cores=c.SPARK_DRIVER_CORES,
        driver_memory_gb=c.SPARK_DRIVER_MEMORY_GB,
        driver_memory_overhead_gb=_memory_overhead_gb(c.SPARK_DRIVER_MEMORY_GB),
        min_executors=min_executors,
        max_executors=max_executors,
        initial_executors=min_executors,
        shuffle_partitions=shuffle,
        est_run_minutes_steady=max(1, math.ceil(steady_minutes)),
    )


def _memory_overhead_gb(memory_gb: int) -> int:
    """P2: off-heap room beside a JVM heap (Python workers, buffers): 10%, at least 1 GB."""
    return max(1, math.ceil(memory_gb * 0.10))


@dataclass(frozen=True)
class PolarsSizing:
    """Rule P0: one node while the peak run fits its size limit and its time budget; the
    node's memory from the measured peak RSS per GB of input."""

    node_vcpu: int
    node_memory_gb: int
    peak_run_gb: float
    limit_gb: float
    est_run_minutes_steady: int  # the horizon's run, at most half the budget
    est_run_minutes_peak: int  # at most the whole budget
    time_budget_minutes: int
    fits_size: bool
    fits_time: bool

    @property
    def fits_one_node(self) -> bool:
        return self.fits_size and self.fits_time


def polars_sizing(run: BatchRun) -> PolarsSizing:
    minutes = run.gb_per_run_peak * MB_PER_GB / c.POLARS_NODE_MB_S / 60
    steady_minutes = run.gb_per_run_horizon * MB_PER_GB / c.POLARS_NODE_MB_S / 60
    peak_rss_gb = c.POLARS_BASE_RSS_GB + c.POLARS_RSS_GB_PER_INPUT_GB * run.gb_per_run_peak
    budget_minutes = run.time_budget_hours * 60
    return PolarsSizing(
        node_vcpu=c.POLARS_NODE_VCPU,
        node_memory_gb=max(2, math.ceil(peak_rss_gb * c.POLARS_NODE_MEMORY_HEADROOM)),
        peak_run_gb=run.gb_per_run_peak,
        limit_gb=c.POLARS_MAX_RUN_GB,
        est_run_minutes_steady=max(1, math.ceil(steady_minutes)),
        est_run_minutes_peak=max(1, math.ceil(minutes)),
        time_budget_minutes=max(1, math.floor(budget_minutes)),
        fits_size=run.gb_per_run_peak <= c.POLARS_MAX_RUN_GB,
        fits_time=(
            minutes <= budget_minutes
            and steady_minutes <= budget_minutes * c.BATCH_BUDGET_UTILISATION
        ),
    )


@dataclass(frozen=True)
class Retention:
    """Rule R: days each zone is kept."""

    raw_days: int
    clean_days: int
    gold_days: int
    quarantine_days: int
    audit_days: int


def retention(a: Answers) -> Retention:
    personal = bool({"gdpr", "hipaa"} & set(a.compliance))
    audit = c.RETENTION_DAYS_AUDIT
    if "soc2_audit" in a.compliance:
        audit = c.RETENTION_DAYS_AUDIT_SOC2
    if "hipaa" in a.compliance:
        audit = c.RETENTION_DAYS_AUDIT_HIPAA
    return Retention(
        raw_days=c.RETENTION_DAYS_RAW_PERSONAL_DATA if personal else c.RETENTION_DAYS_RAW,
        clean_days=c.RETENTION_DAYS_CLEAN,
        gold_days=c.RETENTION_DAYS_GOLD,
        quarantine_days=c.RETENTION_DAYS_QUARANTINE,
        audit_days=audit,
    )


@dataclass(frozen=True)
class Storage:
    """Rule D: ingested and stored volume per day, per year, and retained at the horizon."""

    ingest_gb_per_day_today: float
    stored_gb_per_day_today: float
    stored_gb_first_year: float  # volume grows linearly to growth_factor over the year
    retained_gb_month_12: float  # footprint after the first year (long retentions still filling)
    retained_gb_at_horizon: float  # footprint once every zone is at its retention (steady state)
    warehouse_gb_at_horizon: float  # clean (silver) and gold tables at their retention
    processed_gb_per_day_horizon: float  # batch and stream input at the horizon


def storage(a: Answers, stream_gb_per_day: float, keep: Retention) -> Storage:
    batch_gb = a.batch_gb_per_day if a.has_batch else 0.0
    stream_gb = stream_gb_per_day if a.has_streaming else 0.0
    ingest = batch_gb + stream_gb
    ratios = c.RAW_STORED_RATIO + c.CLEAN_STORED_RATIO + c.GOLD_STORED_RATIO
    stored_day = ingest * ratios
    first_year = stored_day * 365 * (1 + a.growth_factor) / 2
    horizon_day = ingest * a.growth_factor
    zones = (
        (c.RAW_STORED_RATIO, keep.raw_days),
        (c.CLEAN_STORED_RATIO, keep.clean_days),
        (c.GOLD_STORED_RATIO, keep.gold_days),
    )
    retained = horizon_day * sum(ratio * days for ratio, days in zones)
    month_12 = sum(
        ratio * ingested_between(ingest, a.growth_factor, max(0, 365 - days), 365)
        for ratio, days in zones
    )
    warehouse = horizon_day * sum(ratio * days for ratio, days in zones[1:])
    return Storage(
        ingest_gb_per_day_today=round(ingest, 2),
        stored_gb_per_day_today=round(stored_day, 2),
        stored_gb_first_year=round(first_year, 1),
        retained_gb_month_12=round(month_12, 1),
        retained_gb_at_horizon=round(retained, 1),
        warehouse_gb_at_horizon=round(warehouse, 1),
        processed_gb_per_day_horizon=round(horizon_day, 2),
    )


def ingested_between(today_gb: float, growth: float, first_day: float, last_day: float) -> float:
    """GB ingested from `first_day` to `last_day` of the first year, the daily volume growing
    linearly from today's to `growth` times it at day 365."""

    def by(day: float) -> float:
        return today_gb * (day + (growth - 1) * day * day / (2 * 365))

    return by(last_day) - by(first_day)
