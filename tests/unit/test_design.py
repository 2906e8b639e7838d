"""The whole design for realistic answers, including the seed scenario."""

from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from pipeline_design import Answers, DesignError, build_design

PRESETS = Path(__file__).resolve().parents[2] / "presets"


def preset(name: str) -> Answers:
    return Answers.from_mapping(yaml.safe_load((PRESETS / f"{name}.yml").read_text()))


def test_seed_scenario_matches_the_reference_design() -> None:
    d = build_design(preset("hybrid-clickstream"))
    assert d.kafka is not None and d.stream is not None and d.spark is not None
    # 150,000 events/s at the peak / (2,700 per slot (measured) x 75 % target utilisation)
    # = 75 by consumer -> 128: 43 % busy at the peak, a 10-minute outage drained in 7.7 min.
    assert d.kafka.partitions == 128
    assert d.stream.parallelism == 128
    assert d.stream.peak_utilisation == pytest.approx(0.434)
    assert d.stream.catch_up_minutes == pytest.approx(7.7)
    assert d.stream.checkpoint_interval_s == 30
    # 51 GB of dedup state over 128 slots: 403 MB each, within the heap budget.
    assert d.stream.state_backend == "hashmap"
    # 150 GB / (2.5 MB/s x 5 cores x 3600 s x 50 % of the budget) = 6.8 -> 7; x 5 peak.
    assert (d.spark.min_executors, d.spark.max_executors) == (7, 35)
    assert d.spark.est_run_minutes_steady <= 30
    assert d.stack.batch_engine == "spark" and d.stack.stream_engine == "flink"


def test_default_answers_give_the_lightest_serverless_stack() -> None:
    d = build_design(Answers())
    assert d.stack.as_dict() == {
        "processing_mode": "batch",
        "orchestrator": "dagster",
        "batch_engine": "polars",
        "stream_engine": None,
        "warehouse": "duckdb",
        "lake_format": "parquet",
        "ci_provider": "github",
        "cloud": "local",
    }
    assert d.kafka is None and d.stream is None and d.spark is None
    assert d.polars is not None and d.polars.fits_one_node
    assert d.warnings == []


def test_every_preset_builds() -> None:
    for path in PRESETS.glob("*.yml"):
        build_design(Answers.from_mapping(yaml.safe_load(path.read_text())))


def test_invalid_answers_raise_with_every_problem() -> None:
    with pytest.raises(DesignError) as error:
        build_design(Answers(project_slug="Bad Slug", consumers=("realtime_api",)))
    assert [p.key for p in error.value.problems] == ["project_slug", "consumers"]
    assert "project_slug" in str(error.value)


def test_components_follow_the_answers() -> None:
    batch = build_design(Answers()).components
    assert {
        "batch",
        "batch_polars",
        "orchestrator_dagster",
        "warehouse_duckdb",
        "privacy",
        "source_files",
        "ci_github",
        "quality",
    } <= batch
    assert not {"streaming", "stream_faust", "stream_flink", "batch_spark", "audit"} & batch
    seed = build_design(preset("hybrid-clickstream")).components
    assert {
        "streaming",
        "stream_flink",
        "batch_spark",
        "audit",
        "files_s3",
        "lake_delta",
        "erasure",
    } <= seed
    streaming_only = build_design(preset("iot-telemetry-streaming")).components
    assert "batch" not in streaming_only and "streaming" in streaming_only


def test_only_a_streaming_only_design_loads_the_stream_archive_in_its_batch() -> None:
    """Rule: a design without a batch engine loads the stream's lake archive on the
    orchestrator's schedule; a hybrid loads its files (and reconciles with the archive)."""
    for engine in ("flink", "faust"):
        only = replace(preset("iot-telemetry-streaming"), stream_engine=engine)
        assert "batch_from_stream_archive" in build_design(only).components
    assert "batch_from_stream_archive" not in build_design(preset("hybrid-clickstream")).components
    assert "batch_from_stream_archive" not in build_design(Answers()).components


def test_an_override_of_the_advice_is_recorded_in_the_rationale() -> None:
    d = build_design(Answers(batch_engine="spark", batch_gb_per_day=0.1))
    assert d.rationale["batch_engine"].startswith("Chosen by the team over the advised 'polars'")
    assert any("Spark for a" in w for w in d.warnings)


def test_warnings_for_risky_but_allowed_choices() -> None:
    faust_at_scale = Answers.from_mapping(
        {
            "sources": ["kafka"],
            "processing_mode": "streaming",
            "events_per_second": 20_000,
            "stream_engine": "faust",
        }
    )
    warnings = build_design(faust_at_scale).warnings
    assert any("Faust at 80,000 events/s peak needs ~83 workers" in w for w in warnings)
    assert any("stream_engine" not in w for w in warnings)
    airflow_unknown = build_design(Answers(orchestrator="airflow")).warnings
    assert any(
        "orchestrator 'airflow' is not among the team's skills" in w for w in airflow_unknown
    )


