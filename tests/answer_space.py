"""A Hypothesis strategy over every answer set the questionnaire accepts.

It is built from copier.yml and the design engine, not from a list of its own: the questions,
their order, their types, choices and defaults come from copier.yml; whether a question is
asked (`when:`), whether an answer is accepted (`validator:`) and the computed defaults come
from the engine's own functions (applies, refuse, recommend, the name filters). A question
added to copier.yml joins the strategy by itself; only a free-text question whose answers
follow a pattern (a cron line, an email) needs a generator in PATTERNED_TEXT, and
tests/unit/test_answer_space.py fails until it has one.

Each question is either answered or left to its default (what `copier copy --defaults`
does), as a user of an answers file would; a drawn answer is kept only if the question's
validator accepts it given the answers before it, exactly as copier asks and validates.
"""

from __future__ import annotations

import functools
import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from pipeline_design import RECOMMENDED_KEYS, Answers, applies, problems, recommend
from pipeline_design.names import package_name_for, project_slug_for
from pipeline_design.validation import EMAIL_RE, refuse

TEMPLATE_ROOT = Path(__file__).resolve().parents[1]
COPIER_YML = TEMPLATE_ROOT / "copier.yml"

# The random-answers tier's sample (tests/random): `make test` and CI run this fixed one;
# `make test-random N=50 SEED=...` others. Shrinking reruns a failing project's whole check
# for each smaller candidate (minutes each): on for `make test-random`, off for `make test`.
SAMPLE_SETS = int(os.environ.get("RANDOM_ANSWER_SETS", "1"))
SAMPLE_SEED = int(os.environ.get("RANDOM_SEED", "20261126"))
SAMPLE_SHRINK = os.environ.get("RANDOM_SHRINK", "0") == "1"
REPLAY = f"make test-random N={SAMPLE_SETS} SEED={SAMPLE_SEED}"


@functools.cache
def questions(copier_yml: Path = COPIER_YML) -> dict[str, dict[str, Any]]:
    """The questions of copier.yml, in the order copier asks them."""
    document = yaml.safe_load(copier_yml.read_text(encoding="utf-8"))
    return {key: spec for key, spec in document.items() if not key.startswith("_")}


