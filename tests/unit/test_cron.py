from datetime import UTC, date, datetime, timedelta
from itertools import islice, pairwise

import pytest
from cronsim import CronSim
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline_design.cron import (
    CYCLE_DAYS,
    CYCLE_START,
    DAY_NAMES,
    MONTH_NAMES,
    CronError,
    parse_cron,
)


@pytest.mark.parametrize(
    ("expression", "runs_per_day"),
    [
        ("0 2 * * *", 1),
        ("@daily", 1),
        ("@DAILY", 1),
        ("@hourly", 24),
        ("*/15 * * * *", 96),
        ("0 */6 * * *", 4),
        ("0 9-17 * * *", 9),
        ("0,30 8 * * *", 2),
    ],
)
def test_runs_per_day(expression: str, runs_per_day: float) -> None:
    assert parse_cron(expression).runs_per_day == pytest.approx(runs_per_day)


def test_weekly_schedules_run_a_seventh_of_a_day() -> None:
    assert parse_cron("@weekly").runs_per_day == pytest.approx(1 / 7)
    assert parse_cron("0 3 * * 1-5").runs_per_day == pytest.approx(5 / 7)
    assert parse_cron("0 3 * * 0").days_of_week == parse_cron("0 3 * * 7").days_of_week


def test_names_of_months_and_days_in_any_case() -> None:
    def fields(expression: str) -> tuple[object, ...]:
        cron = parse_cron(expression)
        return (cron.minutes, cron.hours, cron.days_of_month, cron.months, cron.days_of_week)

    assert fields("0 9 * * MON-FRI") == fields("0 9 * * 1-5")
    assert fields("0 9 * jan,Jul sun") == fields("0 9 * 1,7 0")


def test_interval_is_the_inverse_of_the_rate() -> None:
    assert parse_cron("0 */6 * * *").interval_hours == pytest.approx(6)


def test_weekday_schedule_gaps_span_the_weekend() -> None:
    weekdays = parse_cron("0 9 * * 1-5")
    assert weekdays.longest_gap_hours == 72  # Friday 09:00 to Monday 09:00
    assert weekdays.shortest_gap_hours == 24
    assert weekdays.interval_hours == pytest.approx(24 * 7 / 5)


def test_uneven_times_of_day() -> None:
    twice = parse_cron("0 9,10 * * *")
    assert (twice.shortest_gap_hours, twice.longest_gap_hours) == (1, 23)


def test_monthly_gap_is_the_longest_month() -> None:
    assert parse_cron("@monthly").longest_gap_hours == 31 * 24
    assert parse_cron("@monthly").shortest_gap_hours == 28 * 24


def test_both_day_fields_restricted_run_on_either() -> None:
    # Vixie cron: the 1st of each month, and every Monday.
    either = parse_cron("0 0 1 * 1")
    assert either.either_day
    assert either.runs_on(date(2026, 12, 1))  # a Tuesday, the 1st
    assert either.runs_on(date(2026, 12, 7))  # a Monday
    assert not either.runs_on(date(2026, 12, 8))
    # A star on either side means both must match: Mondays only (`*/1` still counts as a star).
    assert not parse_cron("0 0 */1 * 1").either_day


@pytest.mark.parametrize(
    ("expression", "fragment"),
    [
        ("0 2 * *", "has 4 fields"),
        ("61 * * * *", "minute value 61 is outside 0-59"),
        ("0 25 * * *", "hour value 25"),
        ("0 2 * * monday", "or the names SUN, MON"),
        ("0 2 * * ²", "use numbers"),
        ("0 2 JAN * *", "use numbers, '\\*', ranges or steps'?$"),
        ("*/0 * * * *", "step must be at least 1"),
        ("0 5-2 * * *", "runs backwards"),
        ("0 0 31 2 *", "never runs"),
        ("0 0 30,31 2 *", "never runs"),
    ],
)
def test_bad_expressions_say_what_is_wrong(expression: str, fragment: str) -> None:
    with pytest.raises(CronError, match=fragment):
        parse_cron(expression)


# -- against a reference implementation --------------------------------------------------
def _field(low: int, high: int, names: tuple[str, ...] = ()) -> st.SearchStrategy[str]:
    value = st.integers(low, high)
    named = (
        st.sampled_from(names).map(lambda name: name.lower() if len(name) % 2 else name)
        if names
        else value.map(str)
    )
    number = st.one_of(value.map(str), named)
    ranges = st.tuples(value, value).map(sorted).map(lambda pair: f"{pair[0]}-{pair[1]}")
    # cronsim reads a stepped one-value range (`5-5/2`) as `5/2`, Vixie cron as `5`: left out.
    wide_ranges = st.tuples(value, value).filter(lambda pair: pair[0] != pair[1])
    step = st.integers(1, max(1, (high - low) // 2)).map(str)
    term = st.one_of(
        number,
        ranges,
        step.map(lambda every: f"*/{every}"),
        st.tuples(wide_ranges.map(sorted).map(lambda pair: f"{pair[0]}-{pair[1]}"), step).map(
            "/".join
        ),
        st.tuples(value.map(str), step).map("/".join),
    )
    return st.one_of(st.just("*"), st.lists(term, min_size=1, max_size=3).map(",".join))


EXPRESSIONS = st.tuples(
    _field(0, 59),
    _field(0, 23),
    _field(1, 31),
    _field(1, 12, MONTH_NAMES),
    _field(0, 7, DAY_NAMES),
).map(" ".join)


def _readable(expression: str):
    try:
        return parse_cron(expression)
    except CronError:
        return None


@settings(max_examples=200, deadline=None)
@given(expression=EXPRESSIONS, start_day=st.integers(0, CYCLE_DAYS - 1))
def test_runs_and_gaps_agree_with_cronsim(expression: str, start_day: int) -> None:
    cron = _readable(expression)
    if cron is None:  # never runs (Feb 30): cronsim agrees there is no run within 8 years
        start = datetime(2001, 1, 1, tzinfo=UTC)
        try:
            first = next(iter(CronSim(expression, start)), None)
        except Exception:  # cronsim refuses some never-running expressions up front
            return
        assert first is None or first - start > timedelta(days=8 * 366)
        return
    start = datetime.combine(CYCLE_START + timedelta(start_day), datetime.min.time(), UTC)
    runs = list(islice(CronSim(expression, start - timedelta(minutes=1)), 200))
    # The same run times: each day's first run, and the times of day.
    for run in runs:
        assert cron.runs_on(run.date()), run
        assert run.hour * 60 + run.minute in cron.times_of_day(), run
    days = {run.date() for run in runs}
    day = runs[0].date()
    while day < min(runs[-1].date(), runs[0].date() + timedelta(days=400)):
        assert cron.runs_on(day) == (day in days), day
        day += timedelta(days=1)
    # No gap between two runs is longer than the longest or shorter than the shortest.
    gaps = [(later - earlier) / timedelta(hours=1) for earlier, later in pairwise(runs)]
    assert max(gaps, default=0) <= cron.longest_gap_hours
    assert min(gaps, default=cron.shortest_gap_hours) >= cron.shortest_gap_hours
