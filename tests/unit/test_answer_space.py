"""The random-answers strategy reaches the whole questionnaire, and only valid answers."""

from __future__ import annotations

import functools

import pytest

from answer_space import AnswerSet, draw_sample, questions
from pipeline_design import QUESTION_ORDER, Answers, applies, problems

QUESTIONS = questions()


@functools.cache
def sample() -> list[AnswerSet]:
    return draw_sample(400, random_seed=13)


def test_the_strategy_follows_the_questionnaire_order() -> None:
    assert tuple(QUESTIONS) == QUESTION_ORDER


def test_every_drawn_answer_set_passes_every_validator() -> None:
    for answer_set in sample():
        answers = Answers.from_mapping(answer_set.effective)
        assert problems(answers) == [], answer_set
        # The answers file holds only questions copier asks for these answers.
        assert all(applies(key, answers) for key in answer_set.data), answer_set
        assert set(answer_set.data) <= set(answer_set.effective)


@pytest.mark.parametrize("key", list(QUESTIONS))
def test_every_question_is_sometimes_answered_and_sometimes_left_to_its_default(
    key: str,
) -> None:
    """A new question joins the strategy by itself; a free-text one whose answers follow a
    pattern fails here until answer_space.PATTERNED_TEXT generates candidates for it."""
    assert any(key in a.data for a in sample())
    assert any(key in a.effective and key not in a.data for a in sample())


CHOICES = [
    (key, value)
    for key, spec in QUESTIONS.items()
    for value in (spec.get("choices") or {}).values()
]


@pytest.mark.parametrize(("key", "value"), CHOICES, ids=[f"{k}={v}" for k, v in CHOICES])
def test_every_choice_is_drawn(key: str, value: str) -> None:
    def chosen(answer: object) -> bool:
        return value in answer if isinstance(answer, list) else answer == value

    assert any(chosen(a.effective.get(key)) for a in sample())
