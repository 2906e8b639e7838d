"""The covering set of the e2e tier holds every pair of option levels, and is valid."""

from __future__ import annotations

from itertools import product

import pytest

from covering import (
    all_pairs,
    answer_set_id,
    covering_array,
    option_answer_sets,
    option_choices,
    pairs_of,
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


def test_the_option_set_covers_every_pair_and_starts_with_smallest_and_largest() -> None:
    choices = option_choices()
    options = [option for values in choices.values() for option in values]
    assert len(options) == len(set(options)) >= 14
    sets = option_answer_sets()
    assert sets[0] == {question: [] for question in choices}
    assert sets[1] == choices
    for first, second in product(options, repeat=2):
        if first == second:
            continue
        for levels in product((False, True), repeat=2):
            assert any(
                ((first in on) == levels[0]) and ((second in on) == levels[1])
                for on in ({v for values in s.values() for v in values} for s in sets)
            ), (first, second, levels)
    # Deterministic: the e2e tier's test ids are stable from run to run.
    assert [answer_set_id(s) for s in option_answer_sets()] == [answer_set_id(s) for s in sets]
    assert len(sets) <= 10  # each set costs a project install and run in the e2e tier


@pytest.mark.parametrize("answers", option_answer_sets(), ids=answer_set_id)
def test_every_covering_answer_set_passes_the_validators(answers: dict[str, list[str]]) -> None:
    assert problems(Answers.from_mapping(answers)) == []
