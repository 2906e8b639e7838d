"""Answers that would render a broken project are refused, each with a message.

Free text must be one plain line, numbers must be finite, and the package and
distribution names must not shadow a module the generated project imports.
`refuse(key, given)` is exactly what copier's validator runs (copier_glue.py).
"""

from __future__ import annotations

import keyword
import re
import sys
import tomllib
import unicodedata
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from conftest import TEMPLATE_ROOT
from pipeline_design import Answers
from pipeline_design.names import package_name_for, project_slug_for
from pipeline_design.reserved import (
    DEPENDENCY_IMPORTS,
    DEPENDENCY_NAMES,
    PROJECT_FOLDERS,
    normalize_distribution,
)
from pipeline_design.text import kind_of
from pipeline_design.validation import (
    NUMBER_KEYS,
    PACKAGE_RE,
    TEXT_KEYS,
    refuse,
    skipped_keys,
    unknown_keys,
    unused_answers_warning,
)

DEFAULTS = Answers().as_dict()

# One sample or more of each class of character that breaks a one-line answer.
BAD_CHARACTERS = {
    "line feed": "\n",
    "carriage return": "\r",
    "vertical tab": "\v",
    "form feed": "\f",
    "file separator": "\x1c",
    "next line U+0085": "\x85",
    "line separator U+2028": "\u2028",
    "paragraph separator U+2029": "\u2029",
    "tab": "\t",
    "NUL": "\x00",
    "escape": "\x1b",
    "delete": "\x7f",
    "C1 control": "\x9b",
    "zero-width space": "\u200b",
    "right-to-left override": "\u202e",
    "byte-order mark": "\ufeff",
    "soft hyphen": "\u00ad",
    "lone surrogate": "\ud800",
}

# Answers that make the question apply (refuse() does not look at `when:`, but a
# realistic context keeps the other checks quiet).
KAFKA = {"sources": ["kafka"], "processing_mode": "streaming"}


def with_bad(key: str, char: str, at_end: bool) -> str:
    value = str(DEFAULTS[key])
    return value + char if at_end else value[:1] + char + value[1:]


def test_the_free_text_keys_are_the_str_questions_without_choices() -> None:
    assert set(TEXT_KEYS) == {
        "project_name",
        "project_slug",
        "package_name",
        "description",
        "author_name",
        "author_email",
        "schedule",
    }


@pytest.mark.parametrize("at_end", [True, False], ids=["trailing", "inside"])
@pytest.mark.parametrize("name", BAD_CHARACTERS)
@pytest.mark.parametrize("key", TEXT_KEYS)
def test_a_text_answer_with_a_break_or_control_character_is_refused(
    key: str, name: str, at_end: bool
) -> None:
    char = BAD_CHARACTERS[name]
    value = with_bad(key, char, at_end)
    message = refuse(key, {key: value})
    assert message, f"{key} accepted {value!r}"
    assert message.startswith(f"{key} contains"), message
    assert f"U+{ord(char):04X}" in message, "the message names the character"
    assert ("at the end" in message) == at_end
    assert ("replace it with a space" if char == "\t" else "remove it") in message


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("project_name", "Café Données"),
        ("project_name", "数据管道"),
        ("project_name", "Ana's pipeline"),
        ("author_name", "Zoë Ørsted-Müller"),
        # Persian "mi-khaham": the zero-width non-joiner is part of the spelling.
        ("author_name", "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"),
        ("description", "Loads orders; 50 GB/day — from S3 & PostgreSQL."),
        ("description", "Family emoji 👨\u200d👩\u200d👧 joined by zero-width joiners"),
        ("schedule", "*/15 * * * *"),
    ],
)
def test_plain_unicode_text_is_accepted(key: str, value: str) -> None:
    assert refuse(key, {key: value}) is None


@given(st.text(max_size=30))
def test_description_is_refused_exactly_when_it_holds_an_unsafe_character(text: str) -> None:
    unsafe = [char for char in text if kind_of(char)]
    message = refuse("description", {"description": text})
    if unsafe:
        assert message is not None
        assert f"U+{ord(unsafe[0]):04X}" in message
    else:
        assert message is None


@given(st.characters())
def test_every_line_break_and_control_category_is_unsafe(char: str) -> None:
    category = unicodedata.category(char)
    if category in ("Cc", "Zl", "Zp", "Cs") or char in "\n\r\x85\u2028\u2029":
        assert kind_of(char) is not None
    if category[0] in "LNPS" or char == " ":  # letters, numbers, punctuation, symbols
        assert kind_of(char) is None


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("project_slug", "my-pipeline\n"),
        ("package_name", "my_pipeline\n"),
        ("author_email", "ana@example.com\n"),
        ("schedule", "0 2 * * *\n"),
    ],
)
def test_a_trailing_newline_never_passes_the_pattern_checks(key: str, value: str) -> None:
    message = refuse(key, {key: value})
    assert message and "line break" in message and "at the end" in message


