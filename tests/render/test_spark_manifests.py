"""deploy/spark of Spark projects across the answer space: the SparkApplication validates
against the Spark operator's schema (tests/k8s_schemas.py), says what spark-defaults.conf
says, and names the Spark release of the image and of pyspark; `make spark-submit` parses.

The Spark operator cannot run here (no cluster), nor can Spark with Delta (its jars come
from Maven Central, which is unreachable): the configuration is tested, not run.
"""

from __future__ import annotations

import copy
import os
import re
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from packaging.requirements import Requirement

import checks
from cases import effective_answers
from k8s_schemas import Validate, spark_application_validators
from pipeline_design import build_design
from rendering import TEMPLATE_ROOT, load_preset, render

SPARK = {"batch_engine": "spark"}
# Sizes from a few GB a day to terabytes, under each orchestrator and warehouse, with both
# lake formats; the seed preset adds Snowflake, hybrid mode and its own sizing.
CASES: dict[str, dict[str, Any]] = {
    "small-dagster-duckdb-parquet": SPARK
    | {"orchestrator": "dagster", "warehouse": "duckdb", "lake_format": "parquet"},
    "medium-airflow-postgres-delta": SPARK
    | {
        "orchestrator": "airflow",
        "warehouse": "postgres",
        "lake_format": "delta",
        "batch_gb_per_day": 60,
        "schedule": "0 */6 * * *",
        "batch_sla_hours": 2,
    },
    "large-prefect-duckdb-delta": SPARK
    | {
        "orchestrator": "prefect",
        "warehouse": "duckdb",
        "lake_format": "delta",
        "batch_gb_per_day": 4000,
        "growth_factor": 3,
        "peak_factor": 5,
        "transformations": ["cleaning", "enrichment"],
    },
    "hourly-airflow-postgres-parquet": SPARK
    | {
        "orchestrator": "airflow",
        "warehouse": "postgres",
        "lake_format": "parquet",
        "batch_gb_per_day": 500,
        "schedule": "0 * * * *",
        "batch_sla_hours": 1,
        "transformations": ["cleaning"],
    },
    "tiny-prefect-postgres-parquet": SPARK
    | {"orchestrator": "prefect", "warehouse": "postgres", "batch_gb_per_day": 0.2},
    "preset-hybrid-clickstream": load_preset(TEMPLATE_ROOT / "presets" / "hybrid-clickstream.yml"),
    # Not Spark: nothing of the above may appear.
    "polars-defaults": {},
}
SPARK_CASES = [name for name in CASES if name != "polars-defaults"]

# What the Spark operator (v2.x, internal/controller/sparkapplication/submission.go) turns
# each SparkApplication field into when it calls spark-submit; sparkConf is passed as it is.
# Written down here independently of the design engine's own list, as the oracle.
OPERATOR_PROPERTY_OF_FIELD = {
    ("driver", "cores"): "spark.driver.cores",
    ("driver", "memory"): "spark.driver.memory",
    ("driver", "memoryOverhead"): "spark.driver.memoryOverhead",
    ("executor", "cores"): "spark.executor.cores",
    ("executor", "memory"): "spark.executor.memory",
    ("executor", "memoryOverhead"): "spark.executor.memoryOverhead",
    ("executor", "instances"): "spark.executor.instances",
    ("dynamicAllocation", "enabled"): "spark.dynamicAllocation.enabled",
    ("dynamicAllocation", "initialExecutors"): "spark.dynamicAllocation.initialExecutors",
    ("dynamicAllocation", "minExecutors"): "spark.dynamicAllocation.minExecutors",
    ("dynamicAllocation", "maxExecutors"): "spark.dynamicAllocation.maxExecutors",
    ("dynamicAllocation", "shuffleTrackingEnabled"): (
        "spark.dynamicAllocation.shuffleTracking.enabled"
    ),
    ("deps", "packages"): "spark.jars.packages",  # --packages
}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return {
        name: render(tmp_path_factory.mktemp(name), data=answers) for name, answers in CASES.items()
    }