def test_plan_adds_training_for_unknown_tools_and_scales_with_level() -> None:
    seed = build_design(preset("hybrid-clickstream"))
    assert seed.plan[0].name == "Training"
    assert "flink" in seed.plan[0].goal
    assert "kafka" in seed.plan[0].goal  # the seed's team knows Python, SQL and Spark
    fast = build_design(Answers(team_level="advanced")).plan
    slow = build_design(Answers(team_level="beginner")).plan
    assert sum(p.person_weeks for p in slow) == pytest.approx(
        2 * sum(p.person_weeks for p in fast),
        rel=0.05,  # each phase is rounded
    )


def test_every_load_test_of_the_plan_carries_the_sized_peak() -> None:
    seed = build_design(preset("hybrid-clickstream"))
    assert seed.throughput is not None and seed.batch is not None
    exits = {p.name: p.exit_criteria for p in seed.plan}
    peak = f"{seed.throughput.events_s_peak:,} events/s"
    assert peak == "150,000 events/s"  # 10,000/s today x 3.0 growth x 5.0 peak
    assert peak in exits["Streaming path"]
    assert peak in exits["Operations"]
    assert f"a {seed.batch.gb_per_run_peak:g} GB batch run" in exits["Operations"]
    assert "2x" not in " ".join(exits.values())


def test_cost_lines_add_up() -> None:
    d = build_design(preset("hybrid-clickstream"))
    assert d.cost.total_usd_per_month == round(sum(line.usd_per_month for line in d.cost.lines))
    items = " ".join(line.item for line in d.cost.lines)
    for part in ("storage", "Spark", "Flink", "Kafka", "Snowflake"):
        assert part in items


def test_plan_scales_with_volume_and_running_components() -> None:
    def weeks(a: Answers) -> dict[str, float]:
        return {p.name: p.person_weeks for p in build_design(a).plan}

    small = weeks(Answers(batch_gb_per_day=1))
    # 600 GB a day x 2.0 growth is over 1 TB at the horizon: the data phases take 1.5x.
    large = weeks(Answers(batch_gb_per_day=600))
    assert large["Batch ingestion"] == pytest.approx(1.5 * small["Batch ingestion"])
    assert large["Operations"] == pytest.approx(1.5 * small["Operations"], abs=0.1)
    assert large["Foundation"] == small["Foundation"]
    seed = build_design(preset("hybrid-clickstream"))
    operations = next(p for p in seed.plan if p.name == "Operations")
    # dagster, spark, flink, kafka, snowflake and the real-time API's serving store
    for part in ("dagster", "spark", "flink", "kafka", "snowflake", "serving store"):
        assert part in operations.goal
    serving = next(p for p in seed.plan if p.name == "Serving")
    assert "serving store" in serving.goal


def test_streaming_only_plan_ingests_a_stream() -> None:
    a = Answers(sources=("kafka",), processing_mode="streaming", batch_engine="polars")
    names = [p.name for p in build_design(a).plan]
    assert "Stream ingestion" in names and "Batch ingestion" not in names
    ingestion = next(p for p in build_design(a).plan if p.name == "Stream ingestion")
    assert "incremental cursors" not in " ".join(ingestion.deliverables)
    assert "dead letter" in ingestion.exit_criteria


def test_a_realtime_api_is_served_from_a_store_the_stream_keeps_current() -> None:
    seed = build_design(preset("hybrid-clickstream"))
    assert seed.serving is not None and seed.serving.store == "PostgreSQL"
    assert seed.serving.instances == 2
    # Snowflake kept on for every request: 1 credit x 730 h x $3.
    assert "$2,190 a month" in seed.serving.why_not_the_warehouse
    items = [line.item for line in seed.cost.lines]
    assert sum("Serving store" in item for item in items) == 2
    assert any(note.startswith("Real-time API serving") for note in seed.not_generated_yet)
    without = build_design(Answers(consumers=("bi_dashboards",)))
    assert without.serving is None
    assert not any("Serving store" in line.item for line in without.cost.lines)
    duckdb = build_design(replace(preset("hybrid-clickstream"), warehouse="duckdb"))
    assert duckdb.serving is not None and "one writer" in duckdb.serving.why_not_the_warehouse


def test_choices_whose_code_is_not_generated_yet_are_named() -> None:
    assert build_design(Answers()).not_generated_yet == []
    notes = build_design(preset("hybrid-clickstream")).not_generated_yet
    assert not any(note.startswith(("Spark", "Streaming")) for note in notes)  # generated
    assert not any(note.startswith("PostgreSQL source") for note in notes)  # generated
    assert not any(note.startswith("S3 files") for note in notes)  # generated
    assert not any(note.startswith("REST API source") for note in notes)  # generated
    assert not any(note.startswith("Delta Lake") for note in notes)  # generated
    assert not any(note.startswith("Snowflake") for note in notes)  # generated


def test_every_input_format_is_generated() -> None:
    every = Answers(formats=("csv", "json", "nested_json", "parquet", "compressed_logs"))
    design = build_design(every)
    assert {"format_nested_json", "format_parquet", "format_compressed_logs"} <= design.components
    assert design.not_generated_yet == []
