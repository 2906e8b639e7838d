"""Every pair of choices: each project of the covering set passes its own checks and runs.

tests/covering.py builds a pairwise covering set from copier.yml: every transformation,
quality check and compliance option on and off, and every orchestrator, warehouse and CI
provider the questionnaire offers as real, the smallest (every option off) and the largest
(every option on) included, and the answer sets that once failed (REGRESSIONS). A bug that
needs two choices to show (gold tables grouping by a column only enrichment adds) is met by
some project. Each is rendered, installed (`make setup`, uv's shared cache) and checked as
its user and its CI would: the generated files, `make lint`, the offline pre-commit hooks,
`make test` (which includes the orchestrator's integrity tests and real runs of its DAG,
assets or flow) and `make run` twice; a project with the PostgreSQL source runs
`make source-demo` too (a throwaway source server: a table pulled, then only what changed).

A PostgreSQL project loads into a server of this module's own (a database each) and its rows
are read back with psql. The first PostgreSQL project's tests are given that server too, as
a user's .env or CI service would give it, and must create, use and drop a database of their
own there; the others' tests start a throwaway server of their own, as on a laptop.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from covering import answer_set_id, covering_answer_sets
from generated import Postgres, set_up_project, sh, throwaway_postgres
from user_checks import (
    check_generated_files,
    check_postgres_load,
    check_source_demo,
    loads_into_postgres,
    pulls_from_postgres,
    run_own_tests,
    run_twice,
    stand_ins,
)

ANSWER_SETS = covering_answer_sets()
# The first PostgreSQL project runs its tests on the server given to it.
GIVEN_SERVER = next(i for i, a in enumerate(ANSWER_SETS) if a["warehouse"] == "postgres")


@pytest.fixture(scope="module")
def server() -> Iterator[Postgres]:
    with throwaway_postgres() as postgres:
        yield postgres


@pytest.mark.parametrize(
    "index", range(len(ANSWER_SETS)), ids=[answer_set_id(a) for a in ANSWER_SETS]
)
def test_project_passes_its_own_checks_and_runs(
    index: int, server: Postgres, workdir: Path
) -> None:
    answers: dict[str, Any] = ANSWER_SETS[index]
    project = set_up_project(workdir / "my-pipeline", data=answers)
    check_generated_files(project)
    assert not stand_ins(project), "the covering tier offers only real choices"
    sh(project, "make", "lint")
    sh(project, "uv", "run", "--frozen", "pre-commit", "run", "--all-files")
    if pulls_from_postgres(project):
        check_source_demo(project)

    if not loads_into_postgres(project):
        run_own_tests(project)
        run_twice(project)
        return

    if index == GIVEN_SERVER:
        # The server logs every CREATE and DROP: proof that the tests used this server.
        server.query("ALTER SYSTEM SET log_statement = 'ddl'", superuser=True)
        server.query("SELECT pg_reload_conf()", superuser=True)
        run_own_tests(project, server=server)
        # One database per test worker (make test runs pytest-xdist), each dropped after.
        created = re.findall(r'CREATE DATABASE "?(test_\w+)', server.log())
        assert created, "the tests did not use the given server"
        for name in created:
            assert re.search(rf'DROP DATABASE "?{name}\b', server.log()), f"{name} not dropped"
        databases = {row[0] for row in server.query("SELECT datname FROM pg_database")}
        assert not [d for d in databases if d.startswith("test_")], databases
    else:
        run_own_tests(project)
    database = server.new_database(f"project_{index}")
    check_postgres_load(database, run_twice(project, warehouse_url=database.url), project)
