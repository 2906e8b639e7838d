"""Rule I: the implementation plan, phased and scaled to the team's size and level."""

from __future__ import annotations

import math
from dataclasses import dataclass

from .answers import Answers
from .sizing import BatchRun, Throughput

# Effort multipliers by level: a beginner team needs pairing and reviews, an
# advanced one reuses patterns it knows.
LEVEL_FACTOR = {"beginner": 1.5, "intermediate": 1.0, "advanced": 0.75}
# Beyond this many people a phase gains nothing from more hands (Brooks).
MAX_USEFUL_PEOPLE_PER_PHASE = 3
TRAINING_WEEKS_PER_UNKNOWN_TOOL = 1.0
# Volume makes ingestion, the stream and operations harder (partitioning, backpressure,
# backfills that take hours, load tests that need their own rig): the phases that carry
# data grow by this factor per tier of the load at the growth horizon.
VOLUME_TIERS = (  # (batch GB a day, events a second) at the horizon: below both -> factor
    (100.0, 10_000, 1.0),
    (1_000.0, 100_000, 1.25),
)
VOLUME_FACTOR_LARGE = 1.5
# Operations: a week for the first runbook and dashboards, and half a week per running
# component to deploy, monitor and rehearse (orchestrator, engines, Kafka, warehouse, store).
OPERATIONS_WEEKS_PER_COMPONENT = 0.5


@dataclass(frozen=True)
class Phase:
    number: int
    name: str
    goal: str
    deliverables: tuple[str, ...]
    exit_criteria: str
    person_weeks: float
    calendar_weeks: float


def _calendar(person_weeks: float, team_size: int) -> float:
    people = min(team_size, MAX_USEFUL_PEOPLE_PER_PHASE)
    return math.ceil(person_weeks / people * 2) / 2  # to the half week


def load_test_target(a: Answers, throughput: Throughput | None, run: BatchRun | None) -> str:
    """The one load a load test must carry, in every phase and document: the design point
    the sizing was made for (today's volume x growth x peak), not a figure of its own."""
    sized = f"{a.growth_factor:g}x growth x {a.peak_factor:g}x peak"
    targets = []
    if throughput is not None:
        targets.append(
            f"{throughput.events_s_peak:,} events/s ({sized} over today's "
            f"{throughput.events_s_today:,}/s)"
        )
    if run is not None:
        targets.append(
            f"a {run.gb_per_run_peak:g} GB batch run within its {run.time_budget_hours:g} h "
            f"budget ({sized} over today's largest run, {run.gb_per_run_today:g} GB)"
        )
    return " and ".join(targets)


def volume_factor(a: Answers) -> float:
    """Rule I: how much the data's volume at the growth horizon adds to the data phases."""
    gb_per_day = a.batch_gb_per_day * a.growth_factor if a.has_batch else 0.0
    events_s = a.events_per_second * a.growth_factor if a.has_streaming else 0.0
    for max_gb, max_events, factor in VOLUME_TIERS:
        if gb_per_day < max_gb and events_s < max_events:
            return factor
    return VOLUME_FACTOR_LARGE


def running_components(a: Answers, stack: dict[str, str | None]) -> list[str]:
    """What operations deploys, monitors and rehearses a failure of."""
    parts = [stack["orchestrator"], stack.get("batch_engine"), stack.get("stream_engine")]
    if a.has_streaming:
        parts.append("kafka")
    parts.append(stack["warehouse"])
    if "realtime_api" in a.consumers:
        parts.append("serving store")
    return [p for p in parts if p]


def tools_to_learn(a: Answers, stack: dict[str, str | None]) -> list[str]:
    """The tools of the design the team lacks: the chosen orchestrator and engines, and Kafka
    when the design has a stream (Faust is Python on Kafka: its training is Kafka's)."""
    used = [t for t in stack.values() if t in ("airflow", "dagster", "prefect", "spark", "flink")]
    if a.has_streaming:
        used.append("kafka")
    return [t for t in dict.fromkeys(used) if t not in a.team_skills]


