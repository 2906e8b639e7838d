"""Projects generated for each orchestrator install, pass their own checks and run.

Each is rendered with the default answers but its orchestrator, installed only from what
it declares (`make setup`), and then checked the way its user and its CI would: `make lint`,
`make test` (which includes the orchestrator's integrity tests and real runs of the DAG,
assets or flow on the sample data), the offline pre-commit hooks, and `make run` twice.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from generated import assert_all_tests_passed, set_up_project, sh

# The orchestrator's wrapper file, and what its `make <orchestrator>` target starts.
WRAPPER = {
    "dagster": ("definitions.py", "dagster dev"),
    "airflow": ("pipeline_dag.py", "airflow standalone"),
    "prefect": ("flow.py", "python -m orchestration.flow"),
}


@pytest.fixture(scope="module", params=sorted(WRAPPER))
def project(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    orchestrator = request.param
    root = tmp_path_factory.mktemp(orchestrator) / "my-pipeline"
    return set_up_project(root, data={"orchestrator": orchestrator})


def orchestrator_of(project: Path) -> str:
    return next(
        o for o, (name, _) in WRAPPER.items() if (project / "orchestration" / name).exists()
    )


def test_only_the_chosen_wrapper_is_generated(project: Path) -> None:
    orchestrator = orchestrator_of(project)
    wrapper, ui_command = WRAPPER[orchestrator]
    assert sorted(p.name for p in (project / "orchestration").glob("*.py")) == [
        "__init__.py",
        wrapper,
    ]
    assert "Not generated yet" not in (project / "README.md").read_text()
    # The UI target parses and starts the right thing (not run: it serves until Ctrl-C).
    assert ui_command in sh(project, "make", "-n", orchestrator)


def test_lint_passes(project: Path) -> None:
    sh(project, "make", "lint")


def test_own_tests_pass_including_the_orchestrator(project: Path) -> None:
    output = sh(project, "make", "test", timeout=900)
    assert_all_tests_passed(output)
    # Every orchestration test ran and passed (a skip would show as `s`).
    assert re.search(r"^tests/test_orchestration\.py \.+ ", output, re.MULTILINE), output


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
    assert "Nothing new to load" in sh(project, "make", "run")
