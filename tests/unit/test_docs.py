"""The template's docs name every question and every constant of the design engine."""

import re

import pytest

from conftest import TEMPLATE_ROOT
from pipeline_design import QUESTION_ORDER, constants

README = (TEMPLATE_ROOT / "README.md").read_text()
QUESTIONS = (TEMPLATE_ROOT / "docs" / "questions.md").read_text()
RULES = (TEMPLATE_ROOT / "docs" / "design-rules.md").read_text()
CONSTANTS = [name for name in vars(constants) if re.fullmatch(r"[A-Z][A-Z0-9_]+", name)]


@pytest.mark.parametrize("key", QUESTION_ORDER)
def test_every_question_is_documented(key: str) -> None:
    assert f"`{key}`" in README, f"README's question table lacks {key}"
    assert f"| `{key}` |" in QUESTIONS, f"docs/questions.md lacks {key}"


@pytest.mark.parametrize("name", CONSTANTS)
def test_every_constant_is_cited_in_the_design_rules(name: str) -> None:
    assert name in RULES, f"docs/design-rules.md does not cite {name}"
