"""A five-field cron reader: validates an expression and measures its run times.

Written here rather than imported because the design engine runs inside copier, where
only copier's own dependencies are installed (tests/unit/test_cron.py holds it to cronsim,
a reference implementation, on random expressions). It accepts what Airflow, Dagster and
Prefect all accept: five fields (minute hour day-of-month month day-of-week) with `*`,
`a-b`, `a,b`, `*/n`, `a-b/n`, `a/n`, the names `JAN`-`DEC` and `SUN`-`SAT` (any case), and
the macros `@hourly`, `@daily`, `@midnight`, `@weekly`, `@monthly`, `@yearly`,
`@annually`.

Days follow Vixie cron (and croniter, cronsim, Airflow, Dagster, Prefect): when both
day-of-month and day-of-week are restricted (neither starts with `*`), a day runs if it
matches *either* (`0 0 1 * MON` runs on the 1st and on every Monday); otherwise both must
match.

Schedules are uneven (`0 9 * * 1-5` leaves 24 h between weekdays and 72 h over the
weekend), so a schedule is measured over a whole calendar cycle: the average rate (runs per
day, for cost), the longest gap between two runs (for the batch the gap accumulates and
the freshness alert, which must not fire every weekend) and the shortest gap (the longest
a run can take before the next one starts).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import pairwise

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
MONTH_NAMES = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
DAY_NAMES = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
NAMES = {
    "month": {name: number for number, name in enumerate(MONTH_NAMES, start=1)},
    "day-of-week": {name: number for number, name in enumerate(DAY_NAMES)},
}

# Between 1901 and 2099 the calendar (dates with their weekdays, leap days included)
# repeats every 28 years: measuring one such cycle measures the schedule for good.
CYCLE_START = date(2001, 1, 1)
CYCLE_DAYS = (date(2029, 1, 1) - CYCLE_START).days
MINUTES_PER_DAY = 24 * 60


class CronError(ValueError):
    """A cron expression that cannot be read; the message says which field and why."""


@dataclass(frozen=True)
class Cron:
    expression: str
    minutes: frozenset[int]
    hours: frozenset[int]
    days_of_month: frozenset[int]
    months: frozenset[int]
    days_of_week: frozenset[int]  # 0 = Sunday
    either_day: bool  # both day fields restricted: a day runs if it matches either

    def runs_on(self, day: date) -> bool:
        if day.month not in self.months:
            return False
        by_month_day = day.day in self.days_of_month
        by_weekday = day.isoweekday() % 7 in self.days_of_week
        return by_month_day or by_weekday if self.either_day else by_month_day and by_weekday

    def times_of_day(self) -> list[int]:
        """The minutes after midnight at which a run day runs, in order."""
        return sorted(hour * 60 + minute for hour in self.hours for minute in self.minutes)

    @property
    def runs_per_day(self) -> float:
        """Average runs per day over the calendar cycle (a weekly schedule gives 1/7)."""
        return _measure(self).runs / CYCLE_DAYS

    @property
    def interval_hours(self) -> float:
        """Average hours between two runs."""
        return 24.0 / self.runs_per_day

    @property
    def longest_gap_hours(self) -> float:
        """The longest time between two consecutive runs (a weekend, a month's end)."""
        return _measure(self).longest_gap_minutes / 60

    @property
    def shortest_gap_hours(self) -> float:
        """The shortest time between two consecutive runs: a run that takes longer
        overlaps the next one."""
        return _measure(self).shortest_gap_minutes / 60


@dataclass(frozen=True)
class _Measure:
    runs: int
    longest_gap_minutes: int
    shortest_gap_minutes: int


@functools.cache
def _measure(cron: Cron) -> _Measure:
    times = cron.times_of_day()
    within_day = [later - earlier for earlier, later in pairwise(times)]
    run_days = [
        offset for offset in range(CYCLE_DAYS) if cron.runs_on(CYCLE_START + timedelta(offset))
    ]
    if not run_days:
        raise CronError(
            f"cron expression {cron.expression!r} never runs: no calendar day matches its "
            "day-of-month, month and day-of-week (e.g. '0 0 31 2 *', February 31st)"
        )
    # From the last run of a run day to the first run of the next run day; the cycle wraps
    # around, so the last run day is followed by the first one, CYCLE_DAYS later.
    following = [*run_days[1:], run_days[0] + CYCLE_DAYS]
    between_days = [
        (later - earlier) * MINUTES_PER_DAY - times[-1] + times[0]
        for earlier, later in zip(run_days, following, strict=True)
    ]
    gaps = within_day + between_days
    return _Measure(len(run_days) * len(times), max(gaps), min(gaps))


def parse_cron(expression: str) -> Cron:
    text = " ".join(str(expression).split())
    text = ALIASES.get(text.lower(), text)
    parts = text.split(" ")
    if len(parts) != 5:
        raise CronError(
            f"cron expression {expression!r} has {len(parts)} fields; "
            "expected 5 (minute hour day-of-month month day-of-week), e.g. '0 2 * * *'"
        )
    sets = [_parse_field(part, *spec) for part, spec in zip(parts, FIELDS, strict=True)]
    dows = frozenset(0 if day == 7 else day for day in sets[4])
    either = not parts[2].startswith("*") and not parts[4].startswith("*")
    cron = Cron(text, sets[0], sets[1], sets[2], sets[3], dows, either)
    _measure(cron)  # a schedule that never runs is refused here, with the others
    return cron


def _parse_field(text: str, name: str, low: int, high: int) -> frozenset[int]:
    values: set[int] = set()
    for item in text.split(","):
        values |= _parse_item(item, name, low, high)
    return frozenset(values)


def _parse_item(item: str, name: str, low: int, high: int) -> set[int]:
    step, stepped = 1, "/" in item
    if stepped:
        item, step_text = item.split("/", 1)
        step = _number(step_text, name, names=False)
        if step < 1:
            raise CronError(f"cron {name} step must be at least 1, got {step}")
    if item == "*":
        start, end = low, high
    elif "-" in item:
        first, last = item.split("-", 1)
        start, end = _number(first, name), _number(last, name)
    else:
        start = _number(item, name)
        end = high if stepped else start  # `a/n`: from a to the field's end
    for value in (start, end):
        if not low <= value <= high:
            raise CronError(f"cron {name} value {value} is outside {low}-{high}")
    if start > end:
        raise CronError(f"cron {name} range {start}-{end} runs backwards")
    return set(range(start, end + 1, step))


def _number(text: str, name: str, names: bool = True) -> int:
    if text.isascii() and text.isdigit():
        return int(text)
    known = NAMES.get(name, {}) if names else {}
    if text.upper() in known:
        return known[text.upper()]
    hint = f", or the names {', '.join(known)}" if known else ""
    raise CronError(f"cron {name} field has {text!r}; use numbers, '*', ranges or steps{hint}")
