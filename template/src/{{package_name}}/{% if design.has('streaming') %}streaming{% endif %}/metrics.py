"""Prometheus metrics of the stream processing, for the worker's /metrics endpoint.

The names are the interface of deploy/monitoring (alert rules, Grafana dashboard): change
them there too. Counters only grow, so `rate()` over them survives a worker restart.
"""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from ..config import PIPELINE_NAME
from .core import StreamCounts, StreamProcessor

OUTCOMES = ("clean", "dead_letter", "late", "duplicates")
# Seconds to process one message: Python work per event is well under a millisecond; the
# top buckets catch a stalled send.
PROCESSING_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 0.5, 2.5)


class StreamMetrics:
    def __init__(self, dataset: str, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self.labels = {"pipeline": PIPELINE_NAME, "dataset": dataset}
        names = ("pipeline", "dataset")
        self.messages = Counter(
            "pipeline_stream_messages",
            "Messages processed, by outcome (clean, dead_letter, late, duplicates)",
            (*names, "outcome"),
            registry=self.registry,
        )
        self.windows = Counter(
            "pipeline_stream_windows_closed", "Windows closed", names, registry=self.registry
        )
        self.anomalies = Counter(
            "pipeline_stream_anomalies", "Anomaly alerts raised", names, registry=self.registry
        )
        self.lag = Gauge(
            "pipeline_stream_lag_seconds",
            "Wall clock minus the newest event time processed: how far behind the stream is",
            names,
            registry=self.registry,
        )
        self._newest: dict[int, float] = {}  # partition -> newest event time processed
        self.processing = Histogram(
            "pipeline_stream_processing_seconds",
            "Time to process one message, its sends included",
            names,
            buckets=PROCESSING_BUCKETS,
            registry=self.registry,
        )

    def observe(
        self, processor: StreamProcessor, before: StreamCounts, seconds: float, partition: int = 0
    ) -> None:
        """Count what one message of `partition` did; `before`: the processor's counts
        before it. The lag is that of the partition furthest behind."""
        after = processor.counts
        for outcome in OUTCOMES:
            grown = getattr(after, outcome) - getattr(before, outcome)
            if grown:
                self.messages.labels(outcome=outcome, **self.labels).inc(grown)
        if after.windows_closed > before.windows_closed:
            self.windows.labels(**self.labels).inc(after.windows_closed - before.windows_closed)
        if after.anomalies > before.anomalies:
            self.anomalies.labels(**self.labels).inc(after.anomalies - before.anomalies)
        newest = processor.state.watermark.get("max_event_time")
        if newest is not None:
            self._newest[partition] = newest
            behind = time.time() - min(self._newest.values())
            self.lag.labels(**self.labels).set(max(behind, 0.0))
        self.processing.labels(**self.labels).observe(seconds)
