"""The pipeline: contract-driven stages over the lake zones, and the one entry point that the
CLI and the orchestrator both call.

    extract   input files -> raw zone (strings as received + _batch_id, _source, _ingested_at)
    validate  raw -> validated (typed, PII masked) + quarantine (rows with `_reason`)
    transform validated -> clean (cleaned, deduplicated by key, enriched with reference data)
    quality   contract checks on the batch; an `error` stops the run before loading
    load      clean -> warehouse (MERGE on keys) + gold days recomputed, in one transaction

Every stage reads the previous stage's zone for the batch and records its counts in the
batch state, so each can run alone. PII is masked in `validate`, the first stage that
writes outside the raw zone and the quarantine, so no later zone ever holds it in clear.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
import structlog
from openlineage.client.event_v2 import RunState

from .batch import BatchState
from .config import PIPELINE_NAME, QUALITY_CHECKS, TRANSFORMATIONS, Settings
from .contracts import Contract, load_contracts
from .observability.lineage import Lineage
from .observability.metrics import RunMetrics, publish
from .privacy.keys import pii_key
from .privacy.masking import mask
from .quality.checks import BatchFrames, CheckResult, blocking, quality_score, run_checks
from .sinks.lake import Lake, read_parquet, write_parquet_atomic
from .sinks.warehouse import Warehouse
from .sources.files import InputFile, discover, read_raw
from .transforms.aggregate import GOLD_TABLES
from .transforms.clean import clean
from .transforms.dedup import deduplicate
from .transforms.enrich import enrich
from .transforms.features import customer_features
from .transforms.validate import TIMESTAMP_FORMAT, validate

STAGES = ("extract", "validate", "transform", "quality", "load")
FILES_BATCH_PREFIX = "b"  # replays start with "r", backfills with "f"
log = structlog.get_logger(__name__)


class PipelineError(RuntimeError):
    """A run stopped on purpose: the message says why and what to do."""


class QualityGateError(PipelineError):
    pass


class ReconciliationError(PipelineError):
    pass


@dataclass(frozen=True)
class RunSummary:
    state: BatchState | None
    warehouse: Path
    lake: Path
    metrics: Path

    @property
    def loaded_anything(self) -> bool:
        return self.state is not None and any(c["loaded"] for c in self.state.counts.values())


class Pipeline:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.contracts = load_contracts(settings.contracts_dir)
        self.lake = Lake(settings.lake_dir)
        self.batches_dir = settings.lake_dir / "_batches"

    def warehouse(self) -> Warehouse:
        return Warehouse(self.settings.warehouse_file)

    def summary(self, state: BatchState | None) -> RunSummary:
        s = self.settings
        return RunSummary(state, s.warehouse_file, s.lake_dir, s.metrics_file)

    # -- planning: which batch to run -------------------------------------------------
    def plan_files(self, command: str = "run") -> BatchState | None:
        """A batch of the input files not loaded yet, or None when there is nothing new."""
        pii_key(self.settings)  # refuse a bad key before anything is written
        files = discover(self.settings.input_dir, self.contracts)
        with self.warehouse() as wh:
            done = wh.processed_fingerprints()
        new = [f for f in files if f.sha256 not in done]
        if not new:
            return None
        # Same files, same batch id: a re-run after a crash overwrites instead of duplicating.
        batch_id = _batch_id(FILES_BATCH_PREFIX, sorted(f.sha256 for f in new))
        return BatchState(
            batch_id=batch_id,
            kind="files",
            command=command,
            files=[f.as_dict() for f in new],
            datasets=sorted({f.dataset for f in new}, key=list(self.contracts).index),
        )

    def plan_replay(self, dataset: str | None = None) -> BatchState | None:
        """A batch of every quarantined row (of one dataset), re-validated by today's rules."""
        pii_key(self.settings)
        # Only loaded batches: an open or failed batch still owns its quarantine (a re-run
        # of it rewrites the same file).
        paths = [
            p
            for p in self.lake.files("quarantine", dataset)
            if self._batch_status(p.parent.name.removeprefix("batch_id=")) == "loaded"
        ]
        if not paths:
            return None
        datasets = sorted({p.parent.parent.name for p in paths}, key=list(self.contracts).index)
        return BatchState(
            batch_id=_batch_id("r", [str(p) for p in paths] + [str(time.time_ns())]),
            kind="replay",
            command="dlq replay",
            replayed=[str(p) for p in paths],
            datasets=datasets,
        )

    def _batch_status(self, batch_id: str) -> str | None:
        try:
            return BatchState.load(self.batches_dir, batch_id).status
        except FileNotFoundError:
            return None

    def plan_backfill(self, start: date, end: date) -> BatchState:
        """Re-process the raw zone's rows whose event time falls in [start, end]."""
        pii_key(self.settings)
        window = (start.isoformat(), end.isoformat())
        return BatchState(
            batch_id=_batch_id("f", [*window, str(time.time_ns())]),
            kind="backfill",
            command=f"backfill --start {start} --end {end}",
            window=window,
            datasets=[d for d in self.contracts if any(self.lake.files("raw", d))],
        )

    # -- running ----------------------------------------------------------------------
    def run(self, command: str = "run") -> RunSummary:
        state = self.plan_files(command)
        if state is None:
            self.record_idle_run(command)
            return self.summary(None)
        return self.summary(self.execute(state))

    def execute(self, state: BatchState, stages: Sequence[str] = STAGES) -> BatchState:
        """Run `stages` of a batch, with its bookkeeping: lineage, audit trail, metrics."""
        structlog.contextvars.bind_contextvars(batch_id=state.batch_id, run_id=state.run_id)
        if "extract" in stages:
            self.lineage().emit(
                RunState.START, state.run_id, state.kind, inputs=[f["path"] for f in state.files]
            )
        try:
            for name in stages:
                self.run_stage(name, state)
        except Exception as error:
            state.status = "failed"
            state.error = f"{type(error).__name__}: {error}"
            state.save(self.batches_dir)
            log.error("batch_failed", stage=name, error=state.error)
            if state.kind != "files":
                # Its rows are still where they came from (quarantine or raw zone); a copy in
                # this batch's quarantine would be replayed twice.
                for dataset in state.datasets:
                    self.lake.batch_file("quarantine", dataset, state.batch_id).unlink(
                        missing_ok=True
                    )
            self.finish(state, success=False)
            raise
        if "load" in stages:
            state.status = "loaded"
            state.save(self.batches_dir)
            self.finish(state, success=True)
        return state

    def run_stage(self, name: str, state: BatchState) -> None:
        stage: Callable[[BatchState], None] = {
            "extract": self.extract,
            "validate": self.validate,
            "transform": self.transform,
            "quality": self.check_quality,
            "load": self.load,
        }[name]
        started = time.perf_counter()
        log.info("stage_started", stage=name)
        stage(state)
        state.stage_seconds[name] = round(time.perf_counter() - started, 3)
        if name not in state.stages_done:
            state.stages_done.append(name)
        state.save(self.batches_dir)
        log.info("stage_finished", stage=name, seconds=state.stage_seconds[name])

    def open_batch(self, batch_id: str | None = None) -> BatchState:
        state = (
            BatchState.load(self.batches_dir, batch_id)
            if batch_id
            else BatchState.latest_open(self.batches_dir)
        )
        if state is None:
            raise PipelineError("No open batch: run `run --stage extract` first.")
        return state

    # -- stages -----------------------------------------------------------------------
    def extract(self, state: BatchState) -> None:
        ingested_at = datetime.now(UTC)
        for dataset in state.datasets:
            contract = self.contracts[dataset]
            if state.kind == "files":
                frames = [
                    read_raw(_input(f), contract, batch_id=state.batch_id, ingested_at=ingested_at)
                    for f in state.files
                    if f["dataset"] == dataset
                ]
            elif state.kind == "replay":
                frames = [
                    _requeue(read_parquet(Path(p)), state.batch_id)
                    for p in state.replayed
                    if Path(p).parent.parent.name == dataset
                ]
            else:
                frames = [self._backfill_rows(contract, state)]
            raw = pl.concat(frames, how="vertical_relaxed")
            self.lake.write(raw, "raw", dataset, state.batch_id)
            state.count(dataset, "rows_in", raw.height)
            log.info("extracted", dataset=dataset, rows=raw.height, files=len(frames))

    def validate(self, state: BatchState) -> None:
        key = pii_key(self.settings)
        for dataset in state.datasets:
            contract = self.contracts[dataset]
            result = validate(self.lake.read("raw", dataset, state.batch_id), contract)
            self.lake.write(mask(result.valid, contract, key), "validated", dataset, state.batch_id)
            if result.quarantine.height:
                self.lake.write(result.quarantine, "quarantine", dataset, state.batch_id)
            state.count(dataset, "quarantined", result.quarantine.height)
            state.reasons[dataset] = _reason_counts(result.quarantine)
            log.info(
                "validated",
                dataset=dataset,
                valid=result.valid.height,
                quarantined=result.quarantine.height,
                reasons=state.reasons[dataset],
            )

    def transform(self, state: BatchState) -> None:
        references: dict[str, pl.DataFrame] = {}
        for dataset in self.contracts:  # reference data first (load_contracts orders them)
            contract = self.contracts[dataset]
            frame = (
                self.lake.read("validated", dataset, state.batch_id)
                if dataset in state.datasets
                else None
            )
            if contract.role == "reference":
                references[dataset] = self._reference_rows(contract, frame)
            if frame is None:
                continue
            if "cleaning" in TRANSFORMATIONS:
                frame = clean(frame, contract)
            duplicates = 0
            if "dedup" in TRANSFORMATIONS:
                result = deduplicate(frame, contract)
                frame, duplicates = result.frame, result.duplicates_dropped
            if "enrichment" in TRANSFORMATIONS and contract.role == "fact":
                frame = enrich(frame, contract, references)
            self.lake.write(frame, "clean", dataset, state.batch_id)
            state.count(dataset, "duplicates", duplicates)
            state.count(dataset, "loaded", frame.height)

    def check_quality(self, state: BatchState) -> None:
        now = self._quality_clock(state)
        results: list[CheckResult] = []
        with self.warehouse() as wh:
            for dataset in state.datasets:
                frames = BatchFrames(
                    raw=self.lake.read("raw", dataset, state.batch_id),
                    clean=self.lake.read("clean", dataset, state.batch_id),
                )
                results += run_checks(
                    self.contracts[dataset],
                    frames,
                    enabled=QUALITY_CHECKS,
                    # A replay holds only rows that failed before: shares of bad rows in it
                    # say nothing about a feed. Its clean rows are still checked.
                    batch_level=state.kind != "replay",
                    now=now,
                    history=wh.row_count_history(dataset),
                    anomaly_z=self.settings.anomaly_z_threshold,
                    anomaly_min_history=self.settings.anomaly_min_history,
                )
            state.quality = [r.as_dict() for r in results]
            with wh.transaction():
                wh.record_quality(state.run_id, state.batch_id, state.quality)
        for failed in (r for r in results if not r.passed):
            log.warning(
                "quality_check_failed",
                dataset=failed.dataset,
                check=failed.check,
                severity=failed.severity,
                observed=failed.observed,
                detail=failed.detail,
            )
        stop = blocking(results)
        if stop:
            names = ", ".join(f"{r.dataset}.{r.check}" for r in stop)
            raise QualityGateError(
                f"{len(stop)} error-severity quality check(s) failed: {names}. Nothing was "
                "loaded; see ops.quality_results and the quarantine, fix, then re-run."
            )

    def load(self, state: BatchState) -> None:
        clean_frames = {d: self.lake.read("clean", d, state.batch_id) for d in state.datasets}
        _reconcile(state)
        with self.warehouse() as wh, wh.transaction():
            for dataset, frame in clean_frames.items():
                contract = self.contracts[dataset]
                wh.merge(dataset, frame, contract.keys, contract.event_time)
            if "aggregation" in TRANSFORMATIONS:
                self._load_gold(wh, clean_frames)
            if "ml_features" in TRANSFORMATIONS:
                self._load_features(wh, clean_frames)
            wh.record_files(state.batch_id, state.files)
            wh.record_counts(state.batch_id, state.counts)
        with self.warehouse() as wh:
            for table in self._gold_table_names():
                if wh.table_exists("gold", table):
                    write_parquet_atomic(
                        wh.query(f"SELECT * FROM gold.{table}"), self.lake.gold_file(table)
                    )
        for (
            path
        ) in state.replayed:  # replayed rows now live in this batch (loaded or re-quarantined)
            Path(path).unlink(missing_ok=True)

    # -- helpers ----------------------------------------------------------------------
    def _reference_rows(self, contract: Contract, batch: pl.DataFrame | None) -> pl.DataFrame:
        """This batch's reference rows over the warehouse's (the batch is newer)."""
        with self.warehouse() as wh:
            stored = wh.read_silver(contract.dataset)
        frames = [f for f in (stored, batch) if f is not None and f.height]
        if not frames:
            return pl.DataFrame()
        common = [c for c in frames[-1].columns if all(c in f.columns for f in frames)]
        rows = pl.concat([f.select(common) for f in frames], how="vertical_relaxed")
        return rows.unique(subset=list(contract.keys), keep="last", maintain_order=True)

    def _gold_table_names(self) -> list[str]:
        names = [g.name for g in GOLD_TABLES] if "aggregation" in TRANSFORMATIONS else []
        return names + (["customer_features"] if "ml_features" in TRANSFORMATIONS else [])

    def _load_gold(self, wh: Warehouse, clean_frames: dict[str, pl.DataFrame]) -> None:
        """Recompute the gold rows of every day this batch touched, from all clean rows."""
        for gold in GOLD_TABLES:
            batch = clean_frames.get(gold.source)
            if batch is None or not batch.height:
                continue
            day = pl.col(gold.time_column).dt.date()
            days = batch.select(day.unique().sort()).to_series().to_list()
            marks = ", ".join("?" for _ in days)
            rows = wh.read_silver(
                gold.source, f"CAST({gold.time_column} AS DATE) IN ({marks})", days
            )
            wh.replace_partitions("gold", gold.name, gold.build(rows), gold.day_column, days)

    def _load_features(self, wh: Warehouse, clean_frames: dict[str, pl.DataFrame]) -> None:
        touched: set[str] = set()
        for dataset, column in (("orders", "customer_id"), ("events", "user_id")):
            if dataset in clean_frames:
                touched |= set(clean_frames[dataset].get_column(column).drop_nulls().to_list())
        if not touched:
            return
        ids = sorted(touched)
        marks = ", ".join("?" for _ in ids)
        orders = wh.read_silver("orders", f"customer_id IN ({marks})", ids)
        events = wh.read_silver("events", f"user_id IN ({marks})", ids)
        if not orders.height or not events.height:
            return  # features combine both datasets: wait until both have been loaded
        features = customer_features(orders, events)
        wh.replace_partitions("gold", "customer_features", features, "customer_id", ids)

    def _backfill_rows(self, contract: Contract, state: BatchState) -> pl.DataFrame:
        assert state.window is not None
        start, end = (date.fromisoformat(d) for d in state.window)
        event_day = (
            pl.col(contract.event_time)
            .str.strip_chars()
            .str.to_datetime(TIMESTAMP_FORMAT, time_zone="UTC", strict=False)
            .dt.date()
        )
        # Only the raw copies of input files: replay and backfill batches hold copies of them.
        frames = [
            read_parquet(p)
            for p in self.lake.files("raw", contract.dataset)
            if p.parent.name.removeprefix("batch_id=").startswith(FILES_BATCH_PREFIX)
        ]
        rows = pl.concat(frames, how="vertical_relaxed").filter(event_day.is_between(start, end))
        return rows.with_columns(_batch_id=pl.lit(state.batch_id))

    def _quality_clock(self, state: BatchState) -> datetime:
        """Freshness is judged at the end of a backfill window, otherwise now."""
        if state.window:
            return datetime.combine(date.fromisoformat(state.window[1]), datetime.max.time(), UTC)
        return datetime.now(UTC)

    # -- bookkeeping ------------------------------------------------------------------
    def lineage(self) -> Lineage:
        return Lineage(self.settings.lineage_file, self.settings.warehouse_file)

    def finish(self, state: BatchState, *, success: bool) -> None:
        ended = datetime.now(UTC)
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
        self._publish_metrics(state, success=success, ended=ended)
        loaded = {d: c["loaded"] for d, c in state.counts.items()} if success else None
        self.lineage().emit(
            RunState.COMPLETE if success else RunState.FAIL,
            state.run_id,
            state.kind,
            inputs=[f["path"] for f in state.files],
            outputs=loaded,
            error=state.error,
        )

    def record_idle_run(self, command: str) -> None:
        """A scheduled run that found nothing new still succeeded, and says so."""
        now = datetime.now(UTC)
        state = BatchState(batch_id="", kind="files", command=command, started_at=now.isoformat())
        for dataset in self.contracts:
            state.count(dataset, "rows_in", 0)
        with self.warehouse() as wh, wh.transaction():
            wh.record_run(
                run_id=state.run_id,
                batch_id=None,
                pipeline=PIPELINE_NAME,
                command=command,
                run_by=self.settings.user,
                started_at=now,
                ended_at=datetime.now(UTC),
                outcome="no_new_data",
            )
        self._publish_metrics(state, success=True, ended=datetime.now(UTC))

    def _publish_metrics(self, state: BatchState, *, success: bool, ended: datetime) -> None:
        results = [CheckResult(**r) for r in state.quality]
        by_dataset: dict[str, list[CheckResult]] = {}
        for result in results:
            by_dataset.setdefault(result.dataset, []).append(result)
        with self.warehouse() as wh:
            last_success = wh.last_success_at()
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
            ),
            self.settings.metrics_file,
            self.settings.pushgateway_url,
        )


