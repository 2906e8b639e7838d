"""The covering set of the e2e tier holds every pair of option levels, and is valid."""

from __future__ import annotations

from typing import Any

import pytest

from answer_space import effective_answers
from covering import (
    OPTION_QUESTIONS,
    PROVEN_ELSEWHERE,
    REGRESSION_PAIRS,
    REGRESSIONS,
    STACK_QUESTIONS,
    all_pairs,
    answer_set_id,
    covering_answer_sets,
    covering_array,
    option_choices,
    pairs_of,
    stack_choices,
)
from pipeline_design import Answers, problems


def test_every_pair_of_levels_is_covered_for_mixed_factors() -> None:
    factors = {"a": (0, 1, 2), "b": ("x", "y"), "c": (True, False), "d": (1, 2, 3, 4), "e": (0, 1)}
    rows = covering_array(factors)
    covered = set().union(*(pairs_of(row, list(factors)) for row in rows))
    assert covered == all_pairs(factors)
    assert all(set(row) == set(factors) for row in rows)
    # Pairwise is the point: far fewer rows than every combination (3*2*2*4*2 = 96).
    assert len(rows) <= 16


def _levels(answers: dict[str, Any]) -> dict[str, Any]:
    """One answer set as factor levels: each option on or off, each stack choice that is a
    level (the seed's Snowflake is not)."""
    on = {v for q in OPTION_QUESTIONS for v in answers[q]}
    levels: dict[str, Any] = {o: o in on for values in option_choices().values() for o in values}
    stack = stack_choices()
    levels.update({q: answers[q] for q in STACK_QUESTIONS if answers[q] in stack[q]})
    return levels


def test_the_rows_run_elsewhere_are_the_seed_project_of_the_streaming_tier() -> None:
    from e2e import test_streaming_project as streaming

    test = streaming.test_a_streaming_project_passes_its_own_checks_and_replays_its_stream
    (parametrize,) = [mark for mark in test.pytestmark if mark.name == "parametrize"]
    projects = dict(zip(parametrize.kwargs["ids"], parametrize.args[1], strict=True))
    assert projects["flink-seed"] == ("flink", PROVEN_ELSEWHERE["flink-seed"])
    seed = _levels(effective_answers(PROVEN_ELSEWHERE["flink-seed"]))
    assert (seed["orchestrator"], seed["batch_engine"]) == ("dagster", "spark")


def test_the_e2e_set_covers_every_pair_and_starts_with_smallest_and_largest() -> None:
    choices = option_choices()
    stack = stack_choices()
    options = [option for values in choices.values() for option in values]
    assert len(options) == len(set(options)) >= 14
    # Experimental choices are stand-ins, left to the random-answers tier; Snowflake is real
    # but not a level (NOT_LEVELS): the seed preset's project runs it.
    assert stack["warehouse"] == ["duckdb", "postgres"]
    assert "snowflake" not in [s["warehouse"] for s in covering_answer_sets()]
    assert sorted(stack["orchestrator"]) == ["airflow", "dagster", "prefect"]
    sets = covering_answer_sets()
    assert {q: sets[0][q] for q in choices} == {question: [] for question in choices}
    assert {q: sets[1][q] for q in choices} == choices
    assert sets[1]["sources"] == ["files", "postgres"]  # the PostgreSQL source's project
    rows = [_levels(s) for s in sets]
    factors = {o: (False, True) for o in options} | {q: tuple(v) for q, v in stack.items()}
    covered = set().union(*(pairs_of(row, list(factors)) for row in rows))
    # With the rows another e2e test runs (the seed's project): every pair.
    elsewhere = [_levels(effective_answers(a)) for a in PROVEN_ELSEWHERE.values()]
    assert all(set(factors) - set(row) == {"warehouse"} for row in elsewhere)  # Snowflake
    covered |= set().union(*(pairs_of(row, [f for f in factors if f in row]) for row in elsewhere))
    assert covered >= all_pairs(factors)
    # Spark projects are the slowest: one per orchestrator the seed's project does not run.
    spark = sorted(s["orchestrator"] for s in sets if s["batch_engine"] == "spark")
    assert spark == ["airflow", "prefect"]
    # Deterministic: the e2e tier's test ids are stable from run to run.
    again = covering_answer_sets()
    assert [answer_set_id(s) for s in again] == [answer_set_id(s) for s in sets]
    # Each set costs a project install and its whole test suite in the e2e tier.
    assert len(sets) <= 10


def test_regressions_keep_their_answers_and_the_defaults_of_the_rest() -> None:
    sets = covering_answer_sets()
    defaults = Answers()
    for regression, answers in zip(REGRESSIONS.values(), sets[2:], strict=False):
        for question in OPTION_QUESTIONS:
            expected = regression.get(question, list(getattr(defaults, question)))
            assert answers[question] == expected, (question, answers)
        assert answers.items() >= regression.items()


@pytest.mark.parametrize("pair", REGRESSION_PAIRS.values(), ids=list(REGRESSION_PAIRS))
def test_every_pair_that_once_failed_is_in_a_row(pair: tuple[tuple[str, Any], ...]) -> None:
    rows = [_levels(s) for s in covering_answer_sets()]
    assert any(all(row[factor] == level for factor, level in pair) for row in rows), pair


@pytest.mark.parametrize("answers", covering_answer_sets(), ids=answer_set_id)
def test_every_covering_answer_set_passes_the_validators(answers: dict[str, Any]) -> None:
    assert problems(Answers.from_mapping(answers)) == []
