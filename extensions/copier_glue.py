"""Thin copier glue: exposes the design engine (pipeline_design/) to copier.yml and templates.

copier.yml loads this file through copier-template-extensions'
TemplateExtensionLoader, which imports it by path; the engine package sits next
to it, so its folder goes on sys.path first.

* `recommend(key)`  computed default of a stack question (the architect's advice)
* `applies(key)`    the `when:` of a question
* `refuse(key)`     the `validator:` of a question: a message, or "" when fine
* `design`          the Design, added to every template's context by the hook
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from copier_template_extensions import ContextHook
from jinja2 import pass_context
from jinja2.ext import Extension
from jinja2.runtime import Context

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pipeline_design import (
    QUESTION_ORDER,
    Answers,
    DesignError,
    applies,
    build_design,
    check,
    recommend,
)
from pipeline_design.names import slugify


def _answers_up_to(context: Context | dict[str, Any], key: str) -> Answers:
    """The answers given so far: this key and the ones asked before it."""
    asked = QUESTION_ORDER[: QUESTION_ORDER.index(key) + 1]
    return Answers.from_mapping(dict(context), keys=asked)


@pass_context
def _recommend(context: Context, key: str) -> str:
    try:
        return recommend(key, _answers_up_to(context, key))
    except ValueError:
        # An earlier answer is unreadable; its own validator reports it.
        return str(getattr(Answers(), key))


@pass_context
def _applies(context: Context, key: str) -> bool:
    try:
        return applies(key, _answers_up_to(context, key))
    except ValueError:
        return True


@pass_context
def _refuse(context: Context, key: str) -> str:
    try:
        return check(key, _answers_up_to(context, key)) or ""
    except ValueError as error:
        return str(error)


class DesignGlobals(Extension):
    """Jinja globals for copier.yml: recommend(), applies(), refuse(), and the slugify filter."""

    def __init__(self, environment: Any) -> None:
        super().__init__(environment)
        environment.globals.update(recommend=_recommend, applies=_applies, refuse=_refuse)
        environment.filters["slugify"] = slugify


class DesignContext(ContextHook):
    """Puts `design` into the context of every rendered file."""

    def hook(self, context: dict[str, Any]) -> None:
        try:
            context["design"] = build_design(Answers.from_mapping(context))
        except (DesignError, ValueError):
            # Mid-questionnaire or invalid answers: the validators report them,
            # and no file is rendered before they pass.
            context.pop("design", None)
