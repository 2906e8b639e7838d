"""Render the defaults, every preset and the covering set; check each output like CI would."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

import checks
from cases import effective_answers, random_cases, render_cases
from pipeline_design import build_design
from rendering import render

CASES = render_cases()
RANDOM = random_cases()
CHECK_JSONSCHEMA = Path(sys.executable).with_name("check-jsonschema")


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Render every case once; the tests below only read the results."""
    out = {}
    for name, answers in CASES.items():
        out[name] = render(tmp_path_factory.mktemp(name), data=answers)
    return out


def components_of(answers: dict[str, Any]) -> frozenset[str]:
    return build_design(effective_answers(answers)[0]).components


@pytest.mark.parametrize("case", CASES)
def test_render_is_clean(case: str, rendered: dict[str, Path]) -> None:
    root = rendered[case]
    answers = CASES[case]
    problems = (
        checks.no_jinja_left(root)
        + checks.windows_safe_names(root)
        + checks.text_files_tidy(root)
        + checks.python_compiles(root)
        + checks.data_files_parse(root)
        + checks.compose_files_consistent(root)
        + checks.engine_seam_kept(root)
        + checks.nothing_unselected(root, components_of(answers))
        + checks.answers_recorded(root, answers)
        + checks.ruff_clean(root)
        + checks.no_secret_flagged(root)
    )
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("case", RANDOM)
def test_copier_answers_what_the_answer_space_expects(case: str, rendered: dict[str, Path]) -> None:
    """The random-answers strategy knows copier's defaults, `when:` and recommendations: what
    copier recorded is what the strategy computed (so its answer sets mean what they say)."""
    expected = RANDOM[case].effective
    recorded = yaml.safe_load((rendered[case] / ".copier-answers.yml").read_text())
    recorded = {k: v for k, v in recorded.items() if not k.startswith("_")}
    assert set(recorded) == set(expected)
    problems = checks.answers_recorded(rendered[case], expected)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("case", CASES)
def test_design_documents_are_rendered(case: str, rendered: dict[str, Path]) -> None:
    docs = rendered[case] / "docs"
    for name in ("ARCHITECTURE.md", "SCALABILITY.md", "IMPLEMENTATION_PLAN.md"):
        text = (docs / name).read_text()
        assert text.startswith("# "), name
        assert "None" not in text, f"{name} prints a missing value as None"
    assert "```mermaid\nflowchart LR" in (docs / "ARCHITECTURE.md").read_text()