@pytest.fixture(scope="module")
def validators() -> dict[str, Validate]:
    return spark_application_validators()


def manifest(root: Path) -> dict[str, Any]:
    return yaml.safe_load((root / "deploy" / "spark" / "spark-application.yaml").read_text())


def spark_defaults(root: Path) -> dict[str, str]:
    conf = {}
    for line in (root / "deploy" / "spark" / "spark-defaults.conf").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            key, value = line.split(None, 1)
            assert key not in conf, f"{key} twice in spark-defaults.conf"
            conf[key] = value.strip()
    return conf


def operator_properties(app: dict[str, Any]) -> dict[str, str]:
    """The Spark properties the operator submits for `app`: its fields, then sparkConf."""
    spec = app["spec"]
    found: dict[str, str] = {}
    for (section, name), key in OPERATOR_PROPERTY_OF_FIELD.items():
        if name in spec.get(section, {}):
            value = spec[section][name]
            if isinstance(value, bool):
                value = str(value).lower()
            elif isinstance(value, list):
                value = ",".join(value)
            found[key] = str(value)
    if spec.get("dynamicAllocation", {}).get("enabled"):
        # The operator turns shuffle tracking on with dynamic allocation unless told otherwise.
        found.setdefault("spark.dynamicAllocation.shuffleTracking.enabled", "true")
    for key, value in spec.get("sparkConf", {}).items():
        assert key not in found, f"{key} is both a field and in sparkConf"
        found[key] = value
    return found


def design_of(name: str) -> Any:
    return build_design(effective_answers(CASES[name])[0])


@pytest.mark.parametrize("case", SPARK_CASES)
def test_spark_application_validates_against_the_operator_schema(
    case: str, rendered: dict[str, Path], validators: dict[str, Validate]
) -> None:
    app = manifest(rendered[case])
    assert app["apiVersion"] == "sparkoperator.k8s.io/v1beta2"
    assert app["kind"] == "SparkApplication"
    for source, validate in validators.items():
        assert validate(app) == [], f"{case} against the {source}"


# Each mutation is a mistake someone could make in the template; every schema must refuse it.
MUTATIONS = {
    "executor cores as a string": lambda s: s["executor"].update(cores="5"),
    "fractional max executors": lambda s: s["dynamicAllocation"].update(maxExecutors=2.5),
    "dynamic allocation enabled as a string": lambda s: s["dynamicAllocation"].update(
        enabled="yes"
    ),
    "a misspelt driver field": lambda s: s["driver"].update(memmory="4g"),
    "an unknown top-level field": lambda s: s.update(restartPolicies={"type": "Never"}),
    "no sparkVersion": lambda s: s.pop("sparkVersion"),
    "sparkConf value not a string": lambda s: s["sparkConf"].update(
        {"spark.sql.shuffle.partitions": 200}
    ),
    "env var without a name": lambda s: s["driver"]["env"].append({"value": "x"}),
}


@pytest.mark.parametrize("mutation", MUTATIONS)
def test_the_schemas_refuse_a_broken_manifest(
    mutation: str, rendered: dict[str, Path], validators: dict[str, Validate]
) -> None:
    """The validation can fail: a manifest with one mistake in it is refused."""
    app = copy.deepcopy(manifest(rendered["medium-airflow-postgres-delta"]))
    MUTATIONS[mutation](app["spec"])
    for source, validate in validators.items():
        assert validate(app), f"the {source} accepted a manifest with {mutation}"


def test_the_crd_refuses_what_the_api_models_cannot_see(
    rendered: dict[str, Path], validators: dict[str, Validate]
) -> None:
    """Enums and minimums live in the CRD only (when one is at hand: tests/k8s_schemas.py)."""
    crds = {name: v for name, v in validators.items() if name.startswith("CRD")}
    if not crds:
        pytest.skip("no SparkApplication CRD at hand ($SPARK_OPERATOR_CRD or shared/crds/)")
    for mutate in (
        lambda s: s.update(mode="local"),
        lambda s: s["restartPolicy"].update(type="Sometimes"),
        lambda s: s["executor"].update(cores=0),
    ):
        app = copy.deepcopy(manifest(rendered["small-dagster-duckdb-parquet"]))
        mutate(app["spec"])
        for source, validate in crds.items():
            assert validate(app), f"the {source} accepted {app['spec']}"


