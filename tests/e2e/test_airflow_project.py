"""A project generated with orchestrator=airflow installs, passes its own checks and runs.

Its own `make test` includes the DagBag checks and a `dag.test()` run of the DAG on the
sample data; `make run` shows the CLI still runs the same stages without Airflow.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from generated import set_up_project, sh


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return set_up_project(
        tmp_path_factory.mktemp("generated") / "my-pipeline", data={"orchestrator": "airflow"}
    )


def test_only_the_airflow_wrapper_is_generated(project: Path) -> None:
    assert sorted(p.name for p in (project / "orchestration").glob("*.py")) == [
        "__init__.py",
        "pipeline_dag.py",
    ]
    assert "Not generated yet" not in (project / "README.md").read_text()


def test_lint_passes(project: Path) -> None:
    sh(project, "make", "lint")


def test_own_tests_pass_including_the_dag_run(project: Path) -> None:
    output = sh(project, "make", "test", timeout=900)
    assert " passed" in output and " failed" not in output
    # Every DAG test ran and passed (a skip would show as `s`).
    assert re.search(r"^tests/test_orchestration\.py \.+ ", output, re.MULTILINE), output


def test_pre_commit_passes_offline(project: Path) -> None:
    sh(project, "uv", "run", "--frozen", "pre-commit", "run", "--all-files")


def test_run_loads_the_sample_and_a_rerun_loads_nothing(project: Path) -> None:
    first = sh(project, "make", "run")
    for dataset in ("customers", "events", "orders"):
        row = next(line.split() for line in first.splitlines() if line.strip().startswith(dataset))
        rows_in, loaded, quarantined, duplicates = map(int, row[1:5])
        assert loaded > 0 and rows_in == loaded + quarantined + duplicates, row
    assert "Quality: passed" in first, first
    assert "Nothing new to load" in sh(project, "make", "run")
