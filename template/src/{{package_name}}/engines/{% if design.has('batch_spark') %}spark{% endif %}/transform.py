"""Validated rows to clean rows: transforms/clean.py, dedup.py and enrich.py in Spark."""

from __future__ import annotations

from collections.abc import Mapping

import pyarrow as pa
from pyspark.sql import Column as SparkColumn
from pyspark.sql import DataFrame, SparkSession, Window
from pyspark.sql import functions as sf

from ...contracts import Contract
from ...rules import WHITESPACE
from .io import from_arrow
from .regex import JavaRegexes
from .validate import READ_ORDER

# transforms/clean.py's pattern for runs of whitespace in free text.
WHITESPACE_RUNS = r"\s{2,}|[^\S ]"
_INDEX = "__reference_row"


def rounded(column: SparkColumn, decimals: int) -> SparkColumn:
    """Polars' `round(decimals)` exactly: the value times 10^decimals rounded half to even,
    divided back (an overflow keeps the value). Spark's `round` is half-up on the decimal
    text and `bround` half-even on it, which differ from Polars on values like 301.345."""
    scale = 10.0**decimals
    result = sf.rint(column * sf.lit(scale)) / sf.lit(scale)
    return sf.when(sf.abs(result) == sf.lit(float("inf")), column).otherwise(result)


def clean(frame: DataFrame, contract: Contract, java: JavaRegexes) -> DataFrame:
    """Free text with each run of whitespace as one space, trimmed; amounts to cents;
    timestamps to the millisecond (floored, as Polars' truncate floors)."""
    changed: dict[str, SparkColumn] = {}
    for column in contract.columns:
        value = sf.col(f"`{column.name}`")
        if column.logical_type == "string" and column.pii_class == "free_text":
            spaced = sf.regexp_replace(value, java(WHITESPACE_RUNS), " ")
            changed[column.name] = sf.btrim(spaced, sf.lit(WHITESPACE))
        elif column.logical_type == "number":
            changed[column.name] = rounded(value, 2)
        elif column.logical_type == "timestamp":
            micros = sf.unix_micros(value)
            changed[column.name] = sf.timestamp_micros(micros - sf.pmod(micros, sf.lit(1000)))
    if not changed:
        return frame
    return frame.select(
        *(changed[n].alias(n) if n in changed else sf.col(f"`{n}`") for n in frame.columns)
    )


def deduplicate(frame: DataFrame, contract: Contract) -> DataFrame:
    """One row per key: the latest event time wins; ties go to the row read last (by
    `_source`, `_source_row`, then the order the rows were read in). `frame` must hold
    READ_ORDER; the result keeps it."""
    latest_first = Window.partitionBy(*(sf.col(f"`{k}`") for k in contract.keys)).orderBy(
        sf.col(f"`{contract.event_time}`").desc_nulls_last(),
        sf.col("_source").desc_nulls_last(),
        sf.col("_source_row").desc_nulls_last(),
        sf.col(READ_ORDER).desc(),
    )
    place = sf.row_number().over(latest_first)
    return frame.withColumn("__place", place).filter(sf.col("__place") == 1).drop("__place")


def enrich(
    frame: DataFrame,
    contract: Contract,
    references: Mapping[str, pa.Table],
    spark: SparkSession,
) -> DataFrame:
    """Left-join the `enrichColumns` of each referenced dataset (the last reference row per
    key wins; a missing match stays null). Reference data is small: each lookup is broadcast
    to every task, so the facts are never shuffled for it."""
    for enrichment in contract.enrichments:
        reference = enrichment.reference
        if reference.dataset not in references:
            continue
        table = references[reference.dataset]
        table = table.append_column(_INDEX, pa.array(range(table.num_rows), pa.int64()))
        rows = from_arrow(spark, table)
        last = Window.partitionBy(sf.col(f"`{reference.column}`")).orderBy(sf.col(_INDEX).desc())
        added = [enrichment.name(name) for name in reference.enrich_columns]
        lookup = (
            rows.withColumn("__place", sf.row_number().over(last))
            .filter(sf.col("__place") == 1)
            .select(
                sf.col(f"`{reference.column}`").alias(enrichment.column),
                *(
                    sf.col(f"`{name}`").alias(new)
                    for name, new in zip(reference.enrich_columns, added, strict=True)
                ),
            )
        )
        joined = frame.join(sf.broadcast(lookup), on=enrichment.column, how="left")
        # A join on a name puts that column first: the facts' order, then the new columns.
        frame = joined.select(*(sf.col(f"`{n}`") for n in [*frame.columns, *added]))
    return frame
