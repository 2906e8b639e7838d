import pytest

from pipeline_design.cron import CronError, parse_cron


@pytest.mark.parametrize(
    ("expression", "runs_per_day"),
    [
        ("0 2 * * *", 1),
        ("@daily", 1),
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


def test_interval_is_the_inverse_of_the_rate() -> None:
    assert parse_cron("0 */6 * * *").interval_hours == pytest.approx(6)


@pytest.mark.parametrize(
    ("expression", "fragment"),
    [
        ("0 2 * *", "has 4 fields"),
        ("61 * * * *", "minute value 61 is outside 0-59"),
        ("0 25 * * *", "hour value 25"),
        ("0 2 * * mon", "use numbers"),
        ("*/0 * * * *", "step must be at least 1"),
        ("0 5-2 * * *", "runs backwards"),
    ],
)
def test_bad_expressions_say_what_is_wrong(expression: str, fragment: str) -> None:
    with pytest.raises(CronError, match=fragment):
        parse_cron(expression)
