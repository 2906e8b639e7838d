"""Property tests: any valid answers give a consistent design."""

import math
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline_design import QUESTION_ORDER, Answers, DesignError, build_design, check, recommend
from pipeline_design import answers as choices
from pipeline_design import constants as c

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def subset(values: tuple[str, ...], min_size: int = 0) -> st.SearchStrategy[tuple[str, ...]]:
    return st.lists(st.sampled_from(values), min_size=min_size, unique=True).map(tuple)


@st.composite
def valid_answers(draw: st.DrawFn) -> Answers:
    sources = draw(subset(choices.SOURCES, min_size=1))
    base = Answers(sources=sources)
    mode = recommend("processing_mode", base)
    streaming = mode != "batch"
    a = replace(
        base,
        processing_mode=mode,
        files_location=draw(st.sampled_from(choices.FILES_LOCATIONS)),
        batch_gb_per_day=draw(st.floats(0, 50_000)),
        events_per_second=draw(st.integers(1, 2_000_000)),
        avg_event_kb=draw(st.floats(0.01, 512)),
        formats=draw(subset(choices.FORMATS, min_size=1)),
        transformations=draw(subset(choices.TRANSFORMATIONS)),
        quality_checks=draw(subset(choices.QUALITY_CHECKS)),
        streaming_latency_seconds=draw(st.integers(1, 86_400)),
        batch_sla_hours=draw(st.floats(0.1, 168)),
        schedule=draw(
            st.sampled_from(
                [
                    "0 2 * * *",
                    "@hourly",
                    "*/15 * * * *",
                    "0 3 * * 1-5",
                    "@weekly",
                    "0 */6 * * *",
                    "0 9 * * MON-FRI",
                    "0 9,10 * * *",
                    "0 0 1 * 1",
                    "@monthly",
                ]
            )
        ),
        warehouse=draw(st.sampled_from(choices.WAREHOUSES)),
        consumers=tuple(
            c for c in draw(subset(choices.CONSUMERS)) if streaming or c != "realtime_api"
        ),
        growth_factor=draw(st.floats(1, 100)),
        peak_factor=draw(st.floats(1, 100)),
        team_size=draw(st.integers(1, 200)),
        team_level=draw(st.sampled_from(choices.TEAM_LEVELS)),
        team_skills=draw(subset(choices.TEAM_SKILLS)),
        compliance=draw(subset(choices.COMPLIANCE)),
        orchestrator=draw(st.sampled_from(choices.ORCHESTRATORS)),
        batch_engine=draw(st.sampled_from(choices.BATCH_ENGINES)),
        stream_engine=draw(st.sampled_from(choices.STREAM_ENGINES)),
        lake_format=draw(st.sampled_from(choices.LAKE_FORMATS)),
        ci_provider=draw(st.sampled_from(choices.CI_PROVIDERS)),
        cloud=draw(st.sampled_from(choices.CLOUDS)),
    )
    return a


