"""The answer sets the render tier renders: defaults, every preset, and a covering set.

Together they use every value of every choice at least once (a test checks it).
"""

from __future__ import annotations

from typing import Any

from pipeline_design import QUESTION_ORDER, RECOMMENDED_KEYS, Answers, applies, recommend
from rendering import PRESETS, load_preset

COVERING: dict[str, dict[str, Any]] = {
    "files-s3-prefect-spark": {
        "sources": ["files"],
        "files_location": "s3",
        "formats": ["parquet", "compressed_logs"],
        "batch_gb_per_day": 30,
        "transformations": ["cleaning", "ml_features"],
        "quality_checks": ["anomaly"],
        "orchestrator": "prefect",
        "batch_engine": "spark",
        "warehouse": "snowflake",
        "consumers": ["ml_platform"],
        "lake_format": "delta",
        "ci_provider": "gitlab",
        "cloud": "aws",
        "team_level": "advanced",
        "team_skills": ["python", "spark", "prefect"],
        "compliance": ["soc2_audit", "hipaa"],
    },
    "kafka-faust-airflow": {
        "sources": ["kafka"],
        "processing_mode": "streaming",
        "events_per_second": 200,
        "formats": ["json", "nested_json"],
        "stream_engine": "faust",
        "orchestrator": "airflow",
        "warehouse": "postgres",
        "consumers": ["realtime_api"],
        "team_skills": ["python", "kafka", "airflow"],
        "team_level": "beginner",
        "compliance": [],
        "cloud": "azure",
    },
    "postgres-api-hybrid-flink": {
        "sources": ["postgres", "rest_api", "kafka"],
        "processing_mode": "hybrid",
        "events_per_second": 5000,
        "formats": ["csv", "json"],
        "stream_engine": "flink",
        "batch_engine": "polars",
        "orchestrator": "dagster",
        "warehouse": "duckdb",
        "consumers": ["bi_dashboards", "realtime_api"],
        "team_skills": ["python", "sql", "flink", "dagster"],
        "cloud": "gcp",
        "quality_checks": ["completeness", "freshness", "schema", "uniqueness", "anomaly"],
    },
}


def render_cases() -> dict[str, dict[str, Any]]:
    cases: dict[str, dict[str, Any]] = {"defaults": {}}
    cases.update({f"preset-{p.stem}": load_preset(p) for p in PRESETS})
    cases.update({f"cover-{name}": answers for name, answers in COVERING.items()})
    return cases


def effective_answers(given: dict[str, Any]) -> tuple[Answers, frozenset[str]]:
    """What copier will answer for `given` (computed defaults included), and which keys apply."""
    values = dict(given)
    for key in QUESTION_ORDER:
        if key in RECOMMENDED_KEYS and key not in values:
            values[key] = recommend(key, Answers.from_mapping(values))
    answers = Answers.from_mapping(values)
    return answers, frozenset(k for k in QUESTION_ORDER if applies(k, answers))
