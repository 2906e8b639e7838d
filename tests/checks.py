"""Checks every rendered project must pass, whatever the answers."""

from __future__ import annotations

import json
import py_compile
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml

from rendering import project_files

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "extensions"))
from pipeline_design import QUESTION_ORDER

RUFF = Path(sys.executable).with_name("ruff")

# Unrendered copier Jinja: any `{%`, or `{{` around an answer or the design. Go
# templates in Prometheus rules (`{{ $labels.x }}`) and GitHub expressions
# (`${{ matrix.x }}`) are legitimate in the output and do not match.
JINJA_LEFT = re.compile(
    r"\{%|\{#|(?<!\$)\{\{-?\s*(?:design|_copier\w*|" + "|".join(QUESTION_ORDER) + r")\b"
)
WINDOWS_BAD = re.compile(r'[:*?"<>|]|[. ]$')

# A dependency may appear only when its component is selected: (package name
# prefix, component, why) - "a Polars project has no Spark import".
DEPENDENCY_OWNERS = [
    ("dagster", "orchestrator_dagster"),
    ("apache-airflow", "orchestrator_airflow"),
    ("prefect", "orchestrator_prefect"),
    ("pyspark", "batch_spark"),
    ("apache-flink", "stream_flink"),
    ("faust-streaming", "stream_faust"),
    ("psycopg", "warehouse_postgres"),
    ("snowflake-connector-python", "warehouse_snowflake"),
    ("deltalake", "lake_delta"),
    ("delta-spark", "lake_delta"),
]
# Paths that belong to one component only.
PATH_OWNERS = [
    ("deploy/kafka", "streaming"),
    ("deploy/flink", "stream_flink"),
    ("deploy/faust", "stream_faust"),
    ("deploy/spark", "batch_spark"),
    ("docs/adr/0003-batch-engine.md", "batch"),
    ("docs/adr/0004-stream-engine.md", "streaming"),
    (".github", "ci_github"),
    (".gitlab-ci.yml", "ci_gitlab"),
    ("dags", "orchestrator_airflow"),
]


def no_jinja_left(root: Path) -> list[str]:
    problems = []
    for path in project_files(root):
        rel = path.relative_to(root).as_posix()
        if "{" in rel or "}" in rel:
            problems.append(f"unrendered path: {rel}")
        try:
            text = path.read_text()
        except UnicodeDecodeError:
            continue  # binary sample data (gzip, parquet)
        for number, line in enumerate(text.splitlines(), 1):
            if JINJA_LEFT.search(line):
                problems.append(f"{rel}:{number}: {line.strip()[:80]}")
    return problems


def windows_safe_names(root: Path) -> list[str]:
    return [
        path.relative_to(root).as_posix()
        for path in project_files(root)
        if any(WINDOWS_BAD.search(part) for part in path.relative_to(root).parts)
    ]


def text_files_tidy(root: Path) -> list[str]:
    """What the generated pre-commit hooks enforce: one final newline, no trailing spaces."""
    problems = []
    for path in project_files(root):
        data = path.read_bytes()
        if b"\0" in data or path.suffix in (".gz", ".parquet"):
            continue
        rel = path.relative_to(root)
        if data and not data.endswith(b"\n"):
            problems.append(f"{rel}: no newline at the end")
        elif data.endswith(b"\n\n"):
            problems.append(f"{rel}: blank lines at the end")
        bad = [n for n, line in enumerate(data.split(b"\n"), 1) if line != line.rstrip(b" \t")]
        if bad:
            problems.append(f"{rel}: trailing whitespace on lines {bad[:5]}")
    return problems


def python_compiles(root: Path) -> list[str]:
    problems = []
    for path in root.rglob("*.py"):
        try:
            py_compile.compile(str(path), doraise=True, cfile=str(path) + "c.tmp")
        except py_compile.PyCompileError as error:
            problems.append(str(error))
        finally:
            Path(str(path) + "c.tmp").unlink(missing_ok=True)
    return problems


