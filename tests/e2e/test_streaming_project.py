"""Streaming projects, one per stream engine: the small-files-faust preset made streaming-only
(Kafka its only source, enrichment added: Faust, Prefect, DuckDB) and the seed preset,
hybrid-clickstream (hybrid, Flink, Spark, Snowflake stand-in).

Each is installed and checked as its user and its CI would (`make lint`, the offline
pre-commit hooks, its own `make test`: the stream core, the Faust agent through its test
context or the Flink job in PyFlink's mini-cluster, the masking golden vectors, the monitoring
rules, the reconciliation of the batch with the stream's archive, the streaming-only load of
the archive), then `make stream-demo` must replay the generated stream with exactly the
counts the generator says it holds. The seed then runs its batch half twice; the
streaming-only project's scheduled run loads what the replay archived into the warehouse,
once. Their other stand-ins are labelled in their README like any.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from generated import PROJECT_TIMEOUT_SECONDS, set_up_project, sh
from rendering import TEMPLATE_ROOT
from user_checks import check_generated_files, run_own_tests, run_summary, run_twice

FAUST_PRESET = yaml.safe_load(
    (TEMPLATE_ROOT / "presets" / "small-files-faust.yml").read_text("utf-8")
)
# Streaming-only (no batch source: its scheduled run loads the stream's lake archive), with
# enrichment from reference data: the stream's reference topic and the Faust global table.
FAUST_STREAMING = {
    key: value
    for key, value in FAUST_PRESET.items()
    if key not in ("files_location", "batch_gb_per_day", "batch_sla_hours", "schedule")
    and key != "batch_engine"
} | {
    "processing_mode": "streaming",
    "sources": ["kafka"],
    "transformations": [*FAUST_PRESET["transformations"], "enrichment"],
}
SEED_PRESET = yaml.safe_load(
    (TEMPLATE_ROOT / "presets" / "hybrid-clickstream.yml").read_text("utf-8")
)
# The engine's own tests, which must have run.
ENGINE_TESTS = {"faust": "tests.test_faust_app", "flink": "tests.test_flink_job"}
COUNT = re.compile(r"^  (\w+)\s+([\d,]+)$", re.MULTILINE)


def _counts(block: str) -> dict[str, int]:
    return {name: int(value.replace(",", "")) for name, value in COUNT.findall(block)}


# The seed's suite is the largest (Spark, Flink, Snowflake, three sources, Delta): it gets
# two workers of its own and more time than the other projects.
@pytest.mark.timeout(PROJECT_TIMEOUT_SECONDS * 3 // 2)
@pytest.mark.parametrize(
    ("engine", "answers"),
    [("faust", FAUST_STREAMING), ("flink", SEED_PRESET)],
    ids=["faust-streaming-only", "flink-seed"],
)
def test_a_streaming_project_passes_its_own_checks_and_replays_its_stream(
    engine: str, answers: dict[str, Any], workdir: Path
) -> None:
    project = set_up_project(workdir / "stream-project", data=answers)
    check_generated_files(project)
    readme = (project / "README.md").read_text("utf-8")
    assert "Streaming: not generated yet" not in readme
    sh(project, "make", "lint")
    sh(project, "uv", "run", "--frozen", "pre-commit", "run", "--all-files")
    passed = run_own_tests(project, workers=2 if engine == "flink" else 1)
    assert passed[ENGINE_TESTS[engine]] and passed["tests.test_stream_core"], passed
    if engine == "faust":  # streaming-only: the scheduled run loads the archive
        assert passed["tests.test_stream_archive_load"], passed
    if engine == "flink":  # hybrid: the batch reconciles with the stream's archive
        assert passed["tests.test_stream_reconciliation"], passed
        # The seed pulls orders from a local HTTP API in its tests, and its files are on
        # S3: both sources ran against their local servers.
        assert passed["tests.test_rest_api_source"], passed
        assert passed["tests.test_s3_files"], passed
        # The batch side end to end: customers from PostgreSQL, orders from the API, events
        # from the bucket, into the Snowflake stand-in; counts reconciled, a rerun loads nothing.
        assert passed["tests.test_sources_end_to_end"], passed
    assert passed["tests.test_delta_lake"], passed  # both lakes are Delta (Polars, Spark)

    demo = sh(project, "make", "stream-demo")
    generated, replayed = demo.split("Replayed", 1)
    expected, counted = _counts(generated), _counts(replayed)
    assert expected and expected.items() <= counted.items(), demo
    assert counted["received"] == 2_000
    assert (project / "data" / "stream" / "out" / "clean.jsonl").is_file()
    archived = sum(1 for _ in (project / "data" / "lake" / "stream").rglob("*.parquet"))
    assert archived > 0  # the clean events, by event hour
    assert "reference rows       450 (0 refused)" in replayed  # both have enrichment
    if engine == "flink":
        # The seed's batch half, which then reconciles with the archive stream-demo wrote.
        run_twice(project)
    else:
        # Streaming-only: the archive's hours are closed (the generated events are of 2025),
        # so the scheduled run loads every clean event the replay archived, in a batch of its
        # own; the next runs load the sample's input files (the reference data's way in),
        # then nothing.
        archive_load = sh(project, "make", "run")
        clean = counted["clean"]
        assert run_summary(archive_load) == {"events": (clean, clean, 0, 0)}, archive_load
        run_twice(project)
