"""Which questions apply to which answers, and what each answer must satisfy.

`applies(key, answers)` is the `when:` of each question in copier.yml, and
`check(key, answers)` its `validator:`. A check reads only its own key and keys
asked before it (QUESTION_ORDER), because copier validates each answer as it
is given, before the later ones exist. A message says what is wrong and what
to pick instead. Soft problems are not refused here: they become warnings of
the design (see warnings.py).
"""

from __future__ import annotations

import keyword
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields
from typing import Any

from .answers import (
    BATCH_SOURCES,
    MULTI_CHOICES,
    QUESTION_ORDER,
    SINGLE_CHOICES,
    Answers,
    not_finite,
)
from .cron import CronError, parse_cron
from .names import MAX_NAME_LENGTH, package_name_for
from .reserved import shadowed_by_distribution, shadowed_by_package
from .text import text_problem

# Matched with fullmatch: `$` would also accept a trailing newline.
SLUG_RE = re.compile(r"[a-z][a-z0-9-]*")
PACKAGE_RE = re.compile(r"[a-z_][a-z0-9_]*")
EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")

_DEFAULTS = Answers()
# Answers typed in freely (not picked from choices): one plain line each (text.py).
TEXT_KEYS = tuple(
    f.name
    for f in fields(Answers)
    if isinstance(getattr(_DEFAULTS, f.name), str) and f.name not in SINGLE_CHOICES
)
# Numeric answers: finite numbers only.
NUMBER_KEYS = tuple(
    f.name for f in fields(Answers) if isinstance(getattr(_DEFAULTS, f.name), int | float)
)
MAX_FACTOR = 100.0
MIN_BATCH_INTERVAL_MINUTES = 5
MAX_BATCH_INTERVAL_DAYS = 31
# Keyed dedup state lives this long at most: beyond a day, duplicates are the batch side's
# job (the warehouse's merge on the contract's keys), not a stream's state.
MAX_DEDUP_WINDOW_MINUTES = 1_440
MAX_BATCH_SLA_HOURS = 168


@dataclass(frozen=True)
class Problem:
    key: str
    message: str

    def __str__(self) -> str:
        return f"{self.key}: {self.message}"


# --- when: does the question apply? ------------------------------------------------
APPLIES: dict[str, Callable[[Answers], bool]] = {
    "files_location": lambda a: "files" in a.sources,
    "batch_gb_per_day": lambda a: a.has_batch_sources,
    "events_per_second": lambda a: a.has_kafka,
    "avg_event_kb": lambda a: a.has_kafka,
    "streaming_latency_seconds": lambda a: a.has_streaming,
    "stream_dedup_window_minutes": lambda a: a.has_streaming,
    "batch_sla_hours": lambda a: a.has_batch,
    "schedule": lambda a: a.has_batch,
    "batch_engine": lambda a: a.has_batch,
    "stream_engine": lambda a: a.has_streaming,
}


def applies(key: str, answers: Answers) -> bool:
    rule = APPLIES.get(key)
    return True if rule is None else rule(answers)


# --- validator: is the answer acceptable? ------------------------------------------
def _project_name(a: Answers) -> str | None:
    if not a.project_name.strip():
        return "project_name is empty; give the project a human-readable name, e.g. 'Clickstream'"
    if any(char in a.project_name for char in '"\\'):
        return (
            f"project_name {a.project_name!r} contains a quote or backslash; "
            "it is written into code and configuration, so use plain words, e.g. 'Clickstream'"
        )
    return None


def _too_long(key: str, name: str) -> str | None:
    """Slug and package name: generated code stays within its 100-character lines with
    names of MAX_NAME_LENGTH (the render tier renders such a project)."""
    if len(name) <= MAX_NAME_LENGTH:
        return None
    return (
        f"{key} {name!r} is {len(name)} characters long; keep it to {MAX_NAME_LENGTH} or "
        "fewer (it names the repository, the command, the package and the images, and "
        "appears in code lines that must stay readable), e.g. "
        f"{name[:MAX_NAME_LENGTH].rstrip('-_')!r}"
    )


