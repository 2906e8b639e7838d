"""The project generated from the default answers installs, passes its own checks and runs.

Installed only from what it declares (its own `make setup` into its own .venv), exactly as a
user would after `copier copy`; nothing from the template's environment leaks in.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from rendering import render

# Variables of the template's own environment that would redirect the generated
# project's tools (uv run sets VIRTUAL_ENV; pytest sets PYTEST_*).
LEAKY = ("VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT", "PYTHONPATH", "PYTEST_ADDOPTS", "PYTEST_VERSION")


def project_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in LEAKY}
    env["UV_PYTHON_DOWNLOADS"] = "never"
    return env


def sh(cwd: Path, *command: str, timeout: int = 600) -> str:
    done = subprocess.run(
        command, cwd=cwd, env=project_env(), capture_output=True, text=True, timeout=timeout
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, f"{' '.join(command)} exited {done.returncode}:\n{output[-6000:]}"
    return output


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = render(tmp_path_factory.mktemp("generated") / "my-pipeline")
    sh(root, "git", "init", "-q", "-b", "main")
    sh(root, "make", "setup")
    sh(root, "git", "add", "-A")  # pre-commit only sees files git knows
    return root


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
