"""A pairwise covering set of the template's options and stack choices, built from copier.yml.

Every option of the `transformations`, `quality_checks` and `compliance` questions is a
factor with two levels (off, on); the orchestrator, the warehouse and the CI provider are
factors with one level per choice the questionnaire offers without calling it experimental.
A covering array of strength 2 holds, for every two factors, each pair of their levels in at
least one row: a bug that needs two choices to show (aggregation without enrichment, a
PostgreSQL warehouse under Airflow) is met by some row, at a fraction of all combinations.
The builder is greedy (AETG): each new row starts from a pair not covered yet and gives every
other factor the level that covers most new pairs; it is seeded, so the set is the same on
every run, and new choices in copier.yml join it automatically.

Not factors here: the cloud (four levels would double the rows; it changes deploy files and
docs, which the render tier checks for every value) and the experimental choices (stand-ins,
which the random-answers tier draws like any other answer).
"""

from __future__ import annotations

import random
import re
from collections.abc import Hashable, Iterable, Mapping, Sequence
from itertools import combinations
from pathlib import Path
from typing import Any

import yaml

from answer_space import effective_answers, questions

TEMPLATE_ROOT = Path(__file__).resolve().parents[1]
# The multiselect questions whose every choice is switched on and off.
OPTION_QUESTIONS = ("transformations", "quality_checks", "compliance")
# The single-choice questions whose every non-experimental choice is a level.
STACK_QUESTIONS = ("orchestrator", "batch_engine", "warehouse", "ci_provider")
# Real choices that are not levels: each level costs about three more projects (the Snowflake
# warehouse took the set from 11 to 14). Each is run by a project of its own instead: the
# seed preset (tests/e2e/test_streaming_project.py, `flink-seed`: Snowflake under Spark, its
# whole suite, `make run` twice), and the random-answers tier draws it like any choice.
NOT_LEVELS = {"warehouse": ("snowflake",)}

# Projects of another e2e test that install, test and run a row of their own: their pairs
# count as covered. The seed preset's project (`flink-seed`) runs Dagster with Spark and most
# options on, so the covering set needs a Spark project for Airflow and for Prefect only
# (Spark projects are the slowest to install and test: ~8 minutes of CI each).
PROVEN_ELSEWHERE = {
    "flink-seed": yaml.safe_load(
        (TEMPLATE_ROOT / "presets" / "hybrid-clickstream.yml").read_text("utf-8")
    ),
}

# Answer sets that once failed in the e2e tier (or the random-answers tier), kept whatever
# the covering set becomes: their answers are fixed (an option question they leave out keeps
# its default); the stack questions they leave out get the choices that cover most pairs.
REGRESSIONS = {
    # Answers a generated file once assumed to be the defaults, on the default stack:
    # * the freshness test expected a 7-hour-old event to be stale (the default SLA);
    # * found by the random tier: a name outside the Basic Multilingual Plane broke
    #   pyproject.toml (tojson wrote a surrogate pair), and names of 30 characters pushed
    #   generated lines past ruff's limit: names in several scripts, at full length;
    # * found by the random tier: detect-secrets took a random-looking slug for a secret.
    "sla-of-12-hours-and-names-in-any-script": {
        "project_name": "Ünïcode 𡱋 Ştream 数据 📦",
        "project_slug": "j0vyca1xr09a-4opsebtv-ev5bpy-7zih9c8fpd",
        "package_name": "names_in_any_script_".ljust(40, "x"),
        "description": "Chargée de données 𠀀 — «quoted» and 'single'",
        "author_name": "Ána 𥖹 O'Neil",
        "author_email": "ana.oneil@example.com",
        "batch_sla_hours": 12.0,
        "orchestrator": "dagster",
        "warehouse": "duckdb",
        "ci_provider": "github",
    },
}
# Failures that needed two options to show: a pairwise set meets each in some row whatever
# it becomes (tests/unit/test_covering.py checks that it does).
REGRESSION_PAIRS = {
    # Gold tables grouped by customer_country, which only enrichment adds: the load failed.
    "aggregation-without-enrichment": (("aggregation", True), ("enrichment", False)),
    # Without dedup, silver kept repeated keys and the uniqueness check stopped every run of
    # the sample; now older copies are quarantined as duplicate_key.
    "uniqueness-without-dedup": (("uniqueness", True), ("dedup", False)),
}

SPARK: dict[str, Hashable] = {"batch_engine": "spark"}
# The greedy builder's seed: of the first hundred, the first that gives the fewest rows (10;
# most give 11), the e2e tier's longest part. Any seed covers every pair.
COVERING_SEED = 9
# `sources` is not a factor (each source beyond files brings its own tests, which pass or
# fail whatever the other answers): the largest project pulls PostgreSQL tables too, so the
# e2e tier installs and runs a project with the PostgreSQL source.
LARGEST_SOURCES = ["files", "postgres"]
Row = dict[str, Hashable]
Pair = tuple[tuple[str, Hashable], tuple[str, Hashable]]


def pairs_of(row: Mapping[str, Hashable], names: Sequence[str]) -> set[Pair]:
    return {((a, row[a]), (b, row[b])) for a, b in combinations(names, 2)}


def all_pairs(factors: Mapping[str, Sequence[Hashable]]) -> set[Pair]:
    names = list(factors)
    return {
        ((a, va), (b, vb))
        for a, b in combinations(names, 2)
        for va in factors[a]
        for vb in factors[b]
    }


