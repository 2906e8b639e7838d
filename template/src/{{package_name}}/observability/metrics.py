"""Prometheus metrics of a run: a textfile for node_exporter, and the pushgateway if set.

The metric names are the interface of deploy/monitoring (alert rules, Grafana dashboard):
change them there too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from prometheus_client import CollectorRegistry, Gauge, push_to_gateway, write_to_textfile

from ..config import PIPELINE_NAME


@dataclass
class RunMetrics:
    success: bool
    started_at: float
    ended_at: float
    last_success_at: float | None
    stage_seconds: Mapping[str, float] = field(default_factory=dict)
    # dataset -> {"rows_in", "loaded", "quarantined", "duplicates"}
    counts: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    quality_score: Mapping[str, float] = field(default_factory=dict)
    # dataset -> severity -> failed checks
    failed_checks: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    freshness_lag_seconds: Mapping[str, float] = field(default_factory=dict)


def build_registry(run: RunMetrics) -> CollectorRegistry:
    registry = CollectorRegistry()
    p = {"pipeline": PIPELINE_NAME}

    def gauge(name: str, doc: str, labels: tuple[str, ...] = ()) -> Gauge:
        return Gauge(name, doc, ("pipeline", *labels), registry=registry)

    gauge("pipeline_last_run_success", "1 if the last run succeeded, else 0").labels(**p).set(
        int(run.success)
    )
    gauge("pipeline_last_run_timestamp_seconds", "End of the last run (unix time)").labels(**p).set(
        run.ended_at
    )
    if run.last_success_at is not None:
        gauge("pipeline_last_success_timestamp_seconds", "End of the last successful run").labels(
            **p
        ).set(run.last_success_at)
    gauge("pipeline_run_duration_seconds", "Wall time of the last run").labels(**p).set(
        run.ended_at - run.started_at
    )
    stage = gauge("pipeline_stage_duration_seconds", "Wall time per stage", ("stage",))
    for name, seconds in run.stage_seconds.items():
        stage.labels(stage=name, **p).set(seconds)

    rows = {
        "rows_in": gauge("pipeline_rows_in", "Rows read in the last run", ("dataset",)),
        "loaded": gauge("pipeline_rows_loaded", "Rows merged into the warehouse", ("dataset",)),
        "quarantined": gauge(
            "pipeline_rows_quarantined", "Rows sent to the quarantine", ("dataset",)
        ),
        "duplicates": gauge("pipeline_rows_duplicates", "Duplicate rows dropped", ("dataset",)),
    }
    for dataset, counts in run.counts.items():
        for key, metric in rows.items():
            metric.labels(dataset=dataset, **p).set(counts.get(key, 0))

    score = gauge("pipeline_quality_score", "Share of quality checks passed (0..1)", ("dataset",))
    for dataset, value in run.quality_score.items():
        score.labels(dataset=dataset, **p).set(value)
    failed = gauge(
        "pipeline_quality_failed_checks", "Failed quality checks", ("dataset", "severity")
    )
    for dataset, by_severity in run.failed_checks.items():
        for severity, count in by_severity.items():
            failed.labels(dataset=dataset, severity=severity, **p).set(count)
    lag = gauge("pipeline_freshness_lag_seconds", "Age of the newest event loaded", ("dataset",))
    for dataset, seconds in run.freshness_lag_seconds.items():
        lag.labels(dataset=dataset, **p).set(seconds)
    return registry


def publish(run: RunMetrics, textfile: Path, pushgateway_url: str | None = None) -> None:
    registry = build_registry(run)
    textfile.parent.mkdir(parents=True, exist_ok=True)
    # write_to_textfile writes a temporary file and renames it: scrapers never see half a file.
    write_to_textfile(str(textfile), registry)
    if pushgateway_url:
        push_to_gateway(pushgateway_url, job=PIPELINE_NAME, registry=registry)