def _project_slug(a: Answers) -> str | None:
    slug = a.project_slug
    if not SLUG_RE.fullmatch(slug) or slug.endswith("-") or "--" in slug:
        return (
            f"project_slug {slug!r} must start with a lowercase letter and use only "
            "lowercase letters, digits and single hyphens, e.g. 'my-pipeline'"
        )
    if too_long := _too_long("project_slug", slug):
        return too_long
    clash = shadowed_by_distribution(slug)
    if clash:
        return (
            f"project_slug {slug!r} is the name of {clash}, which the generated project "
            f"installs; the installer would find the project requiring itself. Pick a name of "
            f"your own, e.g. '{slug}-pipeline'"
        )
    return None


def _package_name(a: Answers) -> str | None:
    name = a.package_name
    if not PACKAGE_RE.fullmatch(name) or keyword.iskeyword(name):
        return (
            f"package_name {name!r} must be a lowercase Python identifier that is not a keyword, "
            "e.g. 'my_pipeline'"
        )
    if too_long := _too_long("package_name", name):
        return too_long
    clash = shadowed_by_package(name)
    if clash:
        suggestion = package_name_for(a.project_slug)
        if suggestion == name or shadowed_by_package(suggestion):
            suggestion = f"{name}_pipeline"
        return (
            f"package_name {name!r} would shadow {clash}: `import {name}` would load one of "
            f"the two and break the other. Pick a name of your own, e.g. '{suggestion}'"
        )
    return None


def _author_email(a: Answers) -> str | None:
    if not EMAIL_RE.fullmatch(a.author_email):
        return f"author_email {a.author_email!r} is not an email address, e.g. 'ana@example.com'"
    return None


def _multi(key: str) -> Callable[[Answers], str | None]:
    def check(a: Answers) -> str | None:
        values = getattr(a, key)
        unknown = [v for v in values if v not in MULTI_CHOICES[key]]
        if unknown:
            return f"{key} has unknown values {unknown}; choose from {list(MULTI_CHOICES[key])}"
        if len(set(values)) != len(values):
            return f"{key} lists a value twice: {list(values)}"
        return None

    return check


def _sources(a: Answers) -> str | None:
    if not a.sources:
        return "sources is empty; pick at least one of files, postgres, rest_api, kafka"
    return _multi("sources")(a)


def _batch_gb_per_day(a: Answers) -> str | None:
    if a.batch_gb_per_day < 0:
        return f"batch_gb_per_day is {a.batch_gb_per_day}; give the daily batch volume in GB (>= 0)"
    return None


def _events_per_second(a: Answers) -> str | None:
    if a.events_per_second < 0:
        return (
            f"events_per_second is {a.events_per_second}; give the average stream rate "
            "as a whole number >= 0, e.g. 10000"
        )
    if a.has_kafka and a.events_per_second == 0:
        return (
            "events_per_second is 0 but kafka is a source; give the expected average rate "
            "(the sizing of partitions and workers depends on it), or remove kafka from sources"
        )
    return None


def _avg_event_kb(a: Answers) -> str | None:
    if a.avg_event_kb <= 0:
        return f"avg_event_kb is {a.avg_event_kb}; give the average event size in KB (> 0), e.g. 1"
    return None


def _formats(a: Answers) -> str | None:
    if not a.formats:
        return "formats is empty; pick the formats your data arrives in, e.g. [csv, json]"
    return _multi("formats")(a)


def _processing_mode(a: Answers) -> str | None:
    batch_sources = [s for s in a.sources if s in BATCH_SOURCES]
    mode = a.processing_mode
    if mode not in SINGLE_CHOICES["processing_mode"]:
        return f"processing_mode {mode!r} is unknown; choose batch, streaming or hybrid"
    if mode == "batch" and a.has_kafka:
        pick = "hybrid" if batch_sources else "streaming"
        return (
            "processing_mode 'batch' cannot consume kafka, a stream source; "
            f"choose '{pick}', or remove kafka from sources"
        )
    if mode == "streaming" and not a.has_kafka:
        return (
            "processing_mode 'streaming' needs a stream source; add kafka to sources, "
            "or choose 'batch'"
        )
    if mode == "streaming" and batch_sources:
        return (
            f"processing_mode 'streaming' ingests only kafka, but sources also has "
            f"{batch_sources}; choose 'hybrid' (stream plus batch), or drop those sources"
        )
    if mode == "hybrid" and not (a.has_kafka and batch_sources):
        pick = "streaming" if a.has_kafka else "batch"
        return (
            "processing_mode 'hybrid' combines kafka with at least one batch source "
            f"(files, postgres, rest_api); with these sources choose '{pick}'"
        )
    return None


