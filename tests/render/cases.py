"""The answer sets the render tier renders: defaults, every preset, a covering set, and a
sample of random answer sets.

Together they use every value of every choice at least once (a test checks it).
"""

from __future__ import annotations

from typing import Any

from answer_space import AnswerSet, draw_sample
from pipeline_design import QUESTION_ORDER, RECOMMENDED_KEYS, Answers, applies, recommend
from pipeline_design.answers import COMPLIANCE, QUALITY_CHECKS, TRANSFORMATIONS
from pipeline_design.names import MAX_NAME_LENGTH
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


# Answer sets drawn from the whole answer space (tests/answer_space.py), the same on every
# run: rendering is cheap, so the render tier checks more of them than the e2e tiers install.
RANDOM_RENDERS = 12
RANDOM_RENDER_SEED = 2026


def random_cases() -> dict[str, AnswerSet]:
    drawn = draw_sample(RANDOM_RENDERS, random_seed=RANDOM_RENDER_SEED)
    return {f"random-{i}": answer_set for i, answer_set in enumerate(drawn)}


# The longest names the validators accept, with every option on, under each orchestrator:
# every generated line that holds a name must still fit ruff's line length.
LONGEST_NAMES = {
    "project_slug": "a-long-name-".ljust(MAX_NAME_LENGTH, "x"),
    "package_name": "a_long_name_".ljust(MAX_NAME_LENGTH, "x"),
    "transformations": list(TRANSFORMATIONS),
    "quality_checks": list(QUALITY_CHECKS),
    "compliance": list(COMPLIANCE),
}
LONG_NAME_CASES = {
    "longest-names-dagster-postgres": LONGEST_NAMES | {"warehouse": "postgres"},
    "longest-names-airflow": LONGEST_NAMES | {"orchestrator": "airflow"},
    "longest-names-prefect-postgres": LONGEST_NAMES
    | {"orchestrator": "prefect", "warehouse": "postgres"},
    "longest-names-hybrid-faust": LONGEST_NAMES
    | {"sources": ["files", "kafka"], "processing_mode": "hybrid", "stream_engine": "faust"},
    "longest-names-hybrid-flink": LONGEST_NAMES
    | {"sources": ["files", "kafka"], "processing_mode": "hybrid", "stream_engine": "flink"},
}


def render_cases() -> dict[str, dict[str, Any]]:
    cases: dict[str, dict[str, Any]] = {"defaults": {}}
    cases.update({f"preset-{p.stem}": load_preset(p) for p in PRESETS})
    cases.update({f"cover-{name}": answers for name, answers in COVERING.items()})
    cases.update(LONG_NAME_CASES)
    cases.update({name: drawn.data for name, drawn in random_cases().items()})
    return cases


def effective_answers(given: dict[str, Any]) -> tuple[Answers, frozenset[str]]:
    """What copier will answer for `given` (computed defaults included), and which keys apply."""
    values = dict(given)
    for key in QUESTION_ORDER:
        if key in RECOMMENDED_KEYS and key not in values:
            values[key] = recommend(key, Answers.from_mapping(values))
    answers = Answers.from_mapping(values)
    return answers, frozenset(k for k in QUESTION_ORDER if applies(k, answers))