@SETTINGS
@given(valid_answers())
def test_any_valid_answers_give_a_consistent_design(a: Answers) -> None:
    d = build_design(a)
    assert ("streaming" in d.components) == a.has_streaming
    assert ("batch" in d.components) == a.has_batch
    assert f"orchestrator_{a.orchestrator}" in d.components
    if d.kafka and d.stream:
        assert d.kafka.partitions >= max(d.kafka.by_producer, d.kafka.by_consumer)
        assert d.stream.parallelism <= d.kafka.partitions  # idle consumers are waste
        # Headroom: a 10-minute outage at the peak drains within the stated catch-up time.
        assert d.stream.peak_utilisation <= c.STREAM_TARGET_UTILISATION + 0.001
        assert d.stream.catch_up_minutes is not None
        assert d.stream.catch_up_minutes <= c.STREAM_CATCH_UP_MINUTES + 0.1
        # The cost table prices the workers the manifests request.
        (line,) = [line for line in d.cost.lines if line.item.startswith("Stream compute")]
        memory_gb = d.stream.worker_memory_mb // 1024
        assert line.quantity.startswith(
            f"{d.stream.workers} x ({d.stream.worker_vcpu} vCPU, {memory_gb} GB)"
        )
        assert memory_gb == d.stream.worker_vcpu * c.MEMORY_GB_PER_VCPU
        assert 10 <= d.stream.checkpoint_interval_s <= 300
        # Exactly-once sinks publish on checkpoint: half the target, the rest for the
        # checkpoint's own duration (a target too short for that is warned about).
        assert d.stream.checkpoint_interval_s <= max(a.streaming_latency_seconds / 2, 10)
        if a.streaming_latency_seconds < 20:
            assert any("at-least-once" in warning for warning in d.warnings)
    if d.spark:
        assert 1 <= d.spark.min_executors <= d.spark.max_executors
        # Headroom: the steady run at the horizon takes at most half of its time budget.
        assert d.batch is not None
        budget_minutes = d.batch.time_budget_hours * 60 * c.BATCH_BUDGET_UTILISATION
        assert d.spark.est_run_minutes_steady <= max(1, math.ceil(budget_minutes + 0.01))
        assert d.spark.shuffle_partitions >= d.spark.max_executors * d.spark.cores_per_executor
    if d.batch:
        assert 0 < d.batch.time_budget_hours <= d.batch.shortest_gap_hours
        assert d.batch.shortest_gap_hours <= d.batch.interval_hours <= d.batch.longest_gap_hours
        # The largest run carries the longest gap's data; the alert waits longer than that gap.
        assert d.batch.gb_per_run_today >= a.batch_gb_per_day / d.batch.runs_per_day - 0.001
        assert d.monitoring.batch
        assert d.monitoring.batch.stale_after_hours > d.batch.longest_gap_hours
    assert d.storage.retained_gb_at_horizon >= 0
    assert all(line.usd_per_month >= 0 for line in d.cost.lines)
    # Storage: the first year's footprint never exceeds the steady state it grows to; the
    # cost table prices the Kafka topics' storage whenever there is Kafka, and the warehouse's.
    assert d.storage.retained_gb_month_12 <= d.storage.retained_gb_at_horizon + 0.1
    items = " ".join(line.item for line in d.cost.lines)
    assert ("Kafka storage" in items) == (d.kafka is not None)
    assert "clean and gold tables" in items
    assert d.cost.usd_per_gb_processed >= 0
    assert set(d.rationale) >= {"processing_mode", "orchestrator", "warehouse", "lake_format"}
    assert d.plan and all(p.calendar_weeks > 0 for p in d.plan)
    # One load-test target in every phase that names one: the sized peak, the design point.
    tested = [p.exit_criteria for p in d.plan if "load test" in p.exit_criteria]
    assert tested and all(
        (f"{d.throughput.events_s_peak:,} events/s" in text) if d.throughput else True
        for text in tested
    )
    if d.batch:
        assert f"a {d.batch.gb_per_run_peak:g} GB batch run" in tested[-1]
    # Service level objectives: the design's own figures, each guarded by an alert rule but
    # cost, which no metric measures (and says so).
    by_name = {o.name: o for o in d.objectives}
    assert ("Stream latency" in by_name) == a.has_streaming
    assert ("Batch freshness" in by_name) == (d.batch is not None)
    if d.monitoring.batch:
        freshness = by_name["Batch freshness"].target
        assert f"{d.monitoring.batch.stale_after_hours:g} h" in freshness
    if a.has_streaming:
        assert f"within {a.streaming_latency_seconds} s" in by_name["Stream latency"].target
    assert [o.name for o in d.objectives if not o.alerts] == ["Cost per GB processed"]
    assert "no alert rule" in by_name["Cost per GB processed"].measured_by
    # A batch run's compute per GB is watched whenever the design prices batch compute.
    if d.batch:
        assert d.cost.batch_compute_usd_per_gb and d.monitoring.cost_per_gb_max_usd
        assert by_name["Batch compute per GB"].alerts == ("PipelineCostPerGbHigh",)
        assert d.monitoring.cost_per_gb_max_usd == pytest.approx(
            d.cost.batch_compute_usd_per_gb * c.ALERT_COST_OVERRUN_FACTOR, rel=1e-3
        )
    # Rule V: a real-time API reads a serving store the stream keeps current, priced.
    assert (d.serving is not None) == ("realtime_api" in a.consumers)
    assert sum("Serving store" in line.item for line in d.cost.lines) == (2 if d.serving else 0)
    if d.serving:
        assert a.has_streaming and d.serving.instances >= 2 and d.serving.storage_gb >= 1
        assert any(note.startswith("Real-time API serving") for note in d.not_generated_yet)
    # Every tool the design uses that the team lacks is trained, Kafka included.
    lacking = {
        t
        for t in d.stack.as_dict().values()
        if t in {"airflow", "dagster", "prefect", "spark", "flink"}
    } | ({"kafka"} if a.has_streaming else set())
    lacking -= set(a.team_skills)
    training = [p for p in d.plan if p.name == "Training"]
    assert bool(training) == bool(lacking)
    if training:
        assert all(tool in training[0].goal for tool in lacking)


@SETTINGS
@given(valid_answers(), st.floats(1, 10))
def test_more_traffic_never_shrinks_the_design(a: Answers, more: float) -> None:
    small = build_design(a)
    big = build_design(
        replace(
            a,
            events_per_second=int(a.events_per_second * more),
            batch_gb_per_day=a.batch_gb_per_day * more,
        )
    )
    if small.kafka and big.kafka:
        assert big.kafka.partitions >= small.kafka.partitions
    if small.spark and big.spark:
        assert big.spark.max_executors >= small.spark.max_executors
    assert big.storage.retained_gb_at_horizon >= small.storage.retained_gb_at_horizon
    # The plan grows with the volume, never shrinks.
    assert sum(p.person_weeks for p in big.plan) >= sum(p.person_weeks for p in small.plan)


@SETTINGS
@given(valid_answers(), st.sampled_from(choices.CONSUMERS))
def test_another_consumer_never_shortens_the_plan(a: Answers, consumer: str) -> None:
    more = replace(a, consumers=tuple(dict.fromkeys((*a.consumers, consumer))))
    try:
        bigger = build_design(more)
    except DesignError:  # realtime_api without a stream is refused
        return
    before = sum(p.person_weeks for p in build_design(a).plan)
    assert sum(p.person_weeks for p in bigger.plan) >= before


@SETTINGS
@given(valid_answers(), valid_answers())
def test_a_validator_reads_only_answers_given_before_it(a: Answers, later: Answers) -> None:
    """copier validates each answer before later ones exist: a check must not peek ahead."""
    for index, key in enumerate(QUESTION_ORDER):
        tail = {k: getattr(later, k) for k in QUESTION_ORDER[index + 1 :]}
        mixed = replace(a, **tail)
        assert check(key, mixed) == check(key, a), key


@SETTINGS
@given(valid_answers())
def test_recommendations_are_valid_answers(a: Answers) -> None:
    for key in ("orchestrator", "batch_engine", "stream_engine"):
        advised = replace(a, **{key: recommend(key, a)})
        try:
            build_design(advised)
        except DesignError as error:
            raise AssertionError(f"recommended {key} refused: {error}") from error
