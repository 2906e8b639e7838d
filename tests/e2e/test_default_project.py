"""The project generated from the default answers installs, passes its own checks and runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from generated import set_up_project, sh


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return set_up_project(tmp_path_factory.mktemp("generated") / "my-pipeline")


def test_lint_passes(project: Path) -> None:
    sh(project, "make", "lint")


def test_own_tests_pass(project: Path) -> None:
    output = sh(project, "make", "test", timeout=900)
    assert " passed" in output and " failed" not in output


def test_pre_commit_passes_offline(project: Path) -> None:
    sh(project, "uv", "run", "--frozen", "pre-commit", "run", "--all-files")


def test_run_loads_the_sample_and_a_rerun_loads_nothing(project: Path) -> None:
    first = sh(project, "make", "run")
    # The summary table: every sample dataset loaded, bad rows quarantined, duplicates dropped.
    for dataset in ("customers", "events", "orders"):
        row = next(line.split() for line in first.splitlines() if line.strip().startswith(dataset))
        rows_in, loaded, quarantined, duplicates = map(int, row[1:5])
        assert loaded > 0 and quarantined > 0 and duplicates > 0, row
        assert rows_in == loaded + quarantined + duplicates, row
    assert "Quality: passed" in first, first
    second = sh(project, "make", "run")
    assert "Nothing new to load" in second, second
