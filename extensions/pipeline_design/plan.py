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
    unknown = tools_to_learn(a, stack)
    target = load_test_target(a, throughput, run)
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
    raw.append(
        (
            "Batch ingestion" if a.has_batch else "Stream ingestion",
            f"Real data from {', '.join(a.sources)} lands in the raw and clean zones.",
            (
                "Source connectors with retries and incremental cursors",
                "Quarantine with reasons for malformed rows",
                "Idempotent loads, rerun tested",
            ),
            "A week of production data processed with rows_in = loaded + quarantined + duplicates.",
            3.0 + len(a.sources),
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
                4.0,
            )
        )
    raw.append(
        (
            "Serving",
            f"{a.warehouse} tables serve {', '.join(a.consumers) or 'the consumers'}.",
            (
                "Gold tables and their documentation",
                "Access roles per consumer",
                "Backfill procedure tested",
            ),
            "Consumers sign off on one week of data.",
            2.0 + len(a.consumers),
        )
    )
    raw.append(
        (
            "Operations",
            "The pipeline is observable and on-call ready.",
            (
                "Dashboards and alert rules deployed",
                "Runbooks for each alert",
                "Load test at the sized peak",
            ),
            f"An alert fires and is resolved by runbook; a load test carries {target}.",
            2.0,
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
