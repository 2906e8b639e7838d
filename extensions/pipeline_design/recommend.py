"""The architect's advice: the computed defaults of the stack questions.

Each function returns the recommended value and the sentence that justifies it
with the user's own numbers. Pressing Enter at the question accepts it.
"""

from __future__ import annotations

from . import constants as c
from .answers import Answers
from .sizing import batch_run, faust_workers_needed, polars_sizing, stream_throughput

# When the team knows several orchestrators, the one that runs a small pipeline
# in process, without a server, comes first (measured: STACK_NOTES.md).
ORCHESTRATOR_PREFERENCE = ("dagster", "airflow", "prefect")


def processing_mode(a: Answers) -> tuple[str, str]:
    batch = [s for s in a.sources if s != "kafka"]
    if a.has_kafka and batch:
        return "hybrid", (
            f"Kafka arrives continuously while {', '.join(batch)} arrive in batches, "
            "so one streaming path and one scheduled batch path share the same contracts."
        )
    if a.has_kafka:
        return "streaming", "Kafka is the only source, so every record is processed as it arrives."
    return "batch", (
        f"All sources ({', '.join(a.sources)}) are read in batches on a schedule; "
        "no stream infrastructure is needed."
    )


def orchestrator(a: Answers) -> tuple[str, str]:
    known = [o for o in ORCHESTRATOR_PREFERENCE if o in a.team_skills]
    if known:
        choice = known[0]
        return choice, (
            f"The team already runs {choice.capitalize()}; keeping it avoids a second "
            "scheduler to learn and operate."
        )
    return "dagster", (
        f"No orchestrator is known to the team of {a.team_size}; Dagster runs the pipeline "
        "in process without a server (~5 s for a small run here), shows the warehouse "
        "tables as assets with the contracts' quality rules as their checks, and blocks "
        "loading on a failed error-severity check."
    )


def batch_engine(a: Answers) -> tuple[str, str]:
    run = batch_run(a)
    node = polars_sizing(run)
    if not node.fits_size:
        return "spark", (
            f"A peak run reads {run.gb_per_run_peak:,.0f} GB ({a.batch_gb_per_day:g} GB/day x "
            f"{a.growth_factor:g} growth x {a.peak_factor:g} peak over {run.runs_per_day:g} "
            f"run(s) a day), beyond the {c.POLARS_MAX_RUN_GB:g} GB one node handles "
            "comfortably, so Spark spreads it over executors."
        )
    if not node.fits_time:
        return "spark", (
            f"A peak run reads {run.gb_per_run_peak:,.2f} GB: ~{node.est_run_minutes_peak} min "
            f"on one node at the measured {c.POLARS_NODE_MB_S:g} MB/s, beyond its "
            f"{node.time_budget_minutes} min budget (rule B), so Spark spreads it over "
            "executors."
        )
    known = " Spark is known to the team but" if "spark" in a.team_skills else ""
    return "polars", (
        f"A peak run reads {run.gb_per_run_peak:,.2f} GB, within one node's "
        f"{c.POLARS_MAX_RUN_GB:g} GB limit (~{node.est_run_minutes_peak} min of its "
        f"{node.time_budget_minutes} min budget, ~{node.node_memory_gb} GB of memory);{known} "
        "Polars runs it in process with no cluster to operate."
    )


def stream_engine(a: Answers) -> tuple[str, str]:
    t = stream_throughput(a)
    workers = faust_workers_needed(t)
    if "flink" in a.team_skills:
        return "flink", (
            f"The team knows Flink, and it carries {t.events_s_peak:,} events/s at the peak "
            "with exactly-once state and event-time windows."
        )
    if workers > c.FAUST_MAX_RECOMMENDED_WORKERS:
        return "flink", (
            f"At {t.events_s_peak:,} events/s at the peak ({a.events_per_second:,} x "
            f"{a.growth_factor:g} growth x {a.peak_factor:g} peak) Faust would need ~{workers} "
            f"workers at ~{c.FAUST_EVENTS_S_PER_WORKER:,} events/s each; Flink scales with "
            "parallel slots and keeps large keyed state in RocksDB."
        )
    return "faust", (
        f"{t.events_s_peak:,} events/s at the peak fit ~{workers} Faust worker(s) "
        f"(~{c.FAUST_EVENTS_S_PER_WORKER:,} events/s each), in plain Python with no JVM cluster."
    )


RECOMMENDERS = {
    "processing_mode": processing_mode,
    "orchestrator": orchestrator,
    "batch_engine": batch_engine,
    "stream_engine": stream_engine,
}


def recommend(key: str, a: Answers) -> str:
    return RECOMMENDERS[key](a)[0]
