"""Soft problems: allowed, but the design documents and `copier copy` point them out."""

from __future__ import annotations

import math

from . import constants as c
from . import spark_deploy
from .answers import Answers
from .sizing import BatchRun, Throughput, faust_workers_needed, polars_sizing

# The team skill that covers each stack choice.
SKILL_OF = {
    "airflow": "airflow",
    "dagster": "dagster",
    "prefect": "prefect",
    "spark": "spark",
    "flink": "flink",
}


def design_warnings(
    a: Answers,
    stack: dict[str, str | None],
    run: BatchRun | None,
    throughput: Throughput | None,
    advised_orchestrator: str,
) -> list[str]:
    found: list[str] = []
    # Skills: a cluster engine nobody on the team has run is a risk to plan for, and
    # so is an orchestrator picked over the advice without the skill. (The advised
    # orchestrator's rationale already says when the team knows none.)
    for role in ("orchestrator", "batch_engine", "stream_engine"):
        choice = stack.get(role)
        if choice not in SKILL_OF or SKILL_OF[choice] in a.team_skills:
            continue
        if role == "orchestrator" and choice == advised_orchestrator:
            continue
        found.append(
            f"{role} {choice!r} is not among the team's skills {list(a.team_skills)}: "
            "plan training time (docs/IMPLEMENTATION_PLAN.md adds it) or pick a stack the "
            "team knows."
        )
    if a.has_kafka and "kafka" not in a.team_skills:
        found.append(
            "kafka is a source but not among the team's skills: consumer groups, offsets and "
            "partition keys need an owner; plan training before going live."
        )
    if throughput and stack.get("stream_engine") == "faust":
        workers = faust_workers_needed(throughput)
        if workers > c.FAUST_MAX_RECOMMENDED_WORKERS:
            found.append(
                f"Faust at {throughput.events_s_peak:,} events/s peak needs ~{workers} workers "
                f"(~{c.FAUST_EVENTS_S_PER_WORKER:,} events/s each); Flink is recommended above "
                f"{c.FAUST_MAX_RECOMMENDED_WORKERS} workers."
            )
    node = polars_sizing(run) if run else None
    if node and stack.get("batch_engine") == "polars" and not node.fits_size:
        found.append(
            f"Polars on one node for a {node.peak_run_gb:,.0f} GB peak run exceeds the "
            f"{c.POLARS_MAX_RUN_GB:g} GB single-node limit; Spark is recommended."
        )
    elif node and stack.get("batch_engine") == "polars" and not node.fits_time:
        found.append(
            f"Polars on one node needs ~{node.est_run_minutes_peak} min for a "
            f"{node.peak_run_gb:,.2f} GB peak run and ~{node.est_run_minutes_steady} min for a "
            f"steady one, against a {node.time_budget_minutes} min budget (rule B: the steady run "
            f"may take at most {c.BATCH_BUDGET_UTILISATION:.0%} of it); Spark is recommended, "
            "or a longer SLA or fewer runs a day."
        )
    budget_minutes = run.time_budget_hours * 60 if run else 0
    if run and stack.get("batch_engine") == "spark" and budget_minutes < c.SPARK_MIN_BUDGET_MINUTES:
        found.append(
            f"A {budget_minutes:.1f} min time budget per run (rule B) cannot be met by Spark: "
            f"session start-up and one input split's task alone take ~"
            f"{c.SPARK_MIN_BUDGET_MINUTES} min with a retry. Give a longer SLA or fewer runs "
            "a day, or use Polars."
        )
    if run and stack.get("batch_engine") == "spark" and run.gb_per_run_peak < 1:
        found.append(
            f"Spark for a {run.gb_per_run_peak:.2f} GB peak run pays ~20 s of session start-up "
            "and a cluster to operate; Polars would do it in seconds on one node."
        )
    if stack.get("batch_engine") == "spark" and a.lake_format == "delta":
        version = spark_deploy.spark_version(a.lake_format)
        if version != spark_deploy.SPARK_VERSION:
            found.append(
                f"Delta Lake {spark_deploy.DELTA_VERSION} is built for Spark "
                f"{', '.join(spark_deploy.DELTA_SPARK_LINES)}, not "
                f"{spark_deploy.SPARK_VERSION}: this project runs Spark {version} (image, "
                "pyspark, the SparkApplication); move both on when Delta ships a build for the "
                "newer line."
            )
    latency_floor = math.ceil(c.CHECKPOINT_MIN_S / c.CHECKPOINT_LATENCY_SHARE)
    if a.has_streaming and a.streaming_latency_seconds < latency_floor:
        found.append(
            f"A {a.streaming_latency_seconds} s latency target leaves less than the "
            f"{c.CHECKPOINT_MIN_S} s minimum checkpoint interval plus the checkpoint's own "
            f"duration (targets below {latency_floor} s): exactly-once sinks publish on "
            "checkpoint completion, so use idempotent at-least-once sinks for this latency."
        )
    if "files" in a.sources and a.files_location == "s3" and a.cloud in ("gcp", "azure"):
        found.append(
            f"files are read from S3 while cloud is {a.cloud!r}: cross-cloud egress is billed "
            "per GB; consider the cloud's own object store."
        )
    if a.warehouse == "snowflake" and a.cloud == "local":
        found.append(
            "warehouse 'snowflake' is a hosted service: the generated project needs Snowflake "
            "credentials to load; its tests use an embedded stand-in."
        )
    if {"gdpr", "hipaa"} & set(a.compliance) and "pii_masking" not in a.compliance:
        found.append(
            "gdpr/hipaa without pii_masking: personal data will still be pseudonymised, "
            "because both regulations require it; pii_masking is implied."
        )
    if not a.quality_checks:
        found.append("No quality checks selected: bad data will reach the warehouse unnoticed.")
    if a.team_size == 1 and a.processing_mode == "hybrid":
        found.append(
            "One engineer operating a stream and a batch path: on-call has no backup; keep the "
            "stack as small as possible."
        )
    return found
