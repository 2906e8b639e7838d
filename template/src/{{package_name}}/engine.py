"""The batch engine seam: what the pipeline asks of an engine, and what it gets back.

Planning, the batch state, the run lock, crash recovery, reading the input files, the
quality gate, the warehouse load and the books (audit, metrics, lineage) are the same for
every engine (pipeline.py and the modules it composes). An engine fills the steps that turn
rows of one zone into rows of the next:

    validate    raw -> validated (typed, PII masked) + quarantine (rows with `_reason`)
    transform   validated -> clean (cleaned, deduplicated, enriched), as `steps` say
    gold        the silver rows of the days a batch touched -> one gold table's rows
    features    the orders and events of a group of customers -> their features

Frames never cross the seam: an engine reads and writes the lake's zone data itself (a
Parquet file, or a folder of Parquet parts under the same name: sinks/lake.py) and returns
counts. Only small tables pass as Arrow: reference rows in, gold rows and features out.
Every engine must give the same rows, reasons and tokens for the same input: the golden
vectors in tests/golden/ are run on each one (tests/test_engine_conformance.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

import pyarrow as pa

from .contracts import Contract
from .transforms.aggregate import GoldTable


@dataclass(frozen=True)
class Validated:
    """What validation made of one dataset's raw rows of a batch."""

    valid: int
    quarantined: int
    reasons: dict[str, int]  # quarantined rows per reason ('; ' splits a row's reasons)


@dataclass(frozen=True)
class Transformed:
    """What the transform made of one dataset's validated rows of a batch."""

    loaded: int  # rows in the clean zone
    duplicates: int  # rows dropped by the dedup step (older versions of a key)


@dataclass(frozen=True)
class ZonePaths:
    """Where a step reads and writes: zone data paths of one dataset and batch, and the
    batch's scratch folder (emptied by the pipeline after the stage)."""

    source: Path
    target: Path
    work: Path
    quarantine: Path | None = None  # validate only: written only when rows are quarantined
    # transform only: the event-time column whose UTC date and hour partition the target
    # (Hive folders `event_date=YYYY-MM-DD/event_hour=HH`, sinks/lake.py), or None.
    partitioned_by: str | None = None


class BatchEngine(Protocol):
    """One implementation per engine (engines/polars, engines/spark); no engine branches
    outside them."""

    name: str

    def validate(
        self,
        contract: Contract,
        zone: ZonePaths,
        *,
        now: datetime,
        key: str,
        flag_duplicates: bool,
        masked_upstream_rows: bool = False,
    ) -> Validated:
        """Type the raw rows by the contract's rules; rows that break one go to the quarantine
        with `_reason` and `_quarantined_at` (= `now`); the valid rows are masked with `key`.
        With `flag_duplicates`, every copy of a repeated key but the latest is quarantined
        (`duplicate_key:<keys>`). `zone.quarantine` exists afterwards only if rows went there.
        With `masked_upstream_rows` (the stream's lake archive: rows the stream core checked
        and masked) masked columns are held to their type only and nothing is masked again
        (`rules.contract_rules`, `privacy.masking.masked_upstream`)."""
        ...

    def transform(
        self,
        contract: Contract,
        zone: ZonePaths,
        *,
        steps: frozenset[str],
        references: Mapping[str, pa.Table],
    ) -> Transformed:
        """Validated rows to clean rows: `cleaning`, `dedup` (latest event time per key wins)
        and `enrichment` (left join of each referenced dataset's rows, by `references`) in
        that order, as far as `steps` holds them."""
        ...

    def gold(self, table: GoldTable, rows: Path) -> pa.Table:
        """The gold rows of `table` from the silver rows in the Parquet file `rows`."""
        ...

    def features(self, orders: pa.Table, events: pa.Table) -> pa.Table:
        """ML features per customer, from their silver orders and events."""
        ...

    def close(self) -> None:
        """Release what the engine holds (a Spark session); the pipeline calls it on exit."""
        ...
