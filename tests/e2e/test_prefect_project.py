"""A project generated with orchestrator=prefect installs, passes its own checks and runs.

Its own `make test` includes the flow's integrity checks and two flow runs on the sample
data against a temporary Prefect server; `make run` shows the CLI still runs the same
stages without Prefect.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from generated import set_up_project, sh


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return set_up_project(
        tmp_path_factory.mktemp("generated") / "my-pipeline", data={"orchestrator": "prefect"}
    )


def test_only_the_prefect_wrapper_is_generated(project: Path) -> None:
    assert sorted(p.name for p in (project / "orchestration").glob("*.py")) == [
        "__init__.py",
        "flow.py",
    ]
    assert "Not generated yet" not in (project / "README.md").read_text()
    # The serve target parses and points at the flow (it is not run: it serves until Ctrl-C).
    assert "python -m orchestration.flow" in sh(project, "make", "-n", "prefect")


def test_lint_passes(project: Path) -> None:
    sh(project, "make", "lint")


def test_own_tests_pass_including_the_flow_runs(project: Path) -> None:
    output = sh(project, "make", "test", timeout=900)
    assert " passed" in output and " failed" not in output
    # Every flow test ran and passed (a skip would show as `s`).
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
