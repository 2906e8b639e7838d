"""Deduplicate on the contract's key, keeping the latest version by event time."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from ..contracts import Contract


@dataclass(frozen=True)
class DedupResult:
    frame: pl.DataFrame
    duplicates_dropped: int


def deduplicate(frame: pl.DataFrame, contract: Contract) -> DedupResult:
    """One row per key: the latest event time wins; ties go to the row read last.

    Re-deliveries across batches are resolved by the warehouse merge, which applies the
    same rule (see sinks/warehouse.py).
    """
    latest = frame.sort([contract.event_time, "_source", "_source_row"], nulls_last=False).unique(
        subset=list(contract.keys), keep="last", maintain_order=True
    )
    return DedupResult(frame=latest, duplicates_dropped=frame.height - latest.height)
