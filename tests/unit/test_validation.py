"""Every refusal names the problem and says what to pick instead."""

import pytest

from pipeline_design import QUESTION_ORDER, Answers, applies, check, problems


def answers(**changes: object) -> Answers:
    return Answers.from_mapping(changes)


def test_default_answers_are_valid() -> None:
    assert problems(Answers()) == []


@pytest.mark.parametrize(
    ("changes", "key", "fragments"),
    [
        ({"project_name": 'My "Pipeline"'}, "project_name", ["quote", "plain words"]),
        ({"project_slug": "my pipeline!"}, "project_slug", ["'my pipeline!'", "my-pipeline"]),
        ({"project_slug": "pipe-"}, "project_slug", ["single hyphens"]),
        ({"package_name": "class"}, "package_name", ["keyword"]),
        ({"package_name": "My-Pkg"}, "package_name", ["identifier"]),
        ({"author_email": "nobody"}, "author_email", ["not an email"]),
        ({"sources": []}, "sources", ["pick at least one"]),
        ({"sources": ["ftp"]}, "sources", ["unknown values ['ftp']"]),
        ({"batch_gb_per_day": -1}, "batch_gb_per_day", [">= 0"]),
        (
            {"sources": ["kafka"], "processing_mode": "streaming", "events_per_second": -5},
            "events_per_second",
            ["-5", ">= 0"],
        ),
        (
            {"sources": ["kafka"], "processing_mode": "streaming", "events_per_second": 0},
            "events_per_second",
            ["kafka is a source"],
        ),
        ({"avg_event_kb": 0}, "avg_event_kb", ["> 0"]),
        ({"formats": []}, "formats", ["formats is empty"]),
        (
            {"sources": ["files", "kafka"]},
            "processing_mode",
            ["'batch' cannot consume kafka", "choose 'hybrid'"],
        ),
        ({"sources": ["kafka"]}, "processing_mode", ["choose 'streaming'"]),
        ({"processing_mode": "streaming"}, "processing_mode", ["add kafka"]),
        (
            {"sources": ["files", "kafka"], "processing_mode": "streaming"},
            "processing_mode",
            ["choose 'hybrid'"],
        ),
        ({"processing_mode": "hybrid"}, "processing_mode", ["choose 'batch'"]),
        (
            {
                "sources": ["kafka"],
                "processing_mode": "streaming",
                "stream_dedup_window_minutes": 0,
            },
            "stream_dedup_window_minutes",
            ["1 to 1440", "producer retries"],
        ),
        (
            {
                "sources": ["kafka"],
                "processing_mode": "streaming",
                "stream_dedup_window_minutes": 1441,
            },
            "stream_dedup_window_minutes",
            ["1 to 1440"],
        ),
        ({"batch_sla_hours": 0}, "batch_sla_hours", ["> 0"]),
        ({"schedule": "every day"}, "schedule", ["expected 5"]),
        ({"schedule": "* * * * *"}, "schedule", ["1 minutes apart", "hybrid"]),
        ({"consumers": ["realtime_api"]}, "consumers", ["realtime_api", "streaming"]),
        ({"growth_factor": 0.5}, "growth_factor", [">= 1"]),
        ({"peak_factor": 300}, "peak_factor", ["percentage"]),
        ({"team_size": 0}, "team_size", [">= 1"]),
        ({"orchestrator": "luigi"}, "orchestrator", ["'luigi' is unknown", "dagster"]),
        (
            {"stream_engine": "flink"},
            "stream_engine",
            ["processing_mode 'streaming' or", "'batch'"],
        ),
        (
            {"sources": ["kafka"], "processing_mode": "streaming", "batch_engine": "spark"},
            "batch_engine",
            ["'streaming'"],
        ),
    ],
)
def test_bad_answers_are_refused_with_a_message(
    changes: dict[str, object], key: str, fragments: list[str]
) -> None:
    message = check(key, answers(**changes))
    assert message, f"{key} accepted {changes}"
    for fragment in fragments:
        assert fragment in message


def test_problems_reports_only_questions_that_apply() -> None:
    # stream_engine does not apply to a batch pipeline, so its default is not judged...
    assert problems(answers(stream_engine="flink")) == []
    # ...but a streaming pipeline with a bad rate is.
    found = problems(answers(sources=["kafka"], processing_mode="streaming", events_per_second=0))
    assert [p.key for p in found] == ["events_per_second"]


@pytest.mark.parametrize(
    ("key", "changes", "expected"),
    [
        ("files_location", {"sources": ["postgres"]}, False),
        ("files_location", {"sources": ["files"]}, True),
        ("events_per_second", {"sources": ["files"]}, False),
        ("events_per_second", {"sources": ["kafka"]}, True),
        ("stream_engine", {"processing_mode": "batch"}, False),
        ("stream_engine", {"processing_mode": "hybrid"}, True),
        ("batch_engine", {"processing_mode": "streaming"}, False),
        ("schedule", {"processing_mode": "hybrid"}, True),
        ("streaming_latency_seconds", {"processing_mode": "batch"}, False),
        ("warehouse", {}, True),
    ],
)
def test_applies(key: str, changes: dict[str, object], expected: bool) -> None:
    assert applies(key, answers(**changes)) is expected


def test_every_key_has_a_place_in_the_questionnaire() -> None:
    assert set(QUESTION_ORDER) == set(Answers().as_dict())


def test_names_longer_than_the_limit_are_refused_and_default_slugs_stay_within_it() -> None:
    from pipeline_design.names import MAX_NAME_LENGTH, project_slug_for

    too_long = "a" * (MAX_NAME_LENGTH + 1)
    message = check("project_slug", Answers(project_slug=too_long))
    assert message and f"keep it to {MAX_NAME_LENGTH}" in message
    message = check("package_name", Answers(package_name=too_long.replace("-", "_")))
    assert message and f"keep it to {MAX_NAME_LENGTH}" in message
    assert check("project_slug", Answers(project_slug="a" * MAX_NAME_LENGTH)) is None
    # A long project name gets a default slug cut between words, which the validator accepts.
    slug = project_slug_for("The Customer Three Sixty Clickstream Analytics Pipeline of Europe")
    assert slug == "the-customer-three-sixty-clickstream"
    assert check("project_slug", Answers(project_slug=slug)) is None


@pytest.mark.parametrize(
    ("key", "value", "words"),
    [
        ("schedule", "@yearly", "up to 366 days"),
        ("schedule", "0 0 1 */2 *", "up to 62 days"),
        ("batch_sla_hours", 1_000_000.0, "more than a week"),
        ("batch_sla_hours", 168.5, "at most 168"),
    ],
)
def test_batch_timing_beyond_the_alerting_bounds_is_refused(
    key: str, value: object, words: str
) -> None:
    message = check(key, Answers.from_mapping({key: value}))
    assert message and words in message


@pytest.mark.parametrize(("key", "value"), [("schedule", "@monthly"), ("batch_sla_hours", 168.0)])
def test_batch_timing_at_the_bounds_is_accepted(key: str, value: object) -> None:
    assert check(key, Answers.from_mapping({key: value})) is None
