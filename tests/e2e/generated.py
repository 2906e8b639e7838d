"""Render a project and run its own commands in a clean environment, as a user would.

The project is installed only from what it declares (its own `make setup` into its own
.venv); nothing from the template's environment leaks in.
"""

from __future__ import annotations

import os
import secrets
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
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


def sh(cwd: Path, *command: str, timeout: int = 900, env: dict[str, str] | None = None) -> str:
    """Run a command in the project (with extra `env`); fail the test with the end of its output."""
    done = subprocess.run(
        command,
        cwd=cwd,
        env=project_env() | (env or {}),
        capture_output=True,
        text=True,
        timeout=timeout,
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


@contextmanager
def local_postgres() -> Iterator[str]:
    """A role and a database on this machine's PostgreSQL cluster, dropped afterwards.

    The cluster (Debian's postgresql package, installed by .ci/run) is started as its owner
    when it is down, and stopped again at the end. PostgreSQL refuses to run as root, so the
    cluster tools switch to the `postgres` user; that needs root or that user. Yields a
    libpq URL; the role may create databases, as the generated tests do for their session.
    """
    clusters = subprocess.run(["pg_lsclusters", "-h"], capture_output=True, text=True, check=True)
    version, name, port, status = clusters.stdout.split()[:4]
    started = status != "online"
    if started:
        subprocess.run(["pg_ctlcluster", version, name, "start"], check=True)
    role = f"e2e_{secrets.token_hex(4)}"
    password = secrets.token_hex(16)

    def psql(statement: str) -> None:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", "psql", "-p", port, "-qc", statement],
            check=True,
            capture_output=True,
        )

    psql(f"CREATE ROLE {role} LOGIN CREATEDB PASSWORD '{password}'")
    psql(f"CREATE DATABASE {role} OWNER {role}")
    try:
        yield f"postgresql://{role}:{password}@localhost:{port}/{role}"
    finally:
        psql(f"DROP DATABASE IF EXISTS {role} WITH (FORCE)")
        psql(f"DROP ROLE IF EXISTS {role}")
        if started:
            subprocess.run(["pg_ctlcluster", version, name, "stop"], check=True)