@pytest.mark.parametrize("case", SPARK_CASES)
def test_the_manifest_and_spark_defaults_say_the_same(case: str, rendered: dict[str, Path]) -> None:
    conf = spark_defaults(rendered[case])
    assert operator_properties(manifest(rendered[case])) == conf
    design = design_of(case)
    assert conf == {p.key: p.value for p in design.spark_deploy.properties}
    spark = design.spark
    assert conf["spark.executor.cores"] == str(spark.cores_per_executor)
    assert conf["spark.executor.memory"] == f"{spark.executor_memory_gb}g"
    assert conf["spark.dynamicAllocation.minExecutors"] == str(spark.min_executors)
    assert conf["spark.dynamicAllocation.maxExecutors"] == str(spark.max_executors)
    assert conf["spark.sql.shuffle.partitions"] == str(spark.shuffle_partitions)
    assert conf["spark.sql.adaptive.enabled"] == "true"
    assert conf["spark.sql.session.timeZone"] == "UTC"


def test_a_changed_property_shows_as_disagreement(rendered: dict[str, Path]) -> None:
    """The comparison above can fail: one executor more in the manifest is a difference."""
    root = rendered["small-dagster-duckdb-parquet"]
    app = manifest(root)
    app["spec"]["dynamicAllocation"]["maxExecutors"] += 1
    assert operator_properties(app) != spark_defaults(root)


@pytest.mark.parametrize("case", SPARK_CASES)
def test_delta_settings_come_with_lake_format_delta(case: str, rendered: dict[str, Path]) -> None:
    conf = spark_defaults(rendered[case])
    app = manifest(rendered[case])
    if design_of(case).stack.lake_format == "delta":
        assert re.fullmatch(
            r"io\.delta:delta-spark_4\.\d+_2\.13:4\.\d+\.\d+", conf["spark.jars.packages"]
        )
        assert conf["spark.sql.extensions"] == "io.delta.sql.DeltaSparkSessionExtension"
        assert (
            conf["spark.sql.catalog.spark_catalog"]
            == "org.apache.spark.sql.delta.catalog.DeltaCatalog"
        )
        assert app["spec"]["deps"]["packages"] == [conf["spark.jars.packages"]]
    else:
        assert not {k for k in conf if "delta" in conf[k] or k == "spark.jars.packages"}
        assert "deps" not in app["spec"]


@pytest.mark.parametrize("case", SPARK_CASES)
def test_one_spark_release_everywhere(case: str, rendered: dict[str, Path]) -> None:
    root = rendered[case]
    version = manifest(root)["spec"]["sparkVersion"]
    assert version == design_of(case).spark_deploy.version
    dockerfile = (root / "deploy" / "spark" / "Dockerfile").read_text()
    assert re.search(rf"^FROM apache/spark:{re.escape(version)}-python3$", dockerfile, re.M)
    assert "USER spark" in dockerfile, "the image runs as Spark's unprivileged user"
    # pyspark, once the project declares it, must be of the image's release.
    deps = tomllib.loads((root / "pyproject.toml").read_text())["project"]["dependencies"]
    for dep in map(Requirement, deps):
        if dep.name == "pyspark":
            assert dep.specifier.contains(version), f"{dep} does not allow Spark {version}"