# --- free text that must follow a pattern --------------------------------------------
def _cron_field(low: int, high: int) -> st.SearchStrategy[str]:
    number = st.integers(low, high)
    return st.one_of(
        st.just("*"),
        number.map(str),
        st.integers(2, max(2, (high - low) // 2)).map(lambda step: f"*/{step}"),
        st.tuples(number, number).map(lambda ab: f"{min(ab)}-{max(ab)}"),
        st.lists(number, min_size=2, max_size=3, unique=True).map(
            lambda values: ",".join(map(str, sorted(values)))
        ),
    )


CRON_LINES = st.one_of(
    st.sampled_from(["@hourly", "@daily", "@midnight", "@weekly", "@monthly", "@yearly"]),
    st.tuples(
        _cron_field(0, 59),
        _cron_field(0, 23),
        _cron_field(1, 28),
        _cron_field(1, 12),
        _cron_field(0, 6),
    ).map(" ".join),
)
# Names as people type them: words of letters (any script), digits and punctuation.
PLAIN_TEXT = st.text(
    st.characters(codec="utf-8", categories=("L", "N", "Zs", "Pd", "Po", "Ps", "Pe")),
    min_size=1,
    max_size=60,
)
# Free-text questions whose valid answers random text would almost never hit: a generator
# of candidates (the question's validator still decides). Identifiers are kept to the
# lengths people use; the validators accept longer ones, the e2e cost does not pay for them.
PATTERNED_TEXT: dict[str, st.SearchStrategy[str]] = {
    "project_slug": st.from_regex(r"[a-z][a-z0-9]{0,11}(-[a-z0-9]{1,10}){0,3}", fullmatch=True),
    "package_name": st.from_regex(r"[a-z_][a-z0-9]{0,11}(_[a-z0-9]{1,10}){0,3}", fullmatch=True),
    "author_email": st.emails().filter(lambda e: EMAIL_RE.fullmatch(e) is not None),
    "schedule": CRON_LINES,
}


# --- numbers -----------------------------------------------------------------------------
# Candidate magnitudes, from tiny to huge: a question's strategy keeps those its validator
# accepts (with the other answers at their defaults), and draws between the extremes.
_MAGNITUDES = sorted({0.0} | {m * 10.0**e for e in range(-3, 8) for m in (1, 2, 5)})


def _number_strategy(key: str, whole: bool) -> st.SearchStrategy[int | float]:
    defaults = Answers()
    accepted = [
        value
        for value in _MAGNITUDES
        if (not whole or value == int(value))
        and refuse(key, defaults.as_dict() | {key: int(value) if whole else value}) is None
    ]
    assert accepted, f"{key}: no candidate magnitude passes its validator"
    low, high = min(accepted), max(accepted)
    if whole:
        return st.one_of(
            st.sampled_from([int(v) for v in accepted]), st.integers(int(low), int(high))
        )
    # Log-uniform between the extremes, and the round values people type.
    floor = max(low, 1e-3)
    spread = st.floats(math.log10(floor), math.log10(high)).map(lambda e: round(10**e, 3))
    return st.one_of(st.sampled_from(accepted), spread)


@functools.cache
def value_strategy(key: str, copier_yml: Path = COPIER_YML) -> st.SearchStrategy[Any]:
    """Candidate answers to one question, before its validator."""
    spec = questions(copier_yml)[key]
    choices = spec.get("choices")
    if choices:
        values = list(choices.values())
        if spec.get("multiselect"):
            return st.lists(st.sampled_from(values), unique=True, max_size=len(values))
        return st.sampled_from(values)
    if key in PATTERNED_TEXT:
        return PATTERNED_TEXT[key]
    default = getattr(Answers(), key)
    if isinstance(default, bool):
        return st.booleans()
    if isinstance(default, int | float) or spec.get("type") in {"int", "float"}:
        return _number_strategy(key, whole=isinstance(default, int))
    return PLAIN_TEXT


# --- defaults ------------------------------------------------------------------------
def _template_default(key: str) -> Callable[[dict[str, Any]], Any] | None:
    """How copier computes a question's default from the answers before it, where the
    default is an expression (copier.yml `default: "{{ ... }}"`)."""
    computed: dict[str, Callable[[dict[str, Any]], Any]] = {
        "project_slug": lambda given: project_slug_for(given["project_name"]),
        "package_name": lambda given: package_name_for(given["project_slug"]),
    }
    if key in computed:
        return computed[key]
    if key in RECOMMENDED_KEYS:
        return lambda given: recommend(key, Answers.from_mapping(given))
    return None


def default_of(key: str, spec: dict[str, Any], effective: dict[str, Any]) -> Any:
    compute = _template_default(key)
    if compute is not None:
        return compute(effective)
    default = spec.get("default")
    assert not (isinstance(default, str) and "{{" in default), (
        f"{key}: copier.yml computes its default; teach answer_space._template_default how"
    )
    return default


@dataclass(frozen=True)
class AnswerSet:
    """What a user gives (`data`: the answers file) and what copier then answers
    (`effective`: defaults and recommendations filled in, for the questions it asks)."""

    data: dict[str, Any]
    effective: dict[str, Any]


def effective_answers(data: dict[str, Any], copier_yml: Path = COPIER_YML) -> dict[str, Any]:
    """What copier answers for an answers file: `data`, with the defaults and
    recommendations of the questions it asks and `data` leaves out."""
    effective: dict[str, Any] = {}
    for key, spec in questions(copier_yml).items():
        if applies(key, Answers.from_mapping(effective)):
            effective[key] = data[key] if key in data else default_of(key, spec, effective)
    return effective


@st.composite
def answer_sets(draw: st.DrawFn, copier_yml: Path = COPIER_YML) -> AnswerSet:
    """One valid answer set, question by question in the questionnaire's order."""
    data: dict[str, Any] = {}
    effective: dict[str, Any] = {}
    for key, spec in questions(copier_yml).items():
        if not applies(key, Answers.from_mapping(effective)):
            continue
        default = default_of(key, spec, effective)
        keep_default = refuse(key, effective | {key: default}) is None and draw(
            st.booleans(), label=f"{key}: default"
        )
        if keep_default:
            effective[key] = default
            continue
        value = draw(
            value_strategy(key, copier_yml).filter(
                lambda v, key=key: refuse(key, effective | {key: v}) is None
            ),
            label=key,
        )
        data[key] = effective[key] = value
    assert problems(Answers.from_mapping(effective)) == [], effective
    return AnswerSet(data=data, effective=effective)


def draw_sample(size: int, random_seed: int) -> list[AnswerSet]:
    """`size` answer sets drawn with a fixed seed: the same list on every run (generation
    only, no shrinking)."""
    drawn: list[AnswerSet] = []

    @seed(random_seed)
    @settings(
        max_examples=size,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(answer_sets())
    def collect(answer_set: AnswerSet) -> None:
        drawn.append(answer_set)

    collect()
    return drawn