def _streaming_latency_seconds(a: Answers) -> str | None:
    if a.streaming_latency_seconds <= 0:
        return (
            f"streaming_latency_seconds is {a.streaming_latency_seconds}; give the end-to-end "
            "latency target in whole seconds (> 0), e.g. 60"
        )
    return None


def _stream_dedup_window_minutes(a: Answers) -> str | None:
    window = a.stream_dedup_window_minutes
    if not 1 <= window <= MAX_DEDUP_WINDOW_MINUTES:
        return (
            f"stream_dedup_window_minutes is {window}; give the minutes within which a duplicate "
            f"can still arrive, 1 to {MAX_DEDUP_WINDOW_MINUTES} (a day): e.g. 1 for producer "
            "retries, 60 to also catch replays after an hour-long outage"
        )
    return None


def _batch_sla_hours(a: Answers) -> str | None:
    if a.batch_sla_hours <= 0:
        return (
            f"batch_sla_hours is {a.batch_sla_hours}; give the hours within which a batch run "
            "must land its data (> 0), e.g. 2"
        )
    if a.batch_sla_hours > MAX_BATCH_SLA_HOURS:
        return (
            f"batch_sla_hours is {a.batch_sla_hours:g}; a batch run that may take more than "
            f"a week ({MAX_BATCH_SLA_HOURS} h) to land its data is not something to alert on "
            "by the hour: give at most 168, or split the job into smaller runs"
        )
    return None


def _schedule(a: Answers) -> str | None:
    try:
        cron = parse_cron(a.schedule)
    except CronError as error:
        return f"schedule: {error}"
    if cron.shortest_gap_hours * 60 < MIN_BATCH_INTERVAL_MINUTES:
        return (
            f"schedule {a.schedule!r} starts batches {cron.shortest_gap_hours * 60:.0f} minutes "
            f"apart; below {MIN_BATCH_INTERVAL_MINUTES} minutes use processing_mode 'hybrid' or "
            "'streaming' with kafka instead of a batch schedule"
        )
    if cron.longest_gap_hours > MAX_BATCH_INTERVAL_DAYS * 24:
        return (
            f"schedule {a.schedule!r} leaves up to {cron.longest_gap_hours / 24:.0f} days "
            f"between runs; the freshness and missing-metrics alerts, and the state kept between "
            f"runs, assume at least one run every {MAX_BATCH_INTERVAL_DAYS} days: use "
            "'@monthly' (a run with nothing new loads nothing)"
        )
    return None


def _consumers(a: Answers) -> str | None:
    problem = _multi("consumers")(a)
    if problem:
        return problem
    if "realtime_api" in a.consumers and not a.has_streaming:
        return (
            "consumer 'realtime_api' needs data within seconds, which a batch pipeline cannot "
            "give; choose processing_mode 'streaming' or 'hybrid' (with kafka), "
            "or drop realtime_api"
        )
    return None


def _factor(key: str) -> Callable[[Answers], str | None]:
    def check(a: Answers) -> str | None:
        value = getattr(a, key)
        if value < 1:
            return f"{key} is {value}; give a multiplier >= 1 (1 = no change, 3 = three times)"
        if value > MAX_FACTOR:
            return (
                f"{key} is {value}; that looks like a percentage. Give a multiplier "
                f"between 1 and {MAX_FACTOR:.0f}, e.g. 3 for 3x"
            )
        return None

    return check


def _team_size(a: Answers) -> str | None:
    if a.team_size < 1:
        return f"team_size is {a.team_size}; give the number of engineers (>= 1)"
    return None


def _stream_engine(a: Answers) -> str | None:
    if not a.has_streaming:
        return (
            f"stream_engine={a.stream_engine!r} applies only to processing_mode 'streaming' or "
            f"'hybrid', but processing_mode is {a.processing_mode!r}; remove stream_engine, "
            "or add kafka to sources and choose 'hybrid'"
        )
    return None


