"""Answers written as TOML and Python literals read back as the same text."""

from __future__ import annotations

import ast
import tomllib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline_design.literals import py_str, sorted_imports, toml_str

# Any text but lone surrogates (no UTF-8 file can hold one).
TEXT = st.text(st.characters(codec="utf-8"))


@given(TEXT)
def test_a_toml_string_reads_back_as_the_text(text: str) -> None:
    assert tomllib.loads(f"value = {toml_str(text)}")["value"] == text


@given(TEXT)
def test_a_python_literal_reads_back_as_the_text_and_is_ascii(text: str) -> None:
    literal = py_str(text)
    assert literal.isascii() and literal.startswith('"')
    assert ast.literal_eval(literal) == text


def test_characters_outside_the_bmp_stay_one_character() -> None:
    # tojson writes a surrogate pair: TOML refuses it, Python reads two broken characters.
    assert tomllib.loads(f"v = {toml_str('𡱋 Ana')}")["v"] == "𡱋 Ana"
    assert py_str("𡱋") == '"\\U00021c4b"'


def test_imports_are_sorted_by_module_whatever_the_package_name() -> None:
    block = (
        "from zeta.config import A\nfrom orchestration import flow\n"
        "from orchestration.flow import f\n"
    )
    assert sorted_imports(block).splitlines() == [
        "from orchestration import flow",
        "from orchestration.flow import f",
        "from zeta.config import A",
    ]
    with pytest.raises(ValueError, match="one-line"):
        sorted_imports("from a import (\n    b,\n)")