def test_a_slug_with_a_double_hyphen_is_refused() -> None:
    assert "single hyphens" in (refuse("project_slug", {"project_slug": "my--pipeline"}) or "")


# --- names that shadow a module ---------------------------------------------------------
DEPENDENCY_MODULES = sorted({m for modules in DEPENDENCY_IMPORTS.values() for m in modules})
STDLIB_PACKAGE_NAMES = sorted(
    name
    for name in sys.stdlib_module_names
    if PACKAGE_RE.fullmatch(name) and not keyword.iskeyword(name)
)


@pytest.mark.parametrize("name", DEPENDENCY_MODULES + list(PROJECT_FOLDERS))
def test_a_package_name_that_shadows_a_dependency_or_a_project_folder_is_refused(
    name: str,
) -> None:
    message = refuse("package_name", {"project_slug": "shop-orders", "package_name": name})
    assert message and "would shadow" in message, name
    assert "'shop_orders'" in message, "the message suggests a name derived from the slug"


@pytest.mark.parametrize("name", STDLIB_PACKAGE_NAMES)
def test_a_package_name_that_shadows_the_standard_library_is_refused(name: str) -> None:
    message = refuse("package_name", {"package_name": name})
    assert message and "standard library" in message, name


def test_the_suggestion_never_shadows_either() -> None:
    message = refuse("package_name", {"project_slug": "polars", "package_name": "polars"})
    assert message and "'polars_pipeline'" in message


@pytest.mark.parametrize("slug", ["polars", "duckdb", "apache-airflow", "polars-hash", "pyyaml"])
def test_a_project_slug_named_like_a_dependency_is_refused(slug: str) -> None:
    message = refuse("project_slug", {"project_slug": slug})
    assert message and "requiring itself" in message and f"'{slug}-pipeline'" in message


@pytest.mark.parametrize(
    ("project_name", "slug", "package"),
    [
        ("My Pipeline", "my-pipeline", "my_pipeline"),
        ("Polars", "polars-pipeline", "polars_pipeline"),
        ("Apache Airflow", "apache-airflow-pipeline", "apache_airflow_pipeline"),
        ("Airflow", "airflow", "airflow_pipeline"),
        ("JSON", "json", "json_pipeline"),
        ("Tests", "tests", "tests_pipeline"),
    ],
)
def test_default_names_never_shadow(project_name: str, slug: str, package: str) -> None:
    assert project_slug_for(project_name) == slug
    assert package_name_for(slug) == package
    given = {"project_name": project_name, "project_slug": slug, "package_name": package}
    assert refuse("project_slug", given) is None
    assert refuse("package_name", given) is None


def _pyproject_requirements() -> set[str]:
    """Every distribution template/pyproject.toml.jinja names, for any answer set."""
    source = (TEMPLATE_ROOT / "template" / "pyproject.toml.jinja").read_text()
    lines = [line for line in source.splitlines() if not line.lstrip().startswith("{%")]
    text = re.sub(r"\{\{[^}]*(?:tojson|toml_str)[^}]*\}\}", '"x"', "\n".join(lines))
    text = re.sub(r"\{\{[^}]*\}\}", "x", text)
    data = tomllib.loads(text)
    requirements = list(data["project"]["dependencies"]) + list(data["build-system"]["requires"])
    for group in data.get("dependency-groups", {}).values():
        requirements += [r for r in group if isinstance(r, str)]
    for extra in data["project"].get("optional-dependencies", {}).values():
        requirements += extra
    names = set()
    for requirement in requirements:
        match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement)
        assert match, requirement
        names.add(normalize_distribution(match.group()))
    return names


def test_the_dependency_list_covers_every_requirement_of_the_generated_project() -> None:
    required = _pyproject_requirements()
    assert {"polars", "duckdb", "dagster", "apache-airflow", "prefect", "pytest"} <= required
    assert required <= DEPENDENCY_NAMES, f"add to reserved.py: {required - DEPENDENCY_NAMES}"


def _generated_python_files() -> list[str]:
    files = []
    for path in (TEMPLATE_ROOT / "template").rglob("*"):
        name = path.name.removesuffix(".jinja")
        if path.is_file() and re.search(r"\.py(\{%[^%]*%\})?$", name):
            files.append(path.read_text())
    return files


