"""The contracts' masking strategies (privacy/masking.py) as Spark column expressions.

* pseudonymise: Spark SQL has no HMAC. An Arrow UDF hands each batch of values to
  polars-hash, the Polars engine's own HMAC-SHA256 (Rust), which equals Python's `hmac`
  byte for byte (tested). On 1M emails (local[2]) it took 0.9 s, Python's `hmac.digest`
  in the same UDF 2.3 s, in `mapInArrow` 2.0 s, `hmac.new().copy()` per value 5.6 s.
  The key travels inside the pickled function, never as a literal a query plan would show.
* redact: `masking.redact` itself, in the same kind of UDF. Free text is whatever a client
  sends, and Java's backtracking regex engine is no place for it: on a 20,000-character
  "+1-1-1..." the phone pattern took Java 137 s (Rust's engine, linear, under 1 ms), and a
  200,000-character "xx...@a.a.a..." overflowed Java's stack, failing the job.
* generalise_ip: records.py's pattern in its Java form (regex.py); anchored and bounded,
  so no backtracking to fear.
* generalise_year: the first day of the year (a timestamp's first moment, in UTC).
* drop: the column is left out.
"""

from __future__ import annotations

import polars as pl
import pyarrow as pa
from pyspark.sql import Column as SparkColumn
from pyspark.sql import DataFrame
from pyspark.sql import functions as sf
from pyspark.sql.pandas.functions import arrow_udf

from ...contracts import Column, Contract
from ...privacy.masking import pseudonymise as polars_pseudonymise
from ...privacy.masking import redact as polars_redact
from ...privacy.records import IPV4_PATTERN
from .regex import JavaRegexes, to_java_replacement


def hmac_sha256(key: str, values: pa.Array) -> pa.Array:
    """HMAC-SHA256 hex of each value (null stays null), in the Python worker."""
    series = pl.from_arrow(values)
    assert isinstance(series, pl.Series)
    hashed = series.to_frame("value").select(polars_pseudonymise(pl.col("value"), key))
    return hashed.to_series().to_arrow().cast(pa.string())


def pseudonymise(column: SparkColumn, key: str) -> SparkColumn:
    def tokens(values: pa.Array) -> pa.Array:
        return hmac_sha256(key, values)

    # The form pyspark's documentation prefers (the type hints say it is a scalar UDF; naming
    # the type as well warns on every call), which its stubs do not list.
    udf = arrow_udf(tokens, "string")  # type: ignore[call-overload]
    return udf(column)  # type: ignore[no-any-return]


def redact_values(values: pa.Array) -> pa.Array:
    """`masking.redact` on a batch of values, each distinct value once (as the Polars
    engine does), in the Python worker."""
    series = pl.from_arrow(values)
    assert isinstance(series, pl.Series)
    distinct = series.unique().drop_nulls()
    redacted = pl.select(polars_redact(pl.lit(distinct))).to_series()
    return series.replace(distinct, redacted).to_arrow().cast(pa.string())


def redact(column: SparkColumn) -> SparkColumn:
    udf = arrow_udf(redact_values, "string")  # type: ignore[call-overload]
    return udf(column)  # type: ignore[no-any-return]


def generalise_ip(column: SparkColumn, java: JavaRegexes) -> SparkColumn:
    """IPv4 to its /24 network, anything else to null. The pattern is anchored at both ends,
    so replacing every match (Spark) is replacing the first (Polars)."""
    pattern = java(IPV4_PATTERN)
    network = to_java_replacement("${1}.0/24")  # masking.generalise_ip's template
    return sf.when(column.rlike(pattern), sf.regexp_replace(column, pattern, network))


def generalise_year(column: SparkColumn, logical_type: str) -> SparkColumn:
    if logical_type == "date":
        return sf.trunc(column, "year")
    return sf.date_trunc("year", column)


def masked(column: Column, key: str, java: JavaRegexes) -> SparkColumn | None:
    """The column's masked values, or None where the column is dropped."""
    value = sf.col(f"`{column.name}`")
    match column.masking:
        case "pseudonymise":
            return pseudonymise(value, key)
        case "redact":
            return redact(value)
        case "generalise_ip":
            return generalise_ip(value, java)
        case "generalise_year":
            return generalise_year(value, column.logical_type)
        case "drop":
            return None
    return value


def mask(frame: DataFrame, contract: Contract, key: str, java: JavaRegexes) -> DataFrame:
    """Apply each column's masking strategy; the columns keep their order."""
    strategies = {column.name: column for column in contract.pii_columns}
    selected: list[SparkColumn] = []
    for name in frame.columns:
        if name not in strategies:
            selected.append(sf.col(f"`{name}`"))
            continue
        value = masked(strategies[name], key, java)
        if value is not None:
            selected.append(value.alias(name))
    return frame.select(*selected)
