"""Prometheus metrics of a run: a textfile for node_exporter, and the pushgateway if set.

The metric names are the interface of deploy/monitoring (alert rules, Grafana dashboard):
change them there too.

Most series describe the last run (gauges). The distributions (stage and run times) and
the totals (runs, stage failures, cost) span every run: a batch process exits after its
run, so their running counts live in a small JSON file next to the textfile
(`RunHistory`), and each run adds itself and writes them out again as Prometheus
histograms and counters. Dashboards take percentiles over any window from them, e.g.
`histogram_quantile(0.95, sum by (le, stage) (increase(pipeline_stage_seconds_bucket[7d])))`.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry, Gauge, push_to_gateway, write_to_textfile
from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector

from ..config import PIPELINE_NAME, RUN_SECONDS_BUCKETS

GIB = 1024**3


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
    # stage -> StageUsage as a dict (seconds, cpu_seconds, peak_rss_bytes, bytes_...)
    stage_usage: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    # stage -> dataset -> (rows in, rows out)
    stage_rows: Mapping[str, Mapping[str, tuple[int, int]]] = field(default_factory=dict)
    failed_stage: str | None = None
    idle: bool = False  # the run found nothing new to load
    input_bytes: int = 0
    cost_usd: float = 0.0


@dataclass
class Distribution:
    """Observations per bucket of RUN_SECONDS_BUCKETS (the last one is +Inf) and their sum."""

    counts: list[int] = field(default_factory=lambda: [0] * (len(RUN_SECONDS_BUCKETS) + 1))
    total: float = 0.0

    def observe(self, seconds: float) -> None:
        index = next((i for i, b in enumerate(RUN_SECONDS_BUCKETS) if seconds <= b), -1)
        self.counts[index] += 1
        self.total = round(self.total + seconds, 3)

    def add_to(self, family: HistogramMetricFamily, labels: list[str]) -> None:
        bounds = [str(float(b)) for b in RUN_SECONDS_BUCKETS] + ["+Inf"]  # as "le" reads
        cumulative, running = [], 0
        for bound, count in zip(bounds, self.counts, strict=True):
            running += count
            cumulative.append((bound, float(running)))
        family.add_metric(labels, cumulative, self.total)


@dataclass
class RunHistory:
    """The running counts behind the histograms and counters, across runs."""

    stage_seconds: dict[str, Distribution] = field(default_factory=dict)
    run_seconds: Distribution = field(default_factory=Distribution)
    runs: dict[str, int] = field(default_factory=dict)  # outcome -> runs
    stage_failures: dict[str, int] = field(default_factory=dict)
    cost_usd: float = 0.0
    bounds: list[float] = field(default_factory=lambda: list(RUN_SECONDS_BUCKETS))

    @classmethod
    def load(cls, path: Path) -> RunHistory:
        if not path.exists():
            return cls()
        # The counts start again when the buckets changed (a new time budget after `copier
        # update`) or the file cannot be read (cut short, edited by hand): the run's books
        # must not fail over them, and Prometheus reads the drop as a counter reset.
        try:
            data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
            if data.get("bounds") != list(RUN_SECONDS_BUCKETS):
                return cls()
            return cls(
                stage_seconds={k: Distribution(**v) for k, v in data["stage_seconds"].items()},
                run_seconds=Distribution(**data["run_seconds"]),
                runs=data["runs"],
                stage_failures=data["stage_failures"],
                cost_usd=data["cost_usd"],
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            return cls()

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
        temporary.write_text(json.dumps(asdict(self)), encoding="utf-8")
        temporary.replace(path)

    def add(self, run: RunMetrics) -> None:
        outcome = "no_new_data" if run.idle else "success" if run.success else "failed"
        self.runs[outcome] = self.runs.get(outcome, 0) + 1
        if run.failed_stage:
            failed = run.failed_stage
            self.stage_failures[failed] = self.stage_failures.get(failed, 0) + 1
        if run.idle:  # a run that did nothing would pull every percentile towards zero
            return
        self.run_seconds.observe(run.ended_at - run.started_at)
        for stage, usage in run.stage_usage.items():
            self.stage_seconds.setdefault(stage, Distribution()).observe(usage["seconds"])
        self.cost_usd = round(self.cost_usd + run.cost_usd, 6)


class HistoryCollector(Collector):
    def __init__(self, history: RunHistory) -> None:
        self.history = history

    def collect(self) -> Iterator[Metric]:
        h, p = self.history, PIPELINE_NAME
        stages = HistogramMetricFamily(
            "pipeline_stage_seconds", "Wall time per stage, every run", labels=["pipeline", "stage"]
        )
        for stage, distribution in sorted(h.stage_seconds.items()):
            distribution.add_to(stages, [p, stage])
        yield stages
        runs = HistogramMetricFamily(
            "pipeline_run_seconds", "Wall time of runs that had data", labels=["pipeline"]
        )
        h.run_seconds.add_to(runs, [p])
        yield runs
        outcomes = CounterMetricFamily(
            "pipeline_runs", "Runs by outcome", labels=["pipeline", "outcome"]
        )
        for outcome, count in sorted(h.runs.items()):
            outcomes.add_metric([p, outcome], count)
        yield outcomes
        failures = CounterMetricFamily(
            "pipeline_stage_failures",
            "Runs that failed in this stage",
            labels=["pipeline", "stage"],
        )
        for stage, count in sorted(h.stage_failures.items()):
            failures.add_metric([p, stage], count)
        yield failures
        cost = CounterMetricFamily(
            "pipeline_cost_usd",
            "Estimated compute cost of every run (design prices)",
            labels=["pipeline"],
        )
        cost.add_metric([p], h.cost_usd)
        yield cost


def build_registry(run: RunMetrics, history: RunHistory | None = None) -> CollectorRegistry:
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

    resources = {
        "cpu_seconds": gauge("pipeline_stage_cpu_seconds", "CPU time per stage", ("stage",)),
        "peak_rss_bytes": gauge(
            "pipeline_stage_peak_rss_bytes", "Process memory high-water mark", ("stage",)
        ),
        "bytes_read": gauge("pipeline_stage_bytes_read", "Data bytes a stage read", ("stage",)),
        "bytes_written": gauge(
            "pipeline_stage_bytes_written", "Data bytes a stage wrote to the lake", ("stage",)
        ),
    }
    for stage_name, usage in run.stage_usage.items():
        for key, metric in resources.items():
            metric.labels(stage=stage_name, **p).set(usage[key])
    rows_in = gauge("pipeline_stage_rows_in", "Rows into a stage", ("stage", "dataset"))
    rows_out = gauge("pipeline_stage_rows_out", "Rows out of a stage", ("stage", "dataset"))
    for stage_name, by_dataset in run.stage_rows.items():
        for dataset, (into, out) in by_dataset.items():
            rows_in.labels(stage=stage_name, dataset=dataset, **p).set(into)
            rows_out.labels(stage=stage_name, dataset=dataset, **p).set(out)
    if not run.idle:
        gauge("pipeline_run_input_bytes", "Bytes of input files the last run read").labels(**p).set(
            run.input_bytes
        )
        gauge("pipeline_run_cost_usd", "Estimated compute cost of the last run").labels(**p).set(
            run.cost_usd
        )
        if run.input_bytes:
            gauge(
                "pipeline_run_cost_usd_per_gb", "Estimated cost per GB of input, last run"
            ).labels(**p).set(run.cost_usd / (run.input_bytes / GIB))
    if history is not None:
        registry.register(HistoryCollector(history))
    return registry


def history_file(textfile: Path) -> Path:
    """Beside the textfile, under a name node_exporter's collector skips (not *.prom)."""
    return textfile.with_name(f"{textfile.stem}.history.json")


def publish(run: RunMetrics, textfile: Path, pushgateway_url: str | None = None) -> None:
    history = RunHistory.load(history_file(textfile))
    history.add(run)
    history.save(history_file(textfile))
    registry = build_registry(run, history)
    textfile.parent.mkdir(parents=True, exist_ok=True)
    # write_to_textfile writes a temporary file and renames it: scrapers never see half a file.
    write_to_textfile(str(textfile), registry)
    if pushgateway_url:
        push_to_gateway(pushgateway_url, job=PIPELINE_NAME, registry=registry)
