import pytest

from pipeline_design import Answers, recommend
from pipeline_design.recommend import RECOMMENDERS


@pytest.mark.parametrize(
    ("sources", "mode"),
    [
        (["files"], "batch"),
        (["postgres", "rest_api"], "batch"),
        (["kafka"], "streaming"),
        (["files", "kafka"], "hybrid"),
    ],
)
def test_processing_mode_follows_sources(sources: list[str], mode: str) -> None:
    assert recommend("processing_mode", Answers.from_mapping({"sources": sources})) == mode


@pytest.mark.parametrize(
    ("skills", "orchestrator"),
    [
        (["python", "sql"], "dagster"),
        (["python", "airflow"], "airflow"),
        (["prefect"], "prefect"),
        (["airflow", "dagster"], "dagster"),
        (["airflow", "prefect"], "airflow"),
    ],
)
def test_orchestrator_keeps_what_the_team_knows(skills: list[str], orchestrator: str) -> None:
    assert recommend("orchestrator", Answers.from_mapping({"team_skills": skills})) == orchestrator


def test_batch_engine_switches_to_spark_beyond_one_node() -> None:
    assert recommend("batch_engine", Answers(batch_gb_per_day=1)) == "polars"
    assert (
        recommend("batch_engine", Answers(batch_gb_per_day=50, growth_factor=3, peak_factor=5))
        == "spark"
    )


def test_batch_engine_switches_to_spark_when_one_node_misses_the_time_budget() -> None:
    engine, why = RECOMMENDERS["batch_engine"](
        Answers(batch_gb_per_day=10, growth_factor=1, peak_factor=1, batch_sla_hours=0.2)
    )
    assert engine == "spark"
    assert "budget" in why
    assert (
        recommend(
            "batch_engine",
            Answers(batch_gb_per_day=10, growth_factor=1, peak_factor=1, batch_sla_hours=6),
        )
        == "polars"
    )


def test_knowing_spark_does_not_buy_a_cluster_for_small_data() -> None:
    a = Answers(batch_gb_per_day=1, team_skills=("python", "spark"))
    engine, why = RECOMMENDERS["batch_engine"](a)
    assert engine == "polars"
    assert "Spark is known to the team" in why


def test_stream_engine_by_rate_and_skills() -> None:
    base = {
        "sources": ["kafka"],
        "processing_mode": "streaming",
        "growth_factor": 1,
        "peak_factor": 1,
    }
    assert (
        recommend("stream_engine", Answers.from_mapping({**base, "events_per_second": 500}))
        == "faust"
    )
    assert (
        recommend("stream_engine", Answers.from_mapping({**base, "events_per_second": 50_000}))
        == "flink"
    )
    flink_team = {**base, "events_per_second": 500, "team_skills": ["python", "flink"]}
    assert recommend("stream_engine", Answers.from_mapping(flink_team)) == "flink"


def test_rationales_quote_the_users_numbers() -> None:
    a = Answers.from_mapping(
        {
            "sources": ["kafka"],
            "processing_mode": "streaming",
            "events_per_second": 12_345,
            "growth_factor": 2,
            "peak_factor": 4,
        }
    )
    _, why = RECOMMENDERS["stream_engine"](a)
    assert "98,760" in why  # 12,345 x 2 x 4
