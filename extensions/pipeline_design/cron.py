"""A small five-field cron reader: validates an expression and counts runs per day.

Written here rather than imported because the design engine runs inside
copier, where only copier's own dependencies are installed. It accepts what
Airflow, Dagster and Prefect all accept: five fields (minute hour
day-of-month month day-of-week) with `*`, `a-b`, `a,b`, `*/n`, `a-b/n`, and the
aliases `@hourly`, `@daily`, `@weekly`, `@monthly`, `@yearly`.
"""

from __future__ import annotations

from dataclasses import dataclass

ALIASES = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
}

FIELDS = (  # name, lowest, highest
    ("minute", 0, 59),
    ("hour", 0, 23),
    ("day-of-month", 1, 31),
    ("month", 1, 12),
    ("day-of-week", 0, 7),  # 0 and 7 are both Sunday
)


class CronError(ValueError):
    """A cron expression that cannot be read; the message says which field and why."""


@dataclass(frozen=True)
class Cron:
    expression: str
    minutes: frozenset[int]
    hours: frozenset[int]
    days_of_month: frozenset[int]
    months: frozenset[int]
    days_of_week: frozenset[int]

    @property
    def runs_per_day(self) -> float:
        """Average runs per day over a year (a weekly schedule gives 1/7)."""
        per_active_day = len(self.minutes) * len(self.hours)
        day_share = 1.0
        if len(self.days_of_week) < 7:
            day_share *= len(self.days_of_week) / 7
        if len(self.days_of_month) < 31:
            day_share *= len(self.days_of_month) / 30.44
        if len(self.months) < 12:
            day_share *= len(self.months) / 12
        return per_active_day * day_share

    @property
    def interval_hours(self) -> float:
        """Average hours between two runs."""
        return 24.0 / self.runs_per_day


def parse_cron(expression: str) -> Cron:
    text = " ".join(str(expression).split())
    text = ALIASES.get(text, text)
    parts = text.split(" ")
    if len(parts) != 5:
        raise CronError(
            f"cron expression {expression!r} has {len(parts)} fields; "
            "expected 5 (minute hour day-of-month month day-of-week), e.g. '0 2 * * *'"
        )
    sets = [_parse_field(part, *spec) for part, spec in zip(parts, FIELDS, strict=True)]
    dows = frozenset(0 if day == 7 else day for day in sets[4])
    return Cron(text, sets[0], sets[1], sets[2], sets[3], dows)


def _parse_field(text: str, name: str, low: int, high: int) -> frozenset[int]:
    values: set[int] = set()
    for item in text.split(","):
        values |= _parse_item(item, name, low, high)
    return frozenset(values)


def _parse_item(item: str, name: str, low: int, high: int) -> set[int]:
    step = 1
    if "/" in item:
        item, step_text = item.split("/", 1)
        step = _number(step_text, name)
        if step < 1:
            raise CronError(f"cron {name} step must be at least 1, got {step}")
    if item == "*":
        start, end = low, high
    elif "-" in item:
        first, last = item.split("-", 1)
        start, end = _number(first, name), _number(last, name)
    else:
        start = _number(item, name)
        end = high if step > 1 else start
    for value in (start, end):
        if not low <= value <= high:
            raise CronError(f"cron {name} value {value} is outside {low}-{high}")
    if start > end:
        raise CronError(f"cron {name} range {start}-{end} runs backwards")
    return set(range(start, end + 1, step))


def _number(text: str, name: str) -> int:
    if not text.isdigit():
        raise CronError(f"cron {name} field has {text!r}; use numbers, '*', ranges or steps")
    return int(text)
