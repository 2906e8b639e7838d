"""The template's docs name every question and every constant of the design engine, and
every path of the template they cite exists."""

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


def _cited_paths() -> list[str]:
    """Paths of the template's own tree cited in its README and docs (`tests/...`, ...);
    `docs/X.md` of a generated project is left out: it is the generated project's."""
    texts = [README] + [p.read_text() for p in sorted((TEMPLATE_ROOT / "docs").glob("*.md"))]
    cited = set()
    for text in texts:
        cited |= set(re.findall(r"`((?:tests|extensions|presets|\.ci)/[^` ]*)`", text))
    return sorted(cited)


@pytest.mark.parametrize("path", _cited_paths())
def test_every_path_the_docs_cite_exists(path: str) -> None:
    assert (TEMPLATE_ROOT / path).exists(), f"{path} is cited in the docs but does not exist"
