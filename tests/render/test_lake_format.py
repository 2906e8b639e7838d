"""The `lake_format` answer in the rendered project: Delta's module, settings, dependency,
generated tests and docs come with `delta` and only then; the clean zone's partitioning by
event hour is in every project. The generated project's own tests (tests/test_delta_lake.py,
the partition tests of test_pipeline_e2e.py and the golden vectors) run them: the e2e tier
runs a Polars and a Spark project with a Delta lake (tests/e2e/test_streaming_project.py).
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from rendering import render

CASES = {
    "parquet-polars": {"lake_format": "parquet"},
    "delta-polars": {"lake_format": "delta"},
    "delta-spark": {"lake_format": "delta", "batch_engine": "spark"},
}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return {name: render(tmp_path_factory.mktemp(name), data=data) for name, data in CASES.items()}


def _package(project: Path) -> Path:
    return next(p for p in (project / "src").iterdir() if p.is_dir())


def _dependencies(project: Path) -> list[str]:
    pyproject = tomllib.loads((project / "pyproject.toml").read_text("utf-8"))
    return [str(d) for d in pyproject["project"]["dependencies"]]


@pytest.mark.parametrize("case", list(CASES))
def test_delta_files_settings_and_dependency_come_with_delta_only(
    case: str, rendered: dict[str, Path]
) -> None:
    project = rendered[case]
    delta = CASES[case]["lake_format"] == "delta"
    package = _package(project)
    assert (package / "sinks" / "delta.py").exists() == delta
    assert (project / "tests" / "test_delta_lake.py").exists() == delta
    assert any(d.startswith("deltalake") for d in _dependencies(project)) == delta
    assert ("PIPELINE_DELTA_URI" in (project / ".env.example").read_text("utf-8")) == delta
    assert ("delta_uri" in (package / "config.py").read_text("utf-8")) == delta
    pipeline = (package / "pipeline.py").read_text("utf-8")
    assert ("self.delta.merge(" in pipeline) == delta
    assert "def erase_from_lake_tables(" in pipeline  # erasure asks every project
    adr = (project / "docs" / "adr" / "0006-lake-format.md").read_text("utf-8")
    assert "event_date=YYYY-MM-DD/event_hour=HH" in adr
    assert ("VACUUM with\nno retention" in adr) == delta
    readme = (project / "README.md").read_text("utf-8")
    assert ("data/lake/delta/<dataset>/" in readme) == delta


@pytest.mark.parametrize("case", list(CASES))
def test_the_clean_zone_is_partitioned_in_every_project(
    case: str, rendered: dict[str, Path]
) -> None:
    package = _package(rendered[case])
    pipeline = (package / "pipeline.py").read_text("utf-8")
    assert 'partitioned_by=self.lake.partitioned_by("clean", contract)' in pipeline
    engines = package / "engines"
    assert "PartitionedParquetStream(" in (engines / "polars" / "__init__.py").read_text("utf-8")
    spark = engines / "spark" / "io.py"
    assert spark.exists() == (CASES[case].get("batch_engine") == "spark")
    if spark.exists():
        assert ".partitionBy(date, hour)" in spark.read_text("utf-8")


def test_delta_is_no_longer_a_stand_in(rendered: dict[str, Path]) -> None:
    readme = (rendered["delta-polars"] / "README.md").read_text("utf-8")
    assert "Delta Lake: the lake is written as Parquet files for now" not in readme
