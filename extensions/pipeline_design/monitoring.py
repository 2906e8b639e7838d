"""Rule A: alert thresholds, from the schedule, the SLA and the latency target; and rule O,
the service level objectives they guard."""

from __future__ import annotations

from dataclasses import dataclass

from . import constants as c
from .answers import Answers
from .sizing import BatchRun


@dataclass(frozen=True)
class BatchAlerts:
    sla_hours: float
    interval_hours: float  # on average
    longest_gap_hours: float
    budget_hours: float  # the run's time budget (rule B)
    stale_after_hours: float  # no success within the longest gap between runs plus the SLA

    @property
    def sla_seconds(self) -> int:
        return round(self.sla_hours * 3600)

    @property
    def interval_seconds(self) -> int:
        return round(self.interval_hours * 3600)

    @property
    def longest_gap_seconds(self) -> int:
        return round(self.longest_gap_hours * 3600)

    @property
    def budget_seconds(self) -> int:
        return round(self.budget_hours * 3600)

    @property
    def stale_after_seconds(self) -> int:
        return round(self.stale_after_hours * 3600)

    @property
    def stale_after_minutes(self) -> int:
        return round(self.stale_after_hours * 60)


@dataclass(frozen=True)
class Monitoring:
    batch: BatchAlerts | None
    stream_latency_seconds: int | None
    stream_lag_for_minutes: int = c.ALERT_STREAM_LAG_FOR_MINUTES
    quality_score_min: float = c.ALERT_QUALITY_SCORE_MIN
    quarantine_ratio_max: float = c.ALERT_QUARANTINE_RATIO_MAX
    quarantine_spike_factor: float = c.ALERT_QUARANTINE_SPIKE_FACTOR
    quarantine_ratio_floor: float = c.ALERT_QUARANTINE_RATIO_FLOOR
    slowdown_factor: float = c.ALERT_SLOWDOWN_FACTOR
    slowdown_min_seconds: int = c.ALERT_SLOWDOWN_MIN_SECONDS
    # A batch run's compute cost per GB of input above this alerts (None: no batch runs).
    cost_per_gb_max_usd: float | None = None
    cost_overrun_factor: float = c.ALERT_COST_OVERRUN_FACTOR
    seconds_buckets: tuple[float, ...] = c.HISTOGRAM_SECONDS_BUCKETS
    cost_min_input_bytes: int = round(c.ALERT_COST_MIN_INPUT_GB * 1024**3)


@dataclass(frozen=True)
class Objective:
    """Rule O: one service level objective, its target from the design, what measures it
    and the alert rules that fire when it is missed (none: said why in `measured_by`)."""

    name: str
    target: str
    measured_by: str
    alerts: tuple[str, ...]


def objectives(a: Answers, m: Monitoring, usd_per_gb: float) -> list[Objective]:
    """The objectives a design commits to, each with the alert that guards it: the figures
    are the design's own (the SLA, the latency target, the sized peak, the cost target)."""
    found: list[Objective] = []
    if m.batch:
        b = m.batch
        found += [
            Objective(
                "Batch freshness",
                f"every dataset refreshed within {b.stale_after_hours:g} h "
                f"({b.longest_gap_hours:g} h longest gap + {b.sla_hours:g} h SLA)",
                "time since the last successful run (`pipeline_last_success_timestamp_seconds`)",
                ("PipelineDataStale", "PipelineFreshnessLagHigh"),
            ),
            Objective(
                "Batch runs succeed",
                "every scheduled run succeeds, or is rerun within the SLA",
                "`pipeline_last_run_success`",
                ("PipelineRunFailed",),
            ),
            Objective(
                "Batch run time",
                f"a run within its {b.budget_hours:g} h time budget, at the sized peak included",
                "`pipeline_run_duration_seconds`",
                ("PipelineRunOverBudget", "PipelineRunSlowdown"),
            ),
        ]
    if m.stream_latency_seconds is not None:
        found.append(
            Objective(
                "Stream latency",
                f"events processed within {m.stream_latency_seconds} s of their event time, "
                f"up to the sized peak ({a.peak_factor:g}x the average at the growth horizon)",
                "`pipeline_stream_lag_seconds` on the slowest partition",
                ("PipelineStreamLatencyHigh",),
            )
        )
    found += [
        Objective(
            "Pipeline up",
            "every run and worker reports its metrics",
            "presence of the run or stream metrics",
            ("PipelineMetricsMissing",),
        ),
        Objective(
            "Bad-record ratio",
            f"at most {m.quarantine_ratio_max:.0%} of a dataset's rows quarantined, and no "
            f"spike over {m.quarantine_spike_factor:g}x its 7-day median",
            "`pipeline_rows_quarantined` / `pipeline_rows_in`",
            ("PipelineQuarantineSpike",),
        ),
        Objective(
            "Data quality",
            f"no error-severity check fails; quality score at least {m.quality_score_min:.0%}",
            "`pipeline_quality_failed_checks`, `pipeline_quality_score`",
            ("PipelineQualityGateFailed", "PipelineQualityScoreLow"),
        ),
        Objective(
            "Cost per GB processed",
            f"at most ${c.COST_PER_GB_TARGET_USD:.2f} per GB (the design estimates "
            f"${usd_per_gb:.3f})",
            "the cloud bill over the GB processed, reviewed monthly: storage, Kafka and the "
            "warehouse are billed, not measured, so no alert rule can watch the whole",
            (),
        ),
    ]
    if m.cost_per_gb_max_usd is not None:
        found.append(
            Objective(
                "Batch compute per GB",
                f"a run's compute at most ${m.cost_per_gb_max_usd:.4f} per GB of input "
                f"({c.ALERT_COST_OVERRUN_FACTOR:g}x the design's price), runs of "
                f"{c.ALERT_COST_MIN_INPUT_GB:g} GB or more",
                "`pipeline_run_cost_usd_per_gb`: wall time x the run's vCPUs x the list price",
                ("PipelineCostPerGbHigh",),
            )
        )
    return found


def monitoring(
    a: Answers, run: BatchRun | None, batch_usd_per_gb: float | None = None
) -> Monitoring:
    batch = None
    if run:
        batch = BatchAlerts(
            sla_hours=a.batch_sla_hours,
            interval_hours=run.interval_hours,
            longest_gap_hours=run.longest_gap_hours,
            budget_hours=run.time_budget_hours,
            stale_after_hours=run.longest_gap_hours + a.batch_sla_hours,
        )
    latency = a.streaming_latency_seconds if a.has_streaming else None
    cost_max = None
    if batch and batch_usd_per_gb is not None:
        cost_max = round(batch_usd_per_gb * c.ALERT_COST_OVERRUN_FACTOR, 6)
    buckets: tuple[float, ...] = c.HISTOGRAM_SECONDS_BUCKETS
    if batch:
        buckets = tuple(sorted({*buckets, batch.budget_seconds, 2 * batch.budget_seconds}))
    return Monitoring(
        batch=batch,
        stream_latency_seconds=latency,
        cost_per_gb_max_usd=cost_max,
        seconds_buckets=buckets,
    )
