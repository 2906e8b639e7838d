"""copier.yml and the design engine describe the same questionnaire."""

from __future__ import annotations

import pytest
import yaml

from cases import effective_answers, render_cases
from conftest import TEMPLATE_ROOT
from pipeline_design import QUESTION_ORDER, RECOMMENDED_KEYS, Answers
from pipeline_design.answers import MULTI_CHOICES, SINGLE_CHOICES
from pipeline_design.validation import APPLIES, CHECKS, NUMBER_KEYS, TEXT_KEYS

COPIER = yaml.safe_load((TEMPLATE_ROOT / "copier.yml").read_text())
QUESTIONS = {k: v for k, v in COPIER.items() if not k.startswith("_")}


def choice_values(question: dict) -> list[str]:
    choices = question["choices"]
    return list(choices.values()) if isinstance(choices, dict) else list(choices)


def test_questions_are_asked_in_the_engines_order() -> None:
    assert tuple(QUESTIONS) == QUESTION_ORDER


@pytest.mark.parametrize("key", QUESTION_ORDER)
def test_every_question_has_help_and_a_default(key: str) -> None:
    question = QUESTIONS[key]
    assert question.get("help"), f"{key} has no help text"
    assert "default" in question, f"{key} has no default"


@pytest.mark.parametrize("key", QUESTION_ORDER)
def test_constant_defaults_match_the_engine(key: str) -> None:
    default = QUESTIONS[key]["default"]
    if isinstance(default, str) and "{{" in default:
        return  # computed: checked by the render of the defaults
    engine_default = Answers().as_dict()[key]
    assert default == engine_default, f"{key}: copier.yml {default!r} != engine {engine_default!r}"


@pytest.mark.parametrize("key", sorted({**SINGLE_CHOICES, **MULTI_CHOICES}))
def test_choices_match_the_engine(key: str) -> None:
    expected = list({**SINGLE_CHOICES, **MULTI_CHOICES}[key])
    assert sorted(choice_values(QUESTIONS[key])) == sorted(expected)
    assert bool(QUESTIONS[key].get("multiselect")) == (key in MULTI_CHOICES)


def test_recommended_keys_are_computed_defaults() -> None:
    for key in RECOMMENDED_KEYS:
        assert QUESTIONS[key]["default"] == f"{{{{ recommend('{key}') }}}}"


def test_when_and_validator_call_the_engine() -> None:
    for key, question in QUESTIONS.items():
        if key in APPLIES:
            assert question.get("when") == f"{{{{ applies('{key}') }}}}", key
        else:
            assert "when" not in question, key
        if key in CHECKS:
            assert question.get("validator") == f"{{{{ refuse('{key}') }}}}", key


@pytest.mark.parametrize("key", TEXT_KEYS + NUMBER_KEYS)
def test_every_text_and_number_question_is_validated_by_the_engine(key: str) -> None:
    # The engine refuses line breaks, control characters and non-finite numbers only
    # where copier asks it to.
    assert QUESTIONS[key].get("validator") == f"{{{{ refuse('{key}') }}}}", key


@pytest.mark.parametrize("key", TEXT_KEYS + NUMBER_KEYS)
def test_question_types_let_the_engine_read_the_raw_answer(key: str) -> None:
    # Whole numbers are typed `yaml`: copier casts `int` answers before any validator,
    # and fails on 'inf' or '2.5' with a traceback instead of a message.
    default = getattr(Answers(), key)
    expected = "str" if key in TEXT_KEYS else "float" if isinstance(default, float) else "yaml"
    assert QUESTIONS[key]["type"] == expected


def test_render_cases_cover_every_value_of_every_choice() -> None:
    seen: dict[str, set[str]] = {key: set() for key in {**SINGLE_CHOICES, **MULTI_CHOICES}}
    for answers in render_cases().values():
        full, applicable = effective_answers(answers)
        for key in seen.keys() & applicable:
            value = getattr(full, key)
            seen[key] |= set(value) if isinstance(value, tuple) else {value}
    for key, values in {**SINGLE_CHOICES, **MULTI_CHOICES}.items():
        assert seen[key] >= set(values), f"{key} never renders {set(values) - seen[key]}"