@pytest.mark.parametrize("case", SPARK_CASES)
def test_the_manifest_runs_the_pipeline_with_its_secrets(
    case: str, rendered: dict[str, Path]
) -> None:
    root = rendered[case]
    spec = manifest(root)["spec"]
    slug = yaml.safe_load((root / ".copier-answers.yml").read_text())["project_slug"]
    assert (spec["type"], spec["mode"], spec["pythonVersion"]) == ("Python", "cluster", "3")
    assert spec["mainApplicationFile"] == f"local:///opt/{slug}/deploy/spark/main.py"
    assert spec["arguments"] == ["run"]
    assert spec["restartPolicy"]["type"] == "OnFailure"
    assert spec["restartPolicy"]["onFailureRetries"] >= 1
    for role in ("driver", "executor"):
        env = {e["name"]: e for e in spec[role]["env"]}
        assert env["PIPELINE_PII_KEY"]["valueFrom"]["secretKeyRef"] == {
            "name": f"{slug}-pii",
            "key": "key",
        }
        assert env["PIPELINE_DATA_DIR"]["value"] == "/data"
        if design_of(case).stack.warehouse == "postgres":
            assert env["PIPELINE_WAREHOUSE_URL"]["valueFrom"]["secretKeyRef"]["name"] == (
                f"{slug}-warehouse"
            )
        else:
            assert "PIPELINE_WAREHOUSE_URL" not in env
    package = yaml.safe_load((root / ".copier-answers.yml").read_text())["package_name"]
    main = (root / "deploy" / "spark" / "main.py").read_text()
    assert f"from {package}.cli import main" in main
    cli = (root / "src" / package / "cli.py").read_text()
    assert "def main(" in cli and "def run(" in cli


# The project's make as a user starts it: under the template's `make test` the inherited
# MAKEFLAGS and MAKELEVEL make it a sub-make, which prints "Entering directory" lines.
TOP_LEVEL_MAKE = {
    k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")
}


@pytest.mark.parametrize("case", SPARK_CASES)
def test_make_spark_submit_parses(case: str, rendered: dict[str, Path]) -> None:
    root = rendered[case]
    done = subprocess.run(
        ["make", "-n", "spark-submit"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
        env=TOP_LEVEL_MAKE,
    )
    assert done.returncode == 0, done.stderr
    command = " ".join(done.stdout.replace("\\\n", " ").split())
    assert command == (
        "uv run --frozen spark-submit --properties-file deploy/spark/spark-defaults.conf "
        '--master "local[2]" deploy/spark/main.py run'
    )
    done = subprocess.run(
        ["make", "-n", "spark-submit", "SPARK_MASTER=spark://host:7077"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
        env=TOP_LEVEL_MAKE,
    )
    assert '--master "spark://host:7077"' in done.stdout


def test_a_polars_project_has_no_spark_deployment(rendered: dict[str, Path]) -> None:
    root = rendered["polars-defaults"]
    assert not (root / "deploy" / "spark").exists()
    done = subprocess.run(
        ["make", "-n", "spark-submit"], cwd=root, capture_output=True, check=False
    )
    assert done.returncode != 0
    assert "## Running on Spark" not in (root / "docs" / "OPERATIONS.md").read_text()


@pytest.mark.parametrize("case", SPARK_CASES)
def test_spark_projects_document_how_to_run_on_spark(case: str, rendered: dict[str, Path]) -> None:
    operations = (rendered[case] / "docs" / "OPERATIONS.md").read_text()
    section = operations.split("## Running on Spark", 1)[1].split("\n## ", 1)[0]
    for needle in ("make spark-submit", "spark-application.yaml", "deploy/spark/Dockerfile"):
        assert needle in section, needle
    if design_of(case).stack.lake_format == "delta":
        assert "not run" in section and "Maven" in section


@pytest.mark.parametrize("case", SPARK_CASES)
def test_spark_deploy_files_are_clean(case: str, rendered: dict[str, Path]) -> None:
    root = rendered[case]
    problems = (
        checks.no_jinja_left(root)
        + checks.text_files_tidy(root)
        + checks.python_compiles(root)
        + checks.data_files_parse(root)
        + checks.ruff_clean(root)
    )
    assert not problems, "\n".join(problems)
