"""The sizing rules of docs/design-rules.md, one by one."""

import pytest

from pipeline_design import Answers, build_design
from pipeline_design import constants as c
from pipeline_design.sizing import (
    batch_run,
    kafka_sizing,
    next_power_of_two,
    polars_sizing,
    retention,
    spark_sizing,
    storage,
    stream_sizing,
    stream_throughput,
)


def streaming(**changes: object) -> Answers:
    base = {"sources": ["kafka"], "processing_mode": "streaming", "stream_engine": "flink"}
    return Answers.from_mapping({**base, **changes})


@pytest.mark.parametrize(("value", "expected"), [(0, 1), (1, 1), (3, 4), (15, 16), (16, 16)])
def test_next_power_of_two(value: float, expected: int) -> None:
    assert next_power_of_two(value) == expected


def test_throughput_multiplies_growth_and_peak() -> None:
    t = stream_throughput(streaming(events_per_second=10_000, growth_factor=3, peak_factor=5))
    assert (t.events_s_today, t.events_s_horizon, t.events_s_peak) == (10_000, 30_000, 150_000)
    assert t.mb_s_peak == pytest.approx(146.48, abs=0.01)  # 150k x 1 KB
    assert t.gb_per_day_today == pytest.approx(823.97, abs=0.01)


def test_kafka_partitions_take_the_larger_bound_rounded_to_a_power_of_two() -> None:
    t = stream_throughput(streaming(events_per_second=10_000, growth_factor=3, peak_factor=5))
    k = kafka_sizing(t, consumer_events_s=10_000)
    # 150,000 / (10,000 x 0.75) = 20 by consumer.
    assert (k.by_producer, k.by_consumer, k.partitions) == (15, 20, 32)
    # A slow consumer (Faust) needs many more partitions for the same stream.
    assert kafka_sizing(t, consumer_events_s=1_300).partitions == 256


def test_kafka_has_a_floor_for_tiny_streams() -> None:
    t = stream_throughput(streaming(events_per_second=1, growth_factor=1, peak_factor=1))
    k = kafka_sizing(t, consumer_events_s=10_000)
    assert k.partitions == c.KAFKA_MIN_PARTITIONS
    assert k.brokers == c.KAFKA_MIN_BROKERS


def test_flink_parallelism_matches_partitions_and_rocksdb_for_large_state() -> None:
    a = streaming(events_per_second=259_000, growth_factor=1, peak_factor=1)
    t = stream_throughput(a)
    s = stream_sizing(a, t, kafka_sizing(t, c.FLINK_EVENTS_S_PER_SLOT))
    assert s.parallelism == 128  # 259,000 events/s / (2,700 per slot x 0.75) = 128
    assert s.workers == 32  # 128 slots / 4 per TaskManager
    assert s.peak_utilisation == pytest.approx(0.749, abs=0.001)
    # A 10-minute backlog drains at the 25 % spare capacity: 10 x 0.75 / 0.25 = 30 minutes.
    assert s.catch_up_minutes == pytest.approx(29.9, abs=0.1)
    assert s.state_backend == "rocksdb"  # 694 MB of dedup state per slot
    assert s.checkpoint_interval_s == 30


def test_small_state_stays_on_the_heap() -> None:
    a = streaming(events_per_second=100, growth_factor=1, peak_factor=1)
    t = stream_throughput(a)
    s = stream_sizing(a, t, kafka_sizing(t, c.FLINK_EVENTS_S_PER_SLOT))
    assert s.state_backend == "hashmap"


@pytest.mark.parametrize(
    ("latency", "interval"), [(1, 10), (20, 10), (60, 30), (45, 22), (600, 300), (3600, 300)]
)
def test_checkpoint_interval_is_bounded_by_latency_and_overhead(
    latency: int, interval: int
) -> None:
    a = streaming(streaming_latency_seconds=latency)
    t = stream_throughput(a)
    assert stream_sizing(a, t, kafka_sizing(t, 10_000)).checkpoint_interval_s == interval


def test_faust_workers_never_exceed_partitions() -> None:
    a = streaming(events_per_second=2_000, stream_engine="faust", growth_factor=1, peak_factor=1)
    t = stream_throughput(a)
    k = kafka_sizing(t, c.FAUST_EVENTS_S_PER_WORKER)
    s = stream_sizing(a, t, k)
    assert s.workers == 3  # ceil(2000 / (1300 x 0.75))
    assert s.workers <= k.partitions


def test_batch_run_splits_the_day_over_the_schedule() -> None:
    run = batch_run(
        Answers(
            batch_gb_per_day=48,
            schedule="0 */6 * * *",
            batch_sla_hours=10,
            growth_factor=2,
            peak_factor=3,
        )
    )
    assert run.runs_per_day == 4
    assert (run.gb_per_run_today, run.gb_per_run_horizon, run.gb_per_run_peak) == (12, 24, 72)
    assert run.time_budget_hours == 5  # half the SLA; the 6 h interval is longer


def test_time_budget_never_exceeds_the_interval_between_runs() -> None:
    run = batch_run(Answers(schedule="0 * * * *", batch_sla_hours=6))
    assert run.time_budget_hours == 1


