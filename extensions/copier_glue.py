"""Thin copier glue: exposes the design engine (pipeline_design/) to copier.yml and templates.

copier.yml loads this file through copier-template-extensions'
TemplateExtensionLoader, which imports it by path; the engine package sits next
to it, so its folder goes on sys.path first.

* `recommend(key)`  computed default of a stack question (the architect's advice)
* `applies(key)`    the `when:` of a question
* `refuse(key)`     the `validator:` of a question: a message, or "" when fine
* `unused_answers()` the warning about given answers that were not used (messages after
                    copy and update), or ""
* `project_slug`, `package_name`  filters: the default slug of a project name and package
                    name of a slug, never the name of a dependency or a module
* `toml_str`, `py_str`  filters: an answer as a TOML or Python string literal
* `sorted_imports`  filter: one-line from-imports in ruff's order, whatever the package name
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
    recommend,
)
from pipeline_design.literals import py_str, sorted_imports, toml_str
from pipeline_design.names import package_name_for, project_slug_for, slugify
from pipeline_design.validation import (
    refuse,
    skipped_keys,
    unknown_keys,
    unused_answers_warning,
)

# Context variables that are neither answers nor `_`-prefixed: copier's legacy
# helpers (`now`, `make_secret`) and the hook's `design`.
NOT_ANSWERS = frozenset({"now", "make_secret", "design"})


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
    return refuse(key, dict(context)) or ""


@pass_context
def _unused_answers(context: Context) -> str:
    """Warn about answers that copier ignores without a word.

    The context holds, besides copier's `_` keys and the Jinja globals, every key of
    `--data`/`--data-file`, of the project's answers file (update) and of the user's
    copier defaults. Keys that name no question are typos or stale answers; the
    user's defaults are left out, as they serve every template the user renders.
    Questions given in `--data` whose `when:` is false are dropped by copier too.
    """
    conf = context.get("_copier_conf") or {}
    given: dict[str, Any] = dict(conf.get("data") or {})
    user_defaults = set(conf.get("user_defaults") or {})
    variables = set(context.get_all()) - set(context.environment.globals)
    unknown = unknown_keys(str(key) for key in variables - NOT_ANSWERS - user_defaults)
    try:
        skipped = skipped_keys(given, Answers.from_mapping(dict(context)))
    except ValueError:
        skipped = []  # unreadable answers are refused by their validators
    return unused_answers_warning(unknown, skipped)


class DesignGlobals(Extension):
    """Jinja globals for copier.yml: recommend(), applies(), refuse(), and the slugify filter."""

    def __init__(self, environment: Any) -> None:
        super().__init__(environment)
        environment.globals.update(
            recommend=_recommend,
            applies=_applies,
            refuse=_refuse,
            unused_answers=_unused_answers,
        )
        environment.filters["slugify"] = slugify
        environment.filters["project_slug"] = project_slug_for
        environment.filters["package_name"] = package_name_for
        environment.filters["toml_str"] = toml_str
        environment.filters["py_str"] = py_str
        environment.filters["sorted_imports"] = sorted_imports


class DesignContext(ContextHook):
    """Puts `design` into the context of every rendered file."""

    def hook(self, context: dict[str, Any]) -> None:
        try:
            context["design"] = build_design(Answers.from_mapping(context))
        except (DesignError, ValueError):
            # Mid-questionnaire or invalid answers: the validators report them,
            # and no file is rendered before they pass.
            context.pop("design", None)