def ruff_clean(root: Path) -> list[str]:
    """Exactly what the generated CI and pre-commit run: the whole tree, not just src."""
    problems = []
    for args in (["check", "."], ["format", "--check", "."]):
        done = subprocess.run([str(RUFF), *args], cwd=root, capture_output=True, text=True)
        if done.returncode != 0:
            problems.append(f"ruff {' '.join(args)}:\n{done.stdout}{done.stderr}")
    return problems


def data_files_parse(root: Path) -> list[str]:
    problems = []
    for path in project_files(root):
        try:
            if path.suffix in (".yml", ".yaml"):
                list(yaml.safe_load_all(path.read_text()))
            elif path.suffix == ".toml":
                tomllib.loads(path.read_text())
            elif path.suffix == ".json":
                json.loads(path.read_text())
        except (yaml.YAMLError, tomllib.TOMLDecodeError, json.JSONDecodeError) as error:
            problems.append(f"{path.relative_to(root)}: {error}")
    return problems


def declared_dependencies(root: Path) -> list[str]:
    pyproject = root / "pyproject.toml"
    if not pyproject.exists():
        return []
    data = tomllib.loads(pyproject.read_text())
    deps = list(data.get("project", {}).get("dependencies", []))
    for group in data.get("dependency-groups", {}).values():
        deps += [d for d in group if isinstance(d, str)]
    for group in data.get("project", {}).get("optional-dependencies", {}).values():
        deps += group
    return [re.split(r"[<>=!~;\[ ]", d, maxsplit=1)[0].lower() for d in deps]


def nothing_unselected(root: Path, components: frozenset[str]) -> list[str]:
    problems = []
    deps = declared_dependencies(root)
    for package, owner in DEPENDENCY_OWNERS:
        if owner not in components and package in deps:
            problems.append(f"dependency {package} without component {owner}")
    for rel, owner in PATH_OWNERS:
        if owner not in components and (root / rel).exists():
            problems.append(f"path {rel} without component {owner}")
    return problems


def answers_recorded(root: Path, answers: dict[str, object]) -> list[str]:
    path = root / ".copier-answers.yml"
    if not path.exists():
        return [".copier-answers.yml is missing: copier update would not work"]
    recorded = yaml.safe_load(path.read_text())

    def same(given: object, kept: object) -> bool:
        # copier stores a multiselect in the order of its choices.
        if isinstance(given, list) and isinstance(kept, list):
            return sorted(given) == sorted(kept)
        return given == kept

    return [
        f"answer {key}={value!r} recorded as {recorded.get(key)!r}"
        for key, value in answers.items()
        if key in recorded and not same(value, recorded[key])
    ] + ([] if "_src_path" in recorded and "_commit" in recorded else ["no _src_path/_commit"])


def alert_rules_pass(root: Path) -> list[str]:
    """promtool validates the generated rules and runs their unit tests (`make bootstrap`
    installs it where it can)."""
    monitoring = root / "deploy" / "monitoring"
    if not (monitoring / "alerts.yml").exists():
        return ["deploy/monitoring/alerts.yml is missing"]
    promtool = shutil.which("promtool")
    if promtool is None:
        return [
            "promtool is not installed: run `sudo apt-get install -y prometheus` (Debian, "
            "Ubuntu; `make bootstrap` does it as root), or `brew install prometheus` (macOS)"
        ]
    problems = []
    for args in (
        ["check", "rules", "alerts.yml"],
        ["test", "rules", "alerts_test.yml"],
        ["check", "config", "prometheus.yml"],
    ):
        done = subprocess.run([promtool, *args], cwd=monitoring, capture_output=True, text=True)
        if done.returncode != 0:
            problems.append(f"promtool {' '.join(args)}:\n{done.stdout}{done.stderr}")
    return problems