def implementation_plan(
    a: Answers,
    stack: dict[str, str | None],
    throughput: Throughput | None = None,
    run: BatchRun | None = None,
) -> list[Phase]:
    factor = LEVEL_FACTOR[a.team_level]
    volume = volume_factor(a)
    unknown = tools_to_learn(a, stack)
    target = load_test_target(a, throughput, run)
    components = running_components(a, stack)
    raw: list[tuple[str, str, tuple[str, ...], str, float]] = []
    if unknown:
        raw.append(
            (
                "Training",
                f"Get the team productive on {', '.join(unknown)}.",
                tuple(f"One worked example in {tool} run by every engineer" for tool in unknown),
                "Every engineer has run and changed the generated pipeline locally.",
                TRAINING_WEEKS_PER_UNKNOWN_TOOL * len(unknown) * a.team_size,
            )
        )
    raw.append(
        (
            "Foundation",
            "The generated repository runs locally and in CI on sample data.",
            (
                "Repository, CI and pre-commit green",
                "Contracts reviewed for each dataset",
                "Secrets in the environment, never in the repo",
            ),
            "`make test` passes in CI on every merge request.",
            2.0,
        )
    )
    if a.has_batch:
        raw.append(
            (
                "Batch ingestion",
                f"Real data from {', '.join(a.sources)} lands in the raw and clean zones.",
                (
                    "Source connectors with retries and incremental cursors",
                    "Quarantine with reasons for malformed rows",
                    "Idempotent loads, rerun tested",
                ),
                "A week of production data processed with "
                "rows_in = loaded + quarantined + duplicates.",
                (3.0 + len(a.sources)) * volume,
            )
        )
    else:
        raw.append(
            (
                "Stream ingestion",
                f"Kafka events flow through {stack.get('stream_engine')} into the clean topic "
                "and the lake archive.",
                (
                    "Topics created with the sized partitions",
                    "Checkpointing and the dead-letter topic in place",
                    "A restart resumes from its offsets without loss or duplicates",
                ),
                "A week of production events processed with "
                "received = clean + dead letter + late + duplicates.",
                (3.0 + len(a.sources)) * volume,
            )
        )
    raw.append(
        (
            "Quality and privacy",
            "Checks gate every load; personal data is pseudonymised before the clean zone.",
            (
                f"Quality checks: {', '.join(a.quality_checks) or 'none selected'}",
                f"Compliance controls: {', '.join(a.compliance) or 'none selected'}",
                "Right-to-erasure procedure rehearsed",
            ),
            "No raw PII outside the raw zone; failed checks stop the load.",
            2.0 + 0.5 * len(a.compliance),
        )
    )
    if a.processing_mode == "hybrid":
        raw.append(
            (
                "Streaming path",
                f"Kafka events flow through {stack.get('stream_engine')} within "
                f"{a.streaming_latency_seconds} s.",
                (
                    "Topic created with the sized partitions",
                    "Checkpointing and DLQ in place",
                    "Stream and batch results reconciled daily",
                ),
                f"Latency target met in a load test at {load_test_target(a, throughput, None)}.",
                4.0 * volume,
            )
        )
    serving_store = "realtime_api" in a.consumers
    readers = [x for x in a.consumers if x != "realtime_api"]
    goal = f"{a.warehouse} tables serve {', '.join(readers) or 'the consumers'}"
    deliverables: tuple[str, ...] = (
        "Gold tables and their documentation",
        "Access roles per consumer",
        "Backfill procedure tested",
    )
    if serving_store:  # rule V: the API reads a store the stream keeps current
        goal = (
            f"{a.warehouse} tables serve {', '.join(readers)}; " if readers else ""
        ) + "a serving store kept current by the stream serves the real-time API"
        deliverables += ("Serving store fed from the clean and window topics, failover rehearsed",)
    raw.append(
        (
            "Serving",
            goal + ".",
            deliverables,
            "Consumers sign off on one week of data.",
            2.0 + len(a.consumers) + (2.0 if serving_store else 0.0),
        )
    )
    raw.append(
        (
            "Operations",
            f"The pipeline is observable and on-call ready: {', '.join(components)}.",
            (
                "Dashboards and alert rules deployed",
                "Runbooks for each alert",
                "Load test at the sized peak",
            ),
            f"An alert fires and is resolved by runbook; a load test carries {target}.",
            (1.0 + OPERATIONS_WEEKS_PER_COMPONENT * len(components)) * volume,
        )
    )
    phases = []
    for number, (name, goal, deliverables, exit_criteria, effort) in enumerate(raw):
        person_weeks = round(effort * factor, 1)
        phases.append(
            Phase(
                number,
                name,
                goal,
                deliverables,
                exit_criteria,
                person_weeks,
                _calendar(person_weeks, a.team_size),
            )
        )
    return phases
