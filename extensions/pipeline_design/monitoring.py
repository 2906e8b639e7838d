"""Rule A: alert thresholds, from the schedule, the SLA and the latency target."""

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


def monitoring(a: Answers, run: BatchRun | None) -> Monitoring:
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
    return Monitoring(batch=batch, stream_latency_seconds=latency)
