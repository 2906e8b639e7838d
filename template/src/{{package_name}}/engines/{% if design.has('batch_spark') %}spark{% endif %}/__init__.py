"""The Spark batch engine: the `BatchEngine` of engine.py on a SparkSession.

Each step reads its zone data with Spark, writes the next zone atomically (io.py) and
returns counts computed by aggregations (no row is collected to the driver); only small
tables cross as Arrow: reference rows in, gold rows and features out. Rows, reasons and
tokens equal the Polars engine's (tests/test_spark_engine.py runs both on the same input).

The session starts on first use (~20 s), not when the engine is built: a run that finds
nothing to do never starts a JVM.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa
from pyspark.sql import SparkSession
from pyspark.sql import functions as sf

from ...contracts import Contract
from ...engine import BatchEngine, Transformed, Validated, ZonePaths
from ...transforms.aggregate import GoldTable
from . import features as spark_features
from . import gold as spark_gold
from .io import WRITE_OPTIONS, from_arrow, read_zone, remove, to_arrow, write_zone
from .mask import mask as mask_columns
from .regex import JavaRegexes
from .session import spark_session, stop_session
from .transform import clean, deduplicate, enrich
from .validate import READ_ORDER, check, quarantine_rows, raw_columns, reason_counts, valid_rows

__all__ = ["SparkEngine"]


class SparkEngine:
    """Batch steps on Spark (a local session, or the one spark-submit configured). Validation
    writes its checked rows to the batch's scratch space (`ZonePaths.work`), and removes them."""

    name = "spark"

    @functools.cached_property
    def spark(self) -> SparkSession:
        return spark_session()

    @functools.cached_property
    def java(self) -> JavaRegexes:
        """The project's Rust patterns in Java's form, translated once per session."""
        return JavaRegexes(self.spark)

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
        if masked_upstream_rows:
            # Rows masked upstream come from the stream's lake archive, which only a
            # streaming-only design loads in its batch; such a design has no Spark engine, so
            # the planner never hands this engine such a batch.
            raise ValueError(
                "rows masked upstream (the stream archive of a streaming-only design) are "
                "validated by the Polars engine; this design's batches never hold them"
            )
        raw = read_zone(self.spark, zone.source)
        # The rules run once, into scratch space, and every output reads what they wrote.
        # Not `persist`: Spark builds a cached partition in the heap before it may spill it,
        # which a small driver's heap could not hold (4M events, local mode, 1 GB: out of
        # memory); a Parquet file is written a row group at a time.
        scratch = zone.work / f"{contract.dataset}-checked.parquet"
        checked_rows = check(
            raw, contract, now=now, flag_duplicates=flag_duplicates, java=self.java
        )
        checked_rows.write.options(**WRITE_OPTIONS).mode("overwrite").parquet(str(scratch))
        try:
            checked = read_zone(self.spark, scratch)
            totals = checked.agg(
                sf.count_if(~sf.col("_failed")).alias("valid"),
                sf.count_if(sf.col("_failed")).alias("quarantined"),
            ).first()
            assert totals is not None
            valid, quarantined = int(totals["valid"]), int(totals["quarantined"])
            masked = mask_columns(valid_rows(checked, contract), contract, key, self.java)
            write_zone(masked, zone.target)
            reasons: dict[str, int] = {}
            if zone.quarantine is not None:
                if quarantined:
                    rows = quarantine_rows(checked, raw_columns(raw), now)
                    write_zone(rows, zone.quarantine)
                    reasons = reason_counts(checked)
                else:
                    remove(zone.quarantine)  # a file an earlier attempt left
            elif quarantined:
                raise ValueError(f"{contract.dataset}: rows to quarantine but no quarantine path")
        finally:
            remove(scratch)
        return Validated(valid=valid, quarantined=quarantined, reasons=reasons)

    def transform(
        self,
        contract: Contract,
        zone: ZonePaths,
        *,
        steps: frozenset[str],
        references: Mapping[str, pa.Table],
    ) -> Transformed:
        source = read_zone(self.spark, zone.source)
        frame = source.withColumn(READ_ORDER, sf.monotonically_increasing_id())
        if "cleaning" in steps:
            # Before dedup: cleaning may change a key (rounding, trimming).
            frame = clean(frame, contract, self.java)
        if "dedup" in steps:
            frame = deduplicate(frame, contract)
        if "enrichment" in steps:
            frame = enrich(frame, contract, references, self.spark)
        # Written first, then counted from what was written (the files' footers): no second
        # run of the steps, and no cached copy in the heap.
        write_zone(frame.drop(READ_ORDER), zone.target, zone.partitioned_by)
        loaded = read_zone(self.spark, zone.target).count()
        # A lookup holds one row per key, so the left joins keep the row count: the rows
        # that went are the older copies of a key.
        duplicates = source.count() - loaded if "dedup" in steps else 0
        return Transformed(loaded=loaded, duplicates=duplicates)

    def gold(self, table: GoldTable, rows: Path) -> pa.Table:
        return to_arrow(spark_gold.build(table, read_zone(self.spark, rows)))

    def features(self, orders: pa.Table, events: pa.Table) -> pa.Table:
        built = spark_features.customer_features(
            from_arrow(self.spark, orders), from_arrow(self.spark, events)
        )
        return to_arrow(built)

    def close(self) -> None:
        """Stop the session this engine started (the next step would start a new one)."""
        if "spark" in self.__dict__:
            stop_session()
            del self.__dict__["spark"]
            self.__dict__.pop("java", None)


if TYPE_CHECKING:  # mypy proves that the class keeps the protocol of engine.py
    _ENGINE: BatchEngine = SparkEngine()