def test_every_module_the_generated_code_imports_is_reserved() -> None:
    imported = set()
    for source in _generated_python_files():
        # Statements only: `from x.y import z` or `import x.y [as z]`, never prose in a
        # docstring that happens to start with "from the ...".
        statements = re.findall(
            r"^\s*(?:from\s+([A-Za-z_]\w*)[\w.]*\s+import\s"
            r"|import\s+([A-Za-z_]\w*)[\w.]*\s*(?:$|,|\sas\s))",
            source,
            re.M,
        )
        imported |= {name for pair in statements for name in pair if name}
    third_party = imported - set(sys.stdlib_module_names) - set(PROJECT_FOLDERS)
    assert {"polars", "yaml", "dagster"} <= third_party, "the scan finds the imports"
    assert third_party <= set(DEPENDENCY_MODULES), (
        f"add to reserved.py: {third_party - set(DEPENDENCY_MODULES)}"
    )


def test_the_project_folders_are_the_template_root_folders_holding_python() -> None:
    root = TEMPLATE_ROOT / "template"
    with_python = {
        # A folder some answers leave out has its condition in its name (orchestration/ is
        # Airflow's and Prefect's): the name it renders to.
        re.sub(r"\{%.*?%\}", "", path.name)
        for path in root.iterdir()
        if path.is_dir()
        and path.name != "src"  # the package itself lives there (src layout)
        and any(".py" in p.name for p in path.rglob("*"))
    }
    assert with_python == set(PROJECT_FOLDERS)


# --- numbers ------------------------------------------------------------------------------
NON_FINITE = ["nan", "inf", "-inf", "1e400", "-1e400", "Infinity", float("nan"), float("inf")]


def test_the_numeric_keys_are_every_number_of_the_questionnaire() -> None:
    assert set(NUMBER_KEYS) == {
        "batch_gb_per_day",
        "events_per_second",
        "avg_event_kb",
        "streaming_latency_seconds",
        "stream_dedup_window_minutes",
        "batch_sla_hours",
        "growth_factor",
        "peak_factor",
        "team_size",
    }


@pytest.mark.parametrize("value", NON_FINITE, ids=str)
@pytest.mark.parametrize("key", NUMBER_KEYS)
def test_a_non_finite_number_is_refused(key: str, value: object) -> None:
    message = refuse(key, {**KAFKA, key: value})
    assert message, f"{key} accepted {value!r}"
    assert message.startswith(f"{key}:") and "not a finite" in message
    assert f"e.g. {DEFAULTS[key]}" in message


@pytest.mark.parametrize("key", NUMBER_KEYS)
def test_an_integer_too_large_for_a_float_is_refused(key: str) -> None:
    message = refuse(key, {**KAFKA, key: 10**400})
    assert message and "not a finite" in message


@pytest.mark.parametrize("value", ["many", True, [1], {"a": 1}, ""], ids=repr)
@pytest.mark.parametrize("key", NUMBER_KEYS)
def test_a_value_that_is_no_number_is_refused(key: str, value: object) -> None:
    message = refuse(key, {**KAFKA, key: value})
    assert message and message.startswith(f"{key}:") and "is not a" in message


@pytest.mark.parametrize(
    "key",
    ["events_per_second", "streaming_latency_seconds", "stream_dedup_window_minutes", "team_size"],
)
def test_a_whole_number_answer_is_read_from_text_and_refused_with_a_fraction(key: str) -> None:
    assert refuse(key, {**KAFKA, key: "12"}) is None
    message = refuse(key, {**KAFKA, key: 2.5})
    assert message and "whole number" in message


@pytest.mark.parametrize("key", NUMBER_KEYS)
def test_a_finite_default_is_accepted(key: str) -> None:
    assert refuse(key, {**KAFKA, key: DEFAULTS[key]}) is None


# --- answers given but not used -------------------------------------------------------------
def test_unknown_keys_leave_out_questions_and_copiers_own_keys() -> None:
    keys = ["project_name", "warehous", "_commit", "_src_path", "Sources", "team_size"]
    assert unknown_keys(keys) == ["Sources", "warehous"]


def test_skipped_keys_are_given_questions_that_do_not_apply() -> None:
    given = {"events_per_second": 5, "stream_engine": "flink", "warehouse": "postgres"}
    assert skipped_keys(given, Answers()) == ["events_per_second", "stream_engine"]
    assert skipped_keys(given, Answers(sources=("kafka",), processing_mode="streaming")) == []


def test_the_warning_names_every_unused_key_and_where_to_look() -> None:
    text = unused_answers_warning(["warehous", "foo"], ["events_per_second"])
    first, second = text.splitlines()
    assert first.startswith("warning: answers file keys not used by this template: foo, warehous")
    assert "typo?" in first and "docs/questions.md" in first
    assert "events_per_second" in second and "does not apply" in second
    assert unused_answers_warning([], []) == ""


@pytest.mark.parametrize(
    "preset", sorted((TEMPLATE_ROOT / "presets").glob("*.yml")), ids=lambda p: p.stem
)
def test_the_presets_use_every_key_they_give(preset: Path) -> None:
    given = yaml.safe_load(preset.read_text())
    assert unknown_keys(given) == []
    assert skipped_keys(given, Answers.from_mapping(given)) == []