def test_spark_dynamic_allocation_for_the_seed_batch() -> None:
    a = Answers(
        batch_gb_per_day=50,
        schedule="0 1 * * *",
        batch_sla_hours=2,
        growth_factor=3,
        peak_factor=5,
        batch_engine="spark",
    )
    s = spark_sizing(a, batch_run(a))
    # 150 GB at the horizon in half the 1 h budget: 150 GB / (2.5 MB/s x 5 x 1800 s) = 6.8.
    assert (s.min_executors, s.max_executors) == (7, 35)
    assert s.est_run_minutes_steady == 30
    assert s.cores_per_executor == 5
    assert s.input_tasks == 6000  # 750 GB / 128 MB
    assert s.shuffle_partitions % (s.max_executors * s.cores_per_executor) == 0


def test_spark_memory_follows_the_workload() -> None:
    light = Answers(transformations=("cleaning",), batch_engine="spark")
    heavy = Answers(transformations=("cleaning", "dedup"), batch_engine="spark")
    assert (
        spark_sizing(light, batch_run(light)).executor_memory_gb
        < spark_sizing(heavy, batch_run(heavy)).executor_memory_gb
    )


def test_polars_fits_one_node_until_the_limit() -> None:
    small = Answers(batch_gb_per_day=1)
    assert polars_sizing(batch_run(small)).fits_one_node
    big = Answers(batch_gb_per_day=10, growth_factor=2, peak_factor=2)  # 40 GB peak run
    assert not polars_sizing(batch_run(big)).fits_one_node


def test_polars_needs_a_run_that_finishes_within_its_time_budget() -> None:
    # 10 GB at the measured 22 MB/s: ~8 min; a 6 h SLA leaves 3 h, a 0.2 h SLA 6 min.
    roomy = polars_sizing(
        batch_run(Answers(batch_gb_per_day=10, growth_factor=1, peak_factor=1, batch_sla_hours=6))
    )
    assert roomy.fits_time and roomy.fits_one_node
    tight = polars_sizing(
        batch_run(Answers(batch_gb_per_day=10, growth_factor=1, peak_factor=1, batch_sla_hours=0.2))
    )
    assert tight.fits_size and not tight.fits_time and not tight.fits_one_node
    assert tight.est_run_minutes_peak > tight.time_budget_minutes


def test_polars_node_memory_follows_the_measured_peak_per_gb() -> None:
    small = polars_sizing(batch_run(Answers(batch_gb_per_day=0.1, growth_factor=1, peak_factor=1)))
    large = polars_sizing(batch_run(Answers(batch_gb_per_day=20, growth_factor=1, peak_factor=1)))
    assert small.node_memory_gb == 2  # the floor: interpreter, libraries, one budget
    # 20 GB: (0.72 + 0.26 x 20) x 1.5 headroom = 8.9 -> 9 GB, not the ~100 GB of a batch in memory
    assert large.node_memory_gb == 9


@pytest.mark.parametrize(
    ("compliance", "raw_days", "audit_days"),
    [
        ((), 90, 90),
        (("gdpr",), 30, 90),
        (("soc2_audit",), 90, 365),
        (("hipaa", "soc2_audit"), 30, 2190),
    ],
)
def test_retention_follows_compliance(
    compliance: tuple[str, ...], raw_days: int, audit_days: int
) -> None:
    keep = retention(Answers(compliance=compliance))
    assert (keep.raw_days, keep.audit_days) == (raw_days, audit_days)


def test_storage_grows_with_growth_and_retention() -> None:
    a = Answers(batch_gb_per_day=10, growth_factor=1, compliance=())
    s = storage(a, 0.0, retention(a))
    assert s.ingest_gb_per_day_today == 10
    assert s.stored_gb_per_day_today == pytest.approx(10 * 0.52)
    assert s.stored_gb_first_year == pytest.approx(10 * 0.52 * 365, rel=1e-3)
    grown = Answers(batch_gb_per_day=10, growth_factor=3, compliance=())
    assert storage(grown, 0.0, retention(grown)).retained_gb_at_horizon == pytest.approx(
        3 * s.retained_gb_at_horizon
    )


def test_a_budget_spark_cannot_meet_is_warned_about() -> None:
    a = Answers(
        batch_gb_per_day=50, schedule="0 1 * * *", batch_sla_hours=0.05, batch_engine="spark"
    )
    warnings = build_design(a).warnings
    assert any("cannot be met by Spark" in warning for warning in warnings), warnings


def test_polars_leaves_half_its_budget_at_the_horizon() -> None:
    # 20 GB/day, no peak: a steady run of 20 GB x 3 at 22 MB/s takes ~47 min. With a 2 h SLA
    # (1 h budget) it fits the peak's hour but not half of it: one node is not enough.
    a = Answers(batch_gb_per_day=20, batch_sla_hours=2, growth_factor=3, peak_factor=1)
    node = polars_sizing(batch_run(a))
    assert node.est_run_minutes_peak <= node.time_budget_minutes
    assert not node.fits_time
