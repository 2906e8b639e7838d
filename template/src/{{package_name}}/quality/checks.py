"""Run the contract's quality rules and the generic checks on one batch of one dataset.

Which checks run follows the project's `quality_checks` answer (config.QUALITY_CHECKS):

* completeness  ODCS `nullValues` and `rowCount` rules, measured on the raw input
* schema        ODCS `invalidValues` rules on the raw input, and the pandera schema on clean rows
* uniqueness    ODCS `duplicateValues` rules on the clean rows
* freshness     event-time lag against the contract's latency SLA (batch_sla_hours)
* anomaly       today's row count against previous runs (z-score)

Row-level problems are quarantined by validation; these checks judge the batch as a whole
(e.g. "more than 5% of orders lack a customer" means a broken feed, not a few bad rows).
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

import polars as pl

from ..contracts import Contract, QualityRule
from ..transforms.validate import normalised
from .schema import schema_failures

KIND_OF_METRIC = {
    "nullValues": "completeness",
    "rowCount": "completeness",
    "invalidValues": "schema",
    "missingValues": "completeness",
    "duplicateValues": "uniqueness",
}
COMPARE = {
    "mustBe": lambda observed, limit: observed == limit,
    "mustNotBe": lambda observed, limit: observed != limit,
    "mustBeGreaterThan": lambda observed, limit: observed > limit,
    "mustBeGreaterOrEqualTo": lambda observed, limit: observed >= limit,
    "mustBeLessThan": lambda observed, limit: observed < limit,
    "mustBeLessOrEqualTo": lambda observed, limit: observed <= limit,
}


@dataclass(frozen=True)
class CheckResult:
    dataset: str
    check: str
    kind: str
    severity: str
    passed: bool
    observed: float | None
    operator: str | None = None
    threshold: float | None = None
    column: str | None = None
    detail: str = ""

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


Rows = pl.DataFrame | pl.LazyFrame


@dataclass(frozen=True)
class BatchFrames:
    """The stages' outputs for one dataset in one batch, as the checks need them.

    The pipeline passes scans of the zone files: every measure is an aggregate that Polars
    computes in streaming mode, and the row-level schema check reads `clean_chunks` one chunk
    at a time. Each clean chunk holds whole key partitions (see chunking.py), so a key that
    repeats does so within one chunk, and the per-chunk uniqueness check is the batch's.
    """

    raw: Rows
    clean: Rows
    clean_chunks: Callable[[], Iterable[pl.DataFrame]] | None = None

    def chunks(self) -> Iterable[pl.DataFrame]:
        if self.clean_chunks is not None:
            return self.clean_chunks()
        return [self.clean.lazy().collect()]


def aggregate(rows: Rows, *exprs: pl.Expr) -> tuple[Any, ...]:
    """One row of aggregates over `rows`, in streaming mode (never all rows in memory)."""
    return rows.lazy().select(*exprs).collect(engine="streaming").row(0)


def row_count(rows: Rows) -> int:
    return int(aggregate(rows, pl.len())[0])


def run_checks(
    contract: Contract,
    frames: BatchFrames,
    *,
    enabled: Sequence[str],
    now: datetime,
    batch_level: bool = True,
    history: Sequence[int] = (),
    anomaly_z: float = 3.0,
    anomaly_min_history: int = 5,
) -> list[CheckResult]:
    """Every enabled check of one dataset's batch. `batch_level=False` (a DLQ replay) skips
    the rules measured on the raw input, which only make sense for a whole feed."""
    results: list[CheckResult] = []
    for rule in contract.quality:
        kind = KIND_OF_METRIC.get(rule.metric, "schema")
        measured_on_raw = rule.metric != "duplicateValues"
        if kind in enabled and (batch_level or not measured_on_raw):
            results.append(_contract_rule(contract, rule, kind, frames))
    if "schema" in enabled:
        failures: list[str] = []
        for chunk in frames.chunks():
            failures += [f for f in schema_failures(chunk, contract) if f not in failures]
        results.append(
            CheckResult(
                dataset=contract.dataset,
                check="pandera_schema",
                kind="schema",
                severity="error",
                passed=not failures,
                observed=float(len(failures)),
                detail="; ".join(failures[:10]),
            )
        )
    if "freshness" in enabled and contract.freshness_hours is not None and row_count(frames.clean):
        results.append(freshness(contract, frames.clean, now))
    if "anomaly" in enabled and batch_level:
        results.append(
            row_count_anomaly(
                contract.dataset, row_count(frames.raw), history, anomaly_z, anomaly_min_history
            )
        )
    return results


def planned_checks(contract: Contract, enabled: Sequence[str]) -> list[tuple[str, str]]:
    """(check, severity) of every check `run_checks` can report for this dataset, in its
    order: what an orchestrator declares before any batch runs. A batch may report fewer (a
    replay skips the raw-input rules, freshness needs clean rows)."""
    planned: list[tuple[str, str]] = [
        (rule.name, rule.severity)
        for rule in contract.quality
        if KIND_OF_METRIC.get(rule.metric, "schema") in enabled
    ]
    if "schema" in enabled:
        planned.append(("pandera_schema", "error"))
    if "freshness" in enabled and contract.freshness_hours is not None:
        planned.append(("freshness", "warn"))
    if "anomaly" in enabled:
        planned.append(("row_count_anomaly", "warn"))
    return planned


def _contract_rule(
    contract: Contract, rule: QualityRule, kind: str, frames: BatchFrames
) -> CheckResult:
    observed = measure(contract, rule, frames)
    return CheckResult(
        dataset=contract.dataset,
        check=rule.name,
        kind=kind,
        severity=rule.severity,
        passed=COMPARE[rule.operator](observed, rule.threshold),
        observed=observed,
        operator=rule.operator,
        threshold=rule.threshold,
        column=rule.column,
        detail=f"{rule.metric} {rule.operator} {rule.threshold:g} {rule.unit}",
    )


def measure(contract: Contract, rule: QualityRule, frames: BatchFrames) -> float:
    """The value an ODCS library metric compares against its threshold."""
    raw = frames.raw
    if rule.metric == "rowCount":
        return float(row_count(raw))
    if rule.metric == "duplicateValues":
        keys = rule.arguments.get("properties") or list(contract.keys)
        rows, distinct = aggregate(frames.clean, pl.len(), pl.struct(keys).n_unique())
        return _in_unit(rows - distinct, rows, rule.unit)
    if rule.column is None:
        raise ValueError(f"{contract.dataset}: {rule.name}: {rule.metric} needs a column")
    value = normalised(contract.column(rule.column))
    if rule.metric in ("nullValues", "missingValues"):
        failed = value.is_null()
    elif rule.metric == "invalidValues":
        allowed = [str(v) for v in rule.arguments["validValues"]]
        failed = value.is_not_null() & ~value.is_in(allowed)
    else:
        raise ValueError(f"{contract.dataset}: {rule.name}: unsupported metric {rule.metric!r}")
    rows, count = aggregate(raw, pl.len(), failed.sum())
    return _in_unit(int(count), rows, rule.unit)


def _in_unit(count: int, total: int, unit: str) -> float:
    if unit == "percent":
        return round(100.0 * count / total, 4) if total else 0.0
    return float(count)


def freshness_lag_seconds(frame: Rows, contract: Contract, now: datetime) -> float | None:
    latest = aggregate(frame, pl.col(contract.event_time).max())[0]
    if not isinstance(latest, datetime):
        return None
    return max((now - latest).total_seconds(), 0.0)


def freshness(contract: Contract, clean: Rows, now: datetime) -> CheckResult:
    """Warn, don't stop: refusing to load late data would only make it later. The alert on
    pipeline_freshness_lag_seconds pages whoever owns the feed."""
    limit = float(contract.freshness_hours or 0) * 3600
    lag = freshness_lag_seconds(clean, contract, now)
    return CheckResult(
        dataset=contract.dataset,
        check="freshness",
        kind="freshness",
        severity="warn",
        passed=lag is not None and lag <= limit,
        observed=lag,
        operator="mustBeLessOrEqualTo",
        threshold=limit,
        column=contract.event_time,
        detail=(
            f"newest {contract.event_time} is {_age(lag)} old; the SLA is "
            f"{contract.freshness_hours:g} h"
        ),
    )


def _age(seconds: float | None) -> str:
    if seconds is None:
        return "unknown"
    if seconds >= 2 * 86_400:
        return f"{seconds / 86_400:.0f} days"
    return f"{seconds / 3600:.1f} h"


def row_count_anomaly(
    dataset: str, rows: int, history: Sequence[int], z_limit: float, min_history: int
) -> CheckResult:
    """Warn when this batch's row count is more than `z_limit` deviations from history."""
    if len(history) < min_history:
        return CheckResult(
            dataset,
            "row_count_anomaly",
            "anomaly",
            "warn",
            True,
            float(rows),
            detail=f"needs {min_history} previous runs, has {len(history)}",
        )
    mean = statistics.fmean(history)
    spread = statistics.pstdev(history) or max(mean * 0.1, 1.0)
    z = (rows - mean) / spread
    return CheckResult(
        dataset=dataset,
        check="row_count_anomaly",
        kind="anomaly",
        severity="warn",
        passed=abs(z) <= z_limit,
        observed=round(z, 3),
        operator="abs z <=",
        threshold=z_limit,
        detail=f"{rows} rows vs mean {mean:.0f} of the last {len(history)} runs",
    )


def quality_score(results: Sequence[CheckResult]) -> float:
    return sum(r.passed for r in results) / len(results) if results else 1.0


def blocking(results: Sequence[CheckResult]) -> list[CheckResult]:
    return [r for r in results if not r.passed and r.severity == "error"]
