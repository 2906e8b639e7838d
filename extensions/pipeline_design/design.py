"""answers -> Design: the one pure function the templates read."""

from __future__ import annotations

from dataclasses import dataclass, field

from . import constants as c
from . import recommend
from .answers import Answers
from .cost import CostEstimate, monthly_cost
from .experimental import not_generated_yet
from .monitoring import Monitoring, Objective, monitoring, objectives
from .plan import Phase, implementation_plan
from .serving import Serving, serving
from .sizing import (
    BatchRun,
    KafkaSizing,
    PolarsSizing,
    Retention,
    SparkSizing,
    Storage,
    StreamSizing,
    Throughput,
    batch_run,
    kafka_sizing,
    polars_sizing,
    retention,
    spark_sizing,
    storage,
    stream_sizing,
    stream_throughput,
)
from .spark_deploy import SparkDeployment, spark_deployment
from .validation import Problem, problems
from .warnings import design_warnings


class DesignError(ValueError):
    """The answers cannot make a design; `problems` says which and why."""

    def __init__(self, found: list[Problem]):
        self.problems = found
        super().__init__("; ".join(str(p) for p in found))


@dataclass(frozen=True)
class Stack:
    processing_mode: str
    orchestrator: str
    batch_engine: str | None
    stream_engine: str | None
    warehouse: str
    lake_format: str
    ci_provider: str
    cloud: str

    def as_dict(self) -> dict[str, str | None]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Design:
    answers: Answers
    stack: Stack
    rationale: dict[str, str]
    warnings: list[str]
    components: frozenset[str]
    throughput: Throughput | None
    kafka: KafkaSizing | None
    stream: StreamSizing | None
    batch: BatchRun | None
    spark: SparkSizing | None
    spark_deploy: SparkDeployment | None
    polars: PolarsSizing | None
    retention: Retention
    storage: Storage
    serving: Serving | None
    cost: CostEstimate
    monitoring: Monitoring
    objectives: list[Objective]
    not_generated_yet: list[str]
    plan: list[Phase] = field(default_factory=list)

    def has(self, component: str) -> bool:
        return component in self.components


def build_design(a: Answers) -> Design:
    found = problems(a)
    if found:
        raise DesignError(found)

    stack = Stack(
        processing_mode=a.processing_mode,
        orchestrator=a.orchestrator,
        batch_engine=a.batch_engine if a.has_batch else None,
        stream_engine=a.stream_engine if a.has_streaming else None,
        warehouse=a.warehouse,
        lake_format=a.lake_format,
        ci_provider=a.ci_provider,
        cloud=a.cloud,
    )
    rationale = _rationale(a, stack)

    throughput = kafka = stream = None
    if a.has_streaming:
        throughput = stream_throughput(a)
        per_consumer = (
            c.FLINK_EVENTS_S_PER_SLOT if a.stream_engine == "flink" else c.FAUST_EVENTS_S_PER_WORKER
        )
        kafka = kafka_sizing(throughput, per_consumer)
        stream = stream_sizing(a, throughput, kafka)

    run = spark = spark_deploy = polars = None
    if a.has_batch:
        run = batch_run(a)
        if a.batch_engine == "spark":
            spark = spark_sizing(a, run)
            spark_deploy = spark_deployment(a, run, spark)
        else:
            polars = polars_sizing(run)

    keep = retention(a)
    store = storage(a, throughput.gb_per_day_today if throughput else 0.0, keep)
    serve = serving(a, throughput)
    estimate = monthly_cost(a, store, run, spark, polars, stream, kafka, serve)
    parts = components(a, stack)
    watch = monitoring(a, run, estimate.batch_compute_usd_per_gb)
    return Design(
        answers=a,
        stack=stack,
        rationale=rationale,
        warnings=design_warnings(
            a, stack.as_dict(), run, throughput, recommend.recommend("orchestrator", a)
        ),
        components=parts,
        throughput=throughput,
        kafka=kafka,
        stream=stream,
        batch=run,
        spark=spark,
        spark_deploy=spark_deploy,
        polars=polars,
        retention=keep,
        storage=store,
        serving=serve,
        cost=estimate,
        monitoring=watch,
        objectives=objectives(a, watch, estimate.usd_per_gb_processed),
        not_generated_yet=not_generated_yet(parts),
        plan=implementation_plan(a, stack.as_dict(), throughput, run),
    )


def _rationale(a: Answers, stack: Stack) -> dict[str, str]:
    """One sentence per choice; an override of the advice says so."""
    reasons: dict[str, str] = {}
    for key in ("processing_mode", "orchestrator", "batch_engine", "stream_engine"):
        chosen = getattr(stack, key)
        if chosen is None:
            continue
        advised, why = recommend.RECOMMENDERS[key](a)
        if chosen == advised:
            reasons[key] = why
        else:
            reasons[key] = f"Chosen by the team over the advised {advised!r} (advice: {why})"
    reasons["warehouse"] = {
        "duckdb": "DuckDB is embedded: the warehouse is a file next to the pipeline, with no "
        f"server to run for {a.batch_gb_per_day:g} GB/day.",
        "postgres": "PostgreSQL serves the consumers with SQL, transactions for idempotent "
        "merges, and tooling every BI client speaks.",
        "snowflake": "Snowflake separates storage from compute so "
        f"{', '.join(a.consumers) or 'consumers'} scale their queries independently of loads.",
    }[a.warehouse]
    reasons["lake_format"] = {
        "parquet": "Parquet files, the clean data of facts partitioned by event date and hour "
        "(Hive folders), keep the lake readable by every engine with no table service.",
        "delta": "Delta Lake tables of the clean data, merged on the contracts' keys and "
        "partitioned by event date and hour, add ACID commits, time travel and idempotent "
        "upserts for lake consumers on top of the Parquet zones; erasure deletes and vacuums.",
    }[a.lake_format]
    return reasons


def components(a: Answers, stack: Stack) -> frozenset[str]:
    """The parts of the generated repository these answers need (drives conditional files)."""
    parts = {
        f"orchestrator_{stack.orchestrator}",
        f"warehouse_{stack.warehouse}",
        f"lake_{stack.lake_format}",
        f"ci_{stack.ci_provider}",
    }
    parts |= {f"source_{s}" for s in a.sources}
    parts |= {f"format_{f}" for f in a.formats}
    parts |= {f"transform_{t}" for t in a.transformations}
    parts |= {f"quality_{q}" for q in a.quality_checks}
    parts |= {f"consumer_{x}" for x in a.consumers}
    if stack.batch_engine:
        parts |= {"batch", f"batch_{stack.batch_engine}"}
    if stack.stream_engine:
        parts |= {"streaming", f"stream_{stack.stream_engine}"}
    if stack.stream_engine and not stack.batch_engine:
        # Streaming-only: the warehouse is loaded from the stream's lake archive (its closed
        # hours, on the orchestrator's schedule), or BI and ML would read an empty warehouse.
        parts.add("batch_from_stream_archive")
    if a.quality_checks:
        parts.add("quality")
    if set(a.compliance) & {"gdpr", "pii_masking", "hipaa"}:
        parts.add("privacy")
    if {"gdpr", "hipaa"} & set(a.compliance):
        parts.add("erasure")
    if set(a.compliance) & {"soc2_audit", "hipaa"}:
        parts.add("audit")
    if "files" in a.sources and a.files_location == "s3":
        parts.add("files_s3")
    return frozenset(parts)