@pytest.mark.parametrize("case", CASES)
def test_ci_configuration_validates_against_its_schema(
    case: str, rendered: dict[str, Path]
) -> None:
    root = rendered[case]
    schemas = {
        root / ".github" / "workflows" / "ci.yml": "vendor.github-workflows",
        root / ".gitlab-ci.yml": "vendor.gitlab-ci",
        root / "deploy" / "docker-compose.yml": "vendor.compose-spec",
        root / "deploy" / "docker-compose.stream.yml": "vendor.compose-spec",
    }
    present = {path: schema for path, schema in schemas.items() if path.exists()}
    for path, schema in present.items():
        done = subprocess.run(
            [str(CHECK_JSONSCHEMA), "--builtin-schema", schema, str(path)],
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("case", CASES)
def test_alert_rules_pass_promtool(case: str, rendered: dict[str, Path]) -> None:
    problems = checks.alert_rules_pass(rendered[case])
    assert not problems, "\n".join(problems)


def test_seed_preset_shows_its_sizing(rendered: dict[str, Path]) -> None:
    text = (rendered["preset-hybrid-clickstream"] / "docs" / "SCALABILITY.md").read_text()
    assert "| partitions | **128** |" in text
    assert "| parallelism | **128** |" in text
    assert "| checkpoint interval | **30 s** |" in text
    assert "| state backend | **hashmap** |" in text
    assert "| utilisation at the peak | 43 % |" in text
    # The TaskManagers request the shape the cost table prices: 4 vCPU with 4 GB each.
    manifest = rendered["preset-hybrid-clickstream"] / "deploy" / "flink" / "flink-deployment.yaml"
    assert 'memory: "16384m"' in manifest.read_text()
    assert "32 x (4 vCPU, 16 GB) = 128 vCPU" in text
    # Cost per GB processed against the scenario's $0.10 target, storage at steady state.
    assert "Per GB processed: **$0.286**" in text and "**over it**" in text
    # Rule V: the real-time API's serving store is priced (a primary and a standby).
    assert "| Serving store for the real-time API (PostgreSQL, managed, always on" in text
    assert "Kafka storage (2 full-rate topics x 7 days x 3 replicas, zstd)" in text
    assert "Snowflake storage: clean and gold tables at their retention" in text
    assert "| dynamic allocation | **7 - 35 executors** |" in text
    conf = rendered["preset-hybrid-clickstream"] / "deploy" / "spark" / "spark-defaults.conf"
    assert "spark.dynamicAllocation.maxExecutors              35" in conf.read_text()


@pytest.mark.parametrize("case", ["preset-hybrid-clickstream", "cover-postgres-api-hybrid-flink"])
def test_the_rest_api_source_is_generated_not_a_stand_in(
    case: str, rendered: dict[str, Path]
) -> None:
    root = rendered[case]
    package = yaml.safe_load((root / ".copier-answers.yml").read_text())["package_name"]
    assert (root / "src" / package / "sources" / "rest_api.py").is_file()
    assert (root / "tests" / "test_rest_api_source.py").is_file()
    assert "REST API source: no connector" not in (root / "README.md").read_text()
    assert "PIPELINE_SOURCE_REST_API_BASE_URL=" in (root / ".env.example").read_text()
    pipeline = (root / "src" / package / "pipeline.py").read_text()
    assert "land_endpoints(self.settings, self.contracts)" in pipeline
    assert "kind: rest_api" in (root / "contracts" / "orders.odcs.yaml").read_text()


def test_the_snowflake_warehouse_is_rendered_for_snowflake_only(
    rendered: dict[str, Path],
) -> None:
    """The staged load (PUT, COPY INTO, MERGE) for Snowflake; no DuckDB import left there; and
    a DuckDB project gets none of it."""
    snowflake = rendered["preset-hybrid-clickstream"]
    package = next((snowflake / "src").iterdir())
    code = (package / "sinks" / "warehouse.py").read_text()
    staged_load = ("PUT 'file://", "COPY INTO {load} FROM @", "MERGE INTO silver.", "CLUSTER BY")
    for statement in staged_load:
        assert statement in code, statement
    assert not [p for p in package.rglob("*.py") if "import duckdb" in p.read_text()]
    assert "PIPELINE_SNOWFLAKE_ACCOUNT" in (snowflake / ".env.example").read_text()
    assert (snowflake / "tests" / "test_snowflake_warehouse.py").exists()
    defaults = rendered["defaults"]
    package = next((defaults / "src").iterdir())
    assert "import duckdb" in (package / "sinks" / "warehouse.py").read_text()
    assert not (defaults / "tests" / "snowflake_stub.py").exists()


def test_streaming_only_project_has_no_batch_sizing(rendered: dict[str, Path]) -> None:
    text = (rendered["preset-iot-telemetry-streaming"] / "docs" / "SCALABILITY.md").read_text()
    assert "## Batch runs" not in text
    assert "## Kafka" in text


def test_copie_renders_the_defaults(copie: Any) -> None:
    """The same through pytest-copie, the way template users test their templates."""
    result = copie.copy()
    assert result.exit_code == 0, result.exception
    assert result.answers["orchestrator"] == "dagster"
    assert result.answers["batch_engine"] == "polars"
    assert (result.project_dir / "docs" / "ARCHITECTURE.md").is_file()