def _batch_id(prefix: str, parts: Sequence[str]) -> str:
    return prefix + hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def _input(record: dict[str, object]) -> InputFile:
    return InputFile(
        dataset=str(record["dataset"]),
        path=Path(str(record["path"])),
        sha256=str(record["sha256"]),
        size_bytes=int(str(record["size_bytes"])),
    )


def _requeue(quarantined: pl.DataFrame, batch_id: str) -> pl.DataFrame:
    """Quarantined rows back in their raw shape, as rows of the replay batch."""
    return quarantined.drop("_reason", "_quarantined_at").with_columns(_batch_id=pl.lit(batch_id))


def _reason_counts(quarantine: pl.DataFrame) -> dict[str, int]:
    if not quarantine.height:
        return {}
    reasons = quarantine.select(pl.col("_reason").str.split("; ").explode()).to_series()
    return dict(sorted(reasons.value_counts().iter_rows()))


def _reconcile(state: BatchState) -> None:
    """rows_in = loaded + quarantined + duplicates, for every dataset, or the batch fails."""
    for dataset, c in state.counts.items():
        accounted = c["loaded"] + c["quarantined"] + c["duplicates"]
        if c["rows_in"] != accounted:
            raise ReconciliationError(
                f"{dataset}: {c['rows_in']} rows in but {accounted} accounted for "
                f"({c['loaded']} loaded + {c['quarantined']} quarantined + "
                f"{c['duplicates']} duplicates). Nothing was loaded."
            )
