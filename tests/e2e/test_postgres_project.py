"""A project with `warehouse: postgres` passes its own checks and loads into a real server.

The server is this machine's PostgreSQL cluster (generated.local_postgres); the project gets
it through PIPELINE_WAREHOUSE_URL, as a user's .env or CI service would give it. Its tests
create and drop their own database there; `make run` loads the role's own database, which
these tests then read with psql, independently of the project's code.
"""

from __future__ import annotations

import subprocess
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from generated import local_postgres, project_env, set_up_project, sh

EXPECTED_LOADED = {"customers": 97, "events": 379, "orders": 189}


@pytest.fixture(scope="module")
def warehouse_url() -> Iterator[str]:
    with local_postgres() as url:
        yield url


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return set_up_project(
        tmp_path_factory.mktemp("generated") / "pg-pipeline", data={"warehouse": "postgres"}
    )


def psql(url: str, query: str) -> list[list[str]]:
    done = subprocess.run(
        ["psql", url, "-XAt", "-F", "|", "-c", query], capture_output=True, text=True, check=True
    )
    return [line.split("|") for line in done.stdout.splitlines()]


def test_declares_psycopg_and_not_duckdb(project: Path) -> None:
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    dependencies = pyproject["project"]["dependencies"]
    assert any(d.startswith("psycopg[binary]") for d in dependencies)
    assert not any(d.startswith("duckdb") for d in dependencies)
    sources = (project / "src").rglob("*.py")
    assert not [p for p in sources if "duckdb" in p.read_text()], "a DuckDB import is left"


def test_lint_passes(project: Path) -> None:
    sh(project, "make", "lint")


def test_own_tests_pass_against_the_server(project: Path, warehouse_url: str) -> None:
    output = sh(project, "make", "test", env={"PIPELINE_WAREHOUSE_URL": warehouse_url})
    assert " passed" in output and " failed" not in output and "skipped" not in output
    # Each session dropped the database it created.
    databases = {row[0] for row in psql(warehouse_url, "SELECT datname FROM pg_database")}
    assert not [d for d in databases if d.startswith("test_")], databases


def test_own_tests_fail_without_a_server(project: Path) -> None:
    done = subprocess.run(
        ["make", "test"],
        cwd=project,
        env={k: v for k, v in project_env().items() if "WAREHOUSE" not in k},
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode != 0
    assert "docker compose -f deploy/docker-compose.yml up -d postgres" in done.stdout


def test_pre_commit_passes_offline(project: Path) -> None:
    sh(project, "uv", "run", "--frozen", "pre-commit", "run", "--all-files")


def test_run_loads_postgres_and_a_rerun_loads_nothing(project: Path, warehouse_url: str) -> None:
    env = {"PIPELINE_WAREHOUSE_URL": warehouse_url}
    first = sh(project, "make", "run", env=env)
    for dataset in ("customers", "events", "orders"):
        row = next(line.split() for line in first.splitlines() if line.strip().startswith(dataset))
        rows_in, loaded, quarantined, duplicates = map(int, row[1:5])
        assert loaded == EXPECTED_LOADED[dataset], row
        assert quarantined > 0 and duplicates > 0, row
        assert rows_in == loaded + quarantined + duplicates, row
    assert "Quality: passed" in first, first
    assert warehouse_url.split("@")[0].split(":")[-1] not in first, "password in the output"
    second = sh(project, "make", "run", env=env)
    assert "Nothing new to load" in second, second

    # The rows are in PostgreSQL, once: the second run changed nothing.
    for dataset, loaded in EXPECTED_LOADED.items():
        assert psql(warehouse_url, f"SELECT count(*) FROM silver.{dataset}") == [[str(loaded)]]
    assert int(psql(warehouse_url, "SELECT count(*) FROM gold.daily_orders")[0][0]) > 0
    runs = psql(warehouse_url, "SELECT outcome FROM ops.audit_runs ORDER BY started_at")
    assert runs == [["success"], ["no_new_data"]]
    keys = psql(
        warehouse_url,
        "SELECT a.attname FROM pg_index i JOIN pg_attribute a "
        "ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
        "WHERE i.indisprimary AND i.indrelid = 'silver.orders'::regclass",
    )
    assert keys == [["order_id"]]