def covering_array(
    factors: Mapping[str, Sequence[Hashable]],
    required: Iterable[Mapping[str, Hashable]] = (),
    *,
    covered: Iterable[Mapping[str, Hashable]] = (),
    candidates: int = 30,
    seed: int = 8,
) -> list[Row]:
    """Rows (one level per factor) that hold every pair of levels of every two factors,
    starting with the `required` rows; a required row that leaves factors out gets the
    levels that cover most new pairs. The pairs of the `covered` rows (run elsewhere; a
    factor they leave out is in none of their pairs) need no row here."""
    names = list(factors)
    uncovered = all_pairs(factors)
    for row in covered:
        uncovered -= pairs_of(row, [name for name in names if name in row])
    rng = random.Random(seed)
    position = {name: i for i, name in enumerate(names)}

    def pair(x: tuple[str, Hashable], y: tuple[str, Hashable]) -> Pair:
        return (x, y) if position[x[0]] < position[y[0]] else (y, x)

    def completed(start: Mapping[str, Hashable]) -> Row:
        row: Row = dict(start)
        rest = [n for n in names if n not in row]
        rng.shuffle(rest)
        for name in rest:
            row[name] = max(
                factors[name],
                key=lambda level, name=name, row=row: sum(
                    pair((name, level), (other, row[other])) in uncovered for other in row
                ),
            )
        return {n: row[n] for n in names}

    rows: list[Row] = []
    for start in required:
        rows.append(completed(start))
        uncovered -= pairs_of(rows[-1], names)
    while uncovered:
        best: tuple[int, Row] | None = None
        for _ in range(candidates):
            (a, va), (b, vb) = rng.choice(sorted(uncovered, key=repr))
            full = completed({a: va, b: vb})
            new = len(pairs_of(full, names) & uncovered)
            if best is None or new > best[0]:
                best = (new, full)
        assert best is not None
        rows.append(best[1])
        uncovered -= pairs_of(best[1], names)
    return rows


def option_choices(copier_yml: Path = TEMPLATE_ROOT / "copier.yml") -> dict[str, list[str]]:
    """Each option question's choice values, in the questionnaire's order."""
    spec = questions(copier_yml)
    return {q: list(spec[q]["choices"].values()) for q in OPTION_QUESTIONS}


def stack_choices(copier_yml: Path = TEMPLATE_ROOT / "copier.yml") -> dict[str, list[str]]:
    """Each stack question's choice values whose label does not say experimental."""
    spec = questions(copier_yml)
    return {
        q: [
            v
            for label, v in spec[q]["choices"].items()
            if "experimental" not in label and v not in NOT_LEVELS.get(q, ())
        ]
        for q in STACK_QUESTIONS
    }


def covering_answer_sets(
    required: Iterable[Mapping[str, Any]] = REGRESSIONS.values(),
) -> list[dict[str, Any]]:
    """Answers for a pairwise covering set of the options and the stack: the smallest
    (every option off) and the largest (every option on) first, then the `required` answer
    sets (their answers kept; an option question they leave out keeps its default, a stack
    question they leave out gets the choice that covers most pairs), then the rest."""
    choices = option_choices()
    stack = stack_choices()
    defaults = {q: questions()[q]["default"] for q in choices}
    factors: dict[str, Sequence[Hashable]] = {
        option: (False, True) for values in choices.values() for option in values
    }
    factors.update({question: tuple(values) for question, values in stack.items()})

    def options_of(answers: Mapping[str, Any]) -> dict[str, Hashable]:
        on = {v for q in choices for v in answers.get(q, defaults[q])}
        fixed: dict[str, Hashable] = {o: o in on for values in choices.values() for o in values}
        fixed.update({q: answers[q] for q in stack if answers.get(q) in stack[q]})
        return fixed

    required = list(required)
    # The smallest and the largest project run on Spark: between them every option is on and
    # off with Spark, so Spark's pairs with the options need no more Spark projects (the
    # slowest to install and test): one per orchestrator the seed's project does not run.
    starts = [
        options_of({q: [] for q in choices}) | SPARK,
        options_of(choices) | SPARK,
        *(options_of(answers) for answers in required),
    ]
    # A required set's other answers (a schedule, a name) stay as it gives them.
    extras: list[dict[str, Any]] = [{}, {"sources": LARGEST_SOURCES}] + [
        {k: v for k, v in answers.items() if k not in choices and k not in stack}
        for answers in required
    ]
    elsewhere = [options_of(effective_answers(a)) for a in PROVEN_ELSEWHERE.values()]
    rows = covering_array(factors, starts, covered=elsewhere, seed=COVERING_SEED)
    return [
        {question: [v for v in values if row[v]] for question, values in choices.items()}
        | {question: row[question] for question in stack}
        | (extras[i] if i < len(extras) else {})
        for i, row in enumerate(rows)
    ]


def answer_set_id(answers: Mapping[str, Any]) -> str:
    """A readable test id: the stack choices, the options that are on (or `none`), then any
    other answer."""
    stack = [str(answers[q]) for q in STACK_QUESTIONS if q in answers]
    options = [v for q in OPTION_QUESTIONS for v in answers.get(q, ())]
    others = [
        f"{k}={v}" if re.fullmatch(r"[\w.:@-]{1,12}", str(v), re.ASCII) else k
        for k, v in answers.items()
        if k not in OPTION_QUESTIONS + STACK_QUESTIONS
    ]
    return "-".join([*stack, "+".join(options) or "none", *others])
