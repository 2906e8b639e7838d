"""The books of a run: its audit row, its metrics and its lineage events.

Engine-neutral: they read the batch state (counts, stage times, quality results), never rows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from openlineage.client.event_v2 import RunState

from .batch import BatchState
from .config import PIPELINE_NAME, PRICE_VCPU_HOUR_USD, RUN_VCPUS, Settings
from .observability.lineage import Field, Lineage, Output, ParentRun
from .observability.metrics import RunMetrics, publish
from .observability.usage import RunUsage
from .quality.checks import CheckResult, quality_score
from .sinks.warehouse import Warehouse


class Recorder:
    def __init__(
        self,
        settings: Settings,
        warehouse: Callable[[], Warehouse],
        lineage: Callable[[], Lineage],
        parent: ParentRun | None = None,
    ) -> None:
        self.settings = settings
        self.warehouse = warehouse
        self.lineage = lineage
        # The orchestrator's run (or the scheduler's, from the environment) this process's
        # batches run under: their lineage events name it as their parent.
        self.parent = parent

    def started(self, state: BatchState) -> None:
        self.lineage().emit(
            RunState.START, state.run_id, state.kind, inputs=state.files, parent=self.parent
        )

    def finished(self, state: BatchState, *, success: bool, gold: Sequence[str] = ()) -> None:
        """The batch's outcome: audit row, metrics, lineage event. `gold`: the gold tables
        its load recomputed."""
        ended = datetime.now(UTC)
        outputs: list[Output] = []
        results = [CheckResult(**r) for r in state.quality]
        with self.warehouse() as wh, wh.transaction():
            wh.record_run(
                run_id=state.run_id,
                batch_id=state.batch_id,
                pipeline=PIPELINE_NAME,
                command=state.command,
                run_by=self.settings.user,
                started_at=datetime.fromisoformat(state.started_at),
                ended_at=ended,
                outcome="success" if success else "failed",
                error=state.error,
                input_files=state.files or state.replayed,
                counts=state.counts,
                quality={r.check + "@" + r.dataset: r.passed for r in results},
            )
            wh.record_usage(state.run_id, state.batch_id, run_usage(state, ended, success))
            if success:  # the tables as loaded: their real columns and types
                written: list[tuple[str, str, int | None]] = [
                    ("silver", d, c["loaded"]) for d, c in state.counts.items()
                ]
                written += [("gold", table, None) for table in gold]
                for schema, table, rows in written:
                    fields = [Field(n, t) for n, t in wh.column_types(schema, table)]
                    if fields or rows:
                        outputs.append(Output(schema, table, fields, rows))
        self.metrics(state, success=success, ended=ended)
        self.lineage().emit(
            RunState.COMPLETE if success else RunState.FAIL,
            state.run_id,
            state.kind,
            inputs=state.files,
            outputs=outputs,
            parent=self.parent,
            error=state.error,
        )

    def idle(self, state: BatchState) -> None:
        """A run that found nothing new: an audit row that says so, and its metrics."""
        with self.warehouse() as wh, wh.transaction():
            wh.record_run(
                run_id=state.run_id,
                batch_id=None,
                pipeline=PIPELINE_NAME,
                command=state.command,
                run_by=self.settings.user,
                started_at=datetime.fromisoformat(state.started_at),
                ended_at=datetime.now(UTC),
                outcome="no_new_data",
            )
        self.metrics(state, success=True, ended=datetime.now(UTC), idle=True)

    def metrics(
        self, state: BatchState, *, success: bool, ended: datetime, idle: bool = False
    ) -> None:
        results = [CheckResult(**r) for r in state.quality]
        by_dataset: dict[str, list[CheckResult]] = {}
        for result in results:
            by_dataset.setdefault(result.dataset, []).append(result)
        with self.warehouse() as wh:
            last_success = wh.last_success_at()
        usage = run_usage(state, ended, success)
        publish(
            RunMetrics(
                success=success,
                started_at=datetime.fromisoformat(state.started_at).timestamp(),
                ended_at=ended.timestamp(),
                last_success_at=last_success.timestamp() if last_success else None,
                stage_seconds=state.stage_seconds,
                counts=state.counts,
                quality_score={d: quality_score(rs) for d, rs in by_dataset.items()},
                failed_checks={
                    d: {
                        s: sum(1 for r in rs if not r.passed and r.severity == s)
                        for s in ("error", "warn")
                    }
                    for d, rs in by_dataset.items()
                },
                freshness_lag_seconds={
                    r.dataset: r.observed
                    for r in results
                    if r.kind == "freshness" and r.observed is not None
                },
                stage_usage=state.stage_usage,
                stage_rows=stage_rows(state),
                failed_stage=None if success else state.stage,
                idle=idle,
                input_bytes=usage.input_bytes,
                cost_usd=usage.cost_usd,
            ),
            self.settings.metrics_file,
            self.settings.pushgateway_url,
        )


def run_usage(state: BatchState, ended: datetime, success: bool) -> RunUsage:
    """The run's input, stages' usage and cost, for its metrics and ops.stage_usage and
    ops.run_costs: the design's price of its wall time on the vCPUs a run is given."""
    seconds = max((ended - datetime.fromisoformat(state.started_at)).total_seconds(), 0.0)
    return RunUsage(
        stages=state.stage_usage,
        outcome="success" if success else "failed",
        input_bytes=sum(int(f.get("size_bytes", 0)) for f in state.files),
        vcpus=RUN_VCPUS,
        usd_per_vcpu_hour=PRICE_VCPU_HOUR_USD,
        cost_usd=seconds / 3600 * RUN_VCPUS * PRICE_VCPU_HOUR_USD,
    )


def stage_rows(state: BatchState) -> dict[str, dict[str, tuple[int, int]]]:
    """Rows into and out of each stage that ran, per dataset, from the batch's counts:
    validation quarantines, the transform drops duplicates, the others keep every row."""
    rows: dict[str, dict[str, tuple[int, int]]] = {}
    for dataset, c in state.counts.items():
        valid = c["rows_in"] - c["quarantined"]
        flow = {
            "extract": (c["rows_in"], c["rows_in"]),
            "validate": (c["rows_in"], valid),
            "transform": (valid, c["loaded"]),
            "load": (c["loaded"], c["loaded"]),
        }
        for stage, counts in flow.items():
            if stage in state.stages_done:
                rows.setdefault(stage, {})[dataset] = counts
    return rows