def _batch_engine(a: Answers) -> str | None:
    if not a.has_batch:
        return (
            f"batch_engine={a.batch_engine!r} applies only to processing_mode 'batch' or "
            f"'hybrid', but processing_mode is {a.processing_mode!r}; remove batch_engine, "
            "or choose 'hybrid' with a batch source"
        )
    return None


CHECKS: dict[str, Callable[[Answers], str | None]] = {
    "project_name": _project_name,
    "project_slug": _project_slug,
    "package_name": _package_name,
    "author_email": _author_email,
    "sources": _sources,
    "batch_gb_per_day": _batch_gb_per_day,
    "events_per_second": _events_per_second,
    "avg_event_kb": _avg_event_kb,
    "formats": _formats,
    "processing_mode": _processing_mode,
    "transformations": _multi("transformations"),
    "quality_checks": _multi("quality_checks"),
    "streaming_latency_seconds": _streaming_latency_seconds,
    "stream_dedup_window_minutes": _stream_dedup_window_minutes,
    "batch_sla_hours": _batch_sla_hours,
    "schedule": _schedule,
    "consumers": _consumers,
    "growth_factor": _factor("growth_factor"),
    "peak_factor": _factor("peak_factor"),
    "team_size": _team_size,
    "team_skills": _multi("team_skills"),
    "compliance": _multi("compliance"),
    "batch_engine": _batch_engine,
    "stream_engine": _stream_engine,
}


def _choice_problem(key: str, a: Answers) -> str | None:
    if key in SINGLE_CHOICES and getattr(a, key) not in SINGLE_CHOICES[key]:
        return f"{key} {getattr(a, key)!r} is unknown; choose one of {list(SINGLE_CHOICES[key])}"
    return None


def _form_problem(key: str, a: Answers) -> str | None:
    """Checks shared by every question of a kind: text is one plain line, numbers are finite."""
    value = getattr(a, key)
    if key in TEXT_KEYS:
        return text_problem(key, value)
    if key in NUMBER_KEYS and not math.isfinite(value):
        kind = "whole number" if isinstance(getattr(_DEFAULTS, key), int) else "number"
        return f"{key}: {not_finite(value, kind, getattr(_DEFAULTS, key))}"
    return None


def check(key: str, answers: Answers) -> str | None:
    """The validator of one question: a message, or None when the answer is fine."""
    return (
        _choice_problem(key, answers)
        or _form_problem(key, answers)
        or (CHECKS[key](answers) if key in CHECKS else None)
    )


def refuse(key: str, given: Mapping[str, Any]) -> str | None:
    """The validator as copier runs it: `given` holds the raw answers so far.

    Reads `key` and the answers asked before it (a validator never sees later
    ones); an answer that cannot be read as its type is refused with the reason.
    """
    asked = QUESTION_ORDER[: QUESTION_ORDER.index(key) + 1]
    try:
        return check(key, Answers.from_mapping(given, keys=asked))
    except ValueError as error:
        return str(error)


def problems(answers: Answers) -> list[Problem]:
    """Every refused answer among the questions that apply to these answers."""
    found = []
    for key in QUESTION_ORDER:
        if applies(key, answers):
            message = check(key, answers)
            if message:
                found.append(Problem(key, message))
    return found


# --- answers given but never used ------------------------------------------------------
def unknown_keys(keys: Iterable[str]) -> list[str]:
    """Keys of an answers file that name no question (copier's own `_` keys aside)."""
    return sorted({key for key in keys if not key.startswith("_") and key not in QUESTION_ORDER})


def skipped_keys(given: Mapping[str, Any], answers: Answers) -> list[str]:
    """Questions answered in `given` that do not apply to `answers`: copier drops them."""
    return [key for key in QUESTION_ORDER if key in given and not applies(key, answers)]


def unused_answers_warning(unknown: Iterable[str], skipped: Iterable[str]) -> str:
    """The warning printed after copy and update; empty when every answer was used."""
    lines = []
    if unknown := sorted(unknown):
        lines.append(
            f"warning: answers file keys not used by this template: {', '.join(unknown)} "
            "(typo? see docs/questions.md of pipeline-architect for the keys)"
        )
    if skipped := list(skipped):
        lines.append(
            f"warning: answers ignored because their question does not apply to your other "
            f"answers: {', '.join(skipped)} (see 'asked when' in docs/questions.md)"
        )
    return "\n".join(lines)
