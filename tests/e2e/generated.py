"""Render a project and run its own commands in a clean environment, as a user would.

The project is installed only from what it declares (its own `make setup` into its own
.venv); nothing from the template's environment leaks in.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

from rendering import render

# Variables of the template's own environment that would redirect the generated
# project's tools (uv run sets VIRTUAL_ENV; pytest sets PYTEST_*).
LEAKY = ("VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT", "PYTHONPATH", "PYTEST_ADDOPTS", "PYTEST_VERSION")


def project_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in LEAKY}
    env["UV_PYTHON_DOWNLOADS"] = "never"
    return env


def sh(cwd: Path, *command: str, timeout: int = 900) -> str:
    """Run a command in the project; fail the test with the end of its output."""
    done = subprocess.run(
        command, cwd=cwd, env=project_env(), capture_output=True, text=True, timeout=timeout
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, f"{' '.join(command)} exited {done.returncode}:\n{output[-6000:]}"
    return output


def set_up_project(dst: Path, data: dict[str, Any] | None = None) -> Path:
    """Render, `git init`, `make setup`, and stage the files (pre-commit sees only those)."""
    root = render(dst, data=data)
    sh(root, "git", "init", "-q", "-b", "main")
    sh(root, "make", "setup")
    sh(root, "git", "add", "-A")
    return root
