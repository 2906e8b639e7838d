"""The Polars engine: one node, in process, out of core.

Every step streams: it reads its input zone chunk by chunk (a row group at a time) and
writes its output zone the same way (sinks/lake.py), and the steps that compare the rows of
one key work on key partitions (chunking.py). Memory follows PIPELINE_MEMORY_BUDGET_MB, not
the size of the batch.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from pathlib import Path

import polars as pl
import pyarrow as pa
import structlog

from ...chunking import MemoryBudget, key_partitions
from ...contracts import Contract
from ...engine import Transformed, Validated, ZonePaths
from ...privacy.masking import mask, masked_upstream
from ...sinks.lake import (
    ParquetStream,
    PartitionedParquetStream,
    memory_bytes,
    read_chunks,
    remove_zone_data,
)
from ...transforms.aggregate import GoldTable
from ...transforms.clean import clean
from ...transforms.dedup import deduplicate
from ...transforms.enrich import enrich_with, lookups
from ...transforms.features import customer_features
from ...transforms.validate import parsed, validate

log = structlog.get_logger(__name__)


class PolarsEngine:
    name = "polars"

    def __init__(self, budget: MemoryBudget) -> None:
        self.budget = budget

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
        assert zone.quarantine is not None
        chunks = read_chunks(zone.source)
        if flag_duplicates:
            keys = [parsed(contract.column(name)) for name in contract.keys]
            chunks = self._by_key(chunks, keys, zone.source, zone.work)
        reasons: Counter[str] = Counter()
        row_group = self.budget.row_group_bytes
        with (
            ParquetStream(zone.target, row_group) as valid,
            ParquetStream(zone.quarantine, row_group) as quarantine,
        ):
            for chunk in chunks:
                result = validate(
                    chunk,
                    contract,
                    now=now,
                    quarantine_duplicate_keys=flag_duplicates,
                    masked_upstream=masked_upstream_rows,
                )
                if masked_upstream_rows:
                    valid.write(masked_upstream(result.valid, contract))
                else:
                    valid.write(mask(result.valid, contract, key))
                quarantine.write(result.quarantine)
                reasons.update(reason_counts(result.quarantine))
        if not quarantine.rows:
            remove_zone_data(zone.quarantine)
        return Validated(valid=valid.rows, quarantined=quarantine.rows, reasons=dict(reasons))

    def transform(
        self,
        contract: Contract,
        zone: ZonePaths,
        *,
        steps: frozenset[str],
        references: Mapping[str, pa.Table],
    ) -> Transformed:
        chunks: Iterable[pl.DataFrame] = read_chunks(zone.source)
        if "cleaning" in steps:
            # Before the key partitions: cleaning may change a key (rounding, trimming).
            chunks = (clean(chunk, contract) for chunk in chunks)
        if "dedup" in steps:
            keys = [pl.col(name) for name in contract.keys]
            chunks = self._by_key(chunks, keys, zone.source, zone.work)
        joins = []
        if "enrichment" in steps:
            frames = {name: _frame(table) for name, table in references.items()}
            joins = lookups(contract, frames)
        duplicates = 0
        # Row groups of whole key partitions: a key never spans two (quality/checks.py).
        # Split by event hour, a key still has its one row after dedup in one file.
        row_group = self.budget.row_group_bytes
        out: ParquetStream | PartitionedParquetStream = (
            PartitionedParquetStream(zone.target, zone.partitioned_by, row_group)
            if zone.partitioned_by
            else ParquetStream(zone.target, row_group)
        )
        with out:
            for chunk in chunks:
                frame = chunk
                if "dedup" in steps:
                    result = deduplicate(frame, contract)
                    frame, duplicates = result.frame, duplicates + result.duplicates_dropped
                out.write(enrich_with(frame, joins))
        return Transformed(loaded=out.rows, duplicates=duplicates)

    def gold(self, table: GoldTable, rows: Path) -> pa.Table:
        # Streaming mode: a day of any size never sits in memory whole.
        return table.build(pl.scan_parquet(rows)).collect(engine="streaming").to_arrow()

    def features(self, orders: pa.Table, events: pa.Table) -> pa.Table:
        return customer_features(_frame(orders), _frame(events)).to_arrow()

    def close(self) -> None:
        """Nothing to release: the engine lives in this process."""

    def _by_key(
        self, chunks: Iterable[pl.DataFrame], keys: list[pl.Expr], source: Path, work: Path
    ) -> Iterator[pl.DataFrame]:
        """The chunks regrouped so that the rows of a key meet: in as many key partitions as
        the budget needs for the size of `source` (the zone data the chunks come from)."""
        count = self.budget.partitions_for(memory_bytes(source))
        if count > 1:
            log.info("key_partitions", source=source.parent.parent.name, partitions=count)
        return key_partitions(chunks, keys, count, work)


def reason_counts(quarantine: pl.DataFrame) -> dict[str, int]:
    """Rows per reason ('; ' separates the reasons of one row)."""
    if not quarantine.height:
        return {}
    reasons = quarantine.select(pl.col("_reason").str.split("; ").explode()).to_series()
    return dict(reasons.value_counts().iter_rows())


def _frame(table: pa.Table) -> pl.DataFrame:
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    return frame
