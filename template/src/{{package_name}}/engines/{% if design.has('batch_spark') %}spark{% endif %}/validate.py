"""The contracts' rules (rules.py) compiled into Spark column expressions.

The twin of transforms/validate.py, rule for rule: each column's raw text is normalised
(trimmed by rules.WHITESPACE, empty as null, cased) and parsed by its type's grammar once,
into two helper columns; each `Rule` of `contract_rules` becomes a condition on them; a row
that breaks any is quarantined with the reasons of all it breaks, in the rules' order. The
rules are read from rules.py as data, never restated here.

Spark's own parsers accept other texts than the grammars (its date parser takes `2026-1-5`,
its number cast `1d`), so a value is only parsed where its grammar matched, and dates and
timestamps are assembled from the grammar's groups. Nothing here can raise on a bad value
(Spark 4 runs SQL in ANSI mode): casts are `try_cast`, dates are built from day 1 of a month.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from pyspark.sql import Column as SparkColumn
from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as sf

from ...contracts import Column, Contract
from ...rules import (
    BOOLEANS,
    CONTROL_CHARACTERS,
    DATE_GRAMMAR,
    INTEGER_GRAMMAR,
    NUMBER_GRAMMAR,
    TIMESTAMP_GRAMMAR,
    WHITESPACE,
    Rule,
    contract_rules,
    window,
)
from ...transforms.validate import duplicate_key_reason
from .regex import JavaRegexes

META = ("_batch_id", "_source", "_source_row", "_ingested_at")
READ_ORDER = "__read_order"  # the order rows were read in: the last tie-breaker
SPARK_TYPES = {
    "string": "string",
    "integer": "bigint",
    "number": "double",
    "boolean": "boolean",
    "date": "date",
    "timestamp": "timestamp",
}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROS = 1_000_000
# Number texts Java's parser does not read as Python's float() does (Spark reads `inf` but
# not `+nan`): their values, by lower-cased text.
_NON_FINITE = {
    **dict.fromkeys(("inf", "+inf", "infinity", "+infinity"), float("inf")),
    **dict.fromkeys(("-inf", "-infinity"), float("-inf")),
    **dict.fromkeys(("nan", "+nan", "-nan"), float("nan")),
}


def text_name(column: Column) -> str:
    return f"__text:{column.name}"


def value_name(column: Column) -> str:
    return f"__value:{column.name}"


def _col(name: str) -> SparkColumn:
    return sf.col(f"`{name}`")


def normalised(column: Column) -> SparkColumn:
    """The raw text, trimmed, empty as null, in the contract's case (`rules.normalise`).
    Spark's `lower`/`upper` (ICU) equal Rust's on every code point (tested)."""
    trimmed = sf.btrim(_col(column.name), sf.lit(WHITESPACE))
    text = sf.when(trimmed != "", trimmed)
    if column.case == "lower":
        return sf.lower(text)
    if column.case == "upper":
        return sf.upper(text)
    return text


def parsed(column: Column, text: SparkColumn, java: JavaRegexes) -> SparkColumn:
    """`rules.parse`: the text as the column's type where its grammar accepts it, else null.
    A date or timestamp is read from its grammar's groups (`grammar_groups`), the column
    `groups_name(column)` of the frame."""
    match column.logical_type:
        case "integer":
            # try_cast is null beyond int64, as Polars' cast is (bad_type).
            return sf.when(text.rlike(java.grammar(INTEGER_GRAMMAR)), text.try_cast("bigint"))
        case "number":
            special = sf.lower(text)
            value = text.try_cast("double")
            for spelling, number in _NON_FINITE.items():
                value = sf.when(special == spelling, sf.lit(number)).otherwise(value)
            return sf.when(text.rlike(java.grammar(NUMBER_GRAMMAR)), value)
        case "boolean":
            lowered = sf.lower(text)
            value = sf.lit(None).cast("boolean")
            for spelling, truth in BOOLEANS.items():
                value = sf.when(lowered == spelling, sf.lit(truth)).otherwise(value)
            return value
        case "date":
            return _date(_col(groups_name(column)))
        case "timestamp":
            return _timestamp(_col(groups_name(column)))
        case _:
            return text


# The date and time grammars, with their number of groups.
GROUPED = {"date": (DATE_GRAMMAR, 3), "timestamp": (TIMESTAMP_GRAMMAR, 8)}
# Joins a grammar's groups in one replacement: a control character, which no grammar admits.
_GROUP_SEPARATOR = "\x1f"


def groups_name(column: Column) -> str:
    return f"__groups:{column.name}"


def grammar_groups(column: Column, text: SparkColumn, java: JavaRegexes) -> SparkColumn:
    """A date's or timestamp's grammar groups, as an array of texts ("" for a group that took
    no part), or null where the grammar does not match the whole text. One regex match per
    value: the match is replaced by its groups joined by a separator, so a changed text is
    a match (a text the grammar accepts holds no separator, so it always changes)."""
    grammar, count = GROUPED[column.logical_type]
    joined = sf.regexp_replace(
        text,
        java.grammar(grammar),
        _GROUP_SEPARATOR.join(f"${group}" for group in range(1, count + 1)),
    )
    return sf.when(joined != text, sf.split(joined, _GROUP_SEPARATOR, count))


def _int(text: SparkColumn) -> SparkColumn:
    return text.try_cast("int")


def _day(year: SparkColumn, month: SparkColumn, day: SparkColumn) -> SparkColumn:
    """The date, or null where the month has no such day (30 February): built from the
    1st of the month, which always exists (make_date would raise in ANSI mode)."""
    first = sf.make_date(_int(year), _int(month), sf.lit(1))
    days = _int(day)
    return sf.when(days <= sf.dayofmonth(sf.last_day(first)), sf.date_add(first, days - 1))


def _date(groups: SparkColumn) -> SparkColumn:
    year, month, day = (sf.get(groups, index) for index in range(3))
    return sf.when(groups.isNotNull(), _day(year, month, day))


def _timestamp(groups: SparkColumn) -> SparkColumn:
    """The moment in UTC, to the microsecond (further digits are cut, as Polars cuts them):
    micro-seconds since 1970 assembled from the grammar's groups and the zone's offset."""
    year, month, day, hour, minute, second, fraction, zone = (
        sf.get(groups, index) for index in range(8)
    )
    days = sf.unix_date(_day(year, month, day)).cast("bigint")
    offset_hours = sf.coalesce(_int(sf.substring(zone, 2, 2)), sf.lit(0))
    zone_digits = sf.regexp_replace(zone, ":", "")  # +02:00, +0200 or +02
    offset_minutes = sf.coalesce(_int(sf.substring(zone_digits, 4, 2)), sf.lit(0))
    sign = sf.when(sf.substring(zone, 1, 1) == "-", -1).otherwise(1)
    offset = sign * (offset_hours * 3600 + offset_minutes * 60)
    seconds = days * 86400 + _int(hour) * 3600 + _int(minute) * 60 + _int(second) - offset
    micros = sf.rpad(sf.substring(fraction, 1, 6), 6, "0").try_cast("bigint")
    return sf.when(groups.isNotNull(), sf.timestamp_micros(seconds * _MICROS + micros))


def broken(rule: Rule, now: datetime, java: JavaRegexes) -> SparkColumn:
    """True where the row breaks `rule` (`rules._broken`), on the helper columns."""
    column = rule.column
    text, value = _col(text_name(column)), _col(value_name(column))
    match rule.kind:
        case "control_character":
            condition = _col(column.name).rlike(java(CONTROL_CHARACTERS))
        case "missing":
            condition = text.isNull()
        case "bad_type":
            condition = text.isNotNull() & value.isNull()
        case "non_finite":
            condition = sf.isnan(value) | (sf.abs(value) == sf.lit(float("inf")))
        case "out_of_range":
            earliest, latest = window(column, now)
            condition = ~value.between(_literal(earliest), _literal(latest))
        case "pattern":
            assert column.pattern is not None
            condition = value.isNotNull() & ~value.rlike(java(column.pattern))
        case "below_minimum":
            # NaN is above every number in Spark, as in Polars' comparisons.
            condition = value < sf.lit(column.minimum)
        case "above_maximum":
            condition = value > sf.lit(column.maximum)
        case "invalid":
            assert column.valid_values is not None
            condition = value.isNotNull() & ~value.isin(list(column.valid_values))
    return sf.coalesce(condition, sf.lit(False))


def _literal(moment: date | datetime) -> SparkColumn:
    """A date, or a UTC timestamp to the microsecond (no float seconds on the way)."""
    if isinstance(moment, datetime):
        micros = (moment - _EPOCH) // timedelta(microseconds=1)
        return sf.timestamp_micros(sf.lit(micros))
    return sf.lit(moment)


def read_error() -> SparkColumn:
    """The reader's reason for a row it could not split into columns (`_read_error`), else
    null; raw rows written before that column existed marked unparseable JSON only."""
    return sf.coalesce(
        sf.col("_read_error"),
        sf.when(sf.col("_raw_line").isNotNull(), sf.lit("unparseable_json")),
    )


def raw_columns(raw: DataFrame) -> list[str]:
    """The columns a quarantined row keeps: the raw zone's, `_read_error` always among them."""
    return [*raw.columns, *([] if "_read_error" in raw.columns else ["_read_error"])]


def check(
    raw: DataFrame, contract: Contract, *, now: datetime, flag_duplicates: bool, java: JavaRegexes
) -> DataFrame:
    """The raw rows with each column's text and value, `_failed` and, for failed rows,
    `_reason` (`transforms.validate.validate` before it splits the rows)."""
    if "_read_error" not in raw.columns:
        raw = raw.withColumn("_read_error", sf.lit(None).cast("string"))
    raw = raw.withColumn(READ_ORDER, sf.monotonically_increasing_id())
    columns = contract.columns
    texts = raw.select("*", *(normalised(c).alias(text_name(c)) for c in columns))
    # The groups of the dates and times in a projection of their own: each text is matched
    # once (read from one expression, the groups would be matched once per group and use;
    # 2.6x the time of the whole parse here).
    timed = [c for c in columns if c.logical_type in GROUPED]
    grouped = texts.select(
        "*", *(grammar_groups(c, _col(text_name(c)), java).alias(groups_name(c)) for c in timed)
    )
    values = grouped.select(
        "*", *(parsed(c, _col(text_name(c)), java).alias(value_name(c)) for c in columns)
    ).drop(*(groups_name(c) for c in timed))
    rules = [(broken(rule, now, java), rule.reason) for rule in contract_rules(contract)]
    failed = read_error().isNotNull()
    for condition, _ in rules:
        failed = failed | condition
    reasons = sf.concat_ws("; ", *(sf.when(c, sf.lit(reason)) for c, reason in rules))
    checked = values.withColumn("_failed", failed)
    duplicate = _duplicate(contract) if flag_duplicates else sf.lit(False)
    checked = checked.withColumn("_duplicate", duplicate)
    reason = (
        sf.when(sf.col("_duplicate"), sf.lit(duplicate_key_reason(contract)))
        .when(read_error().isNotNull(), read_error())
        .otherwise(reasons)
    )
    return checked.select(
        *(_col(name) for name in checked.columns if name not in ("_failed", "_duplicate")),
        (sf.col("_failed") | sf.col("_duplicate")).alias("_failed"),
        sf.when(sf.col("_failed") | sf.col("_duplicate"), reason).alias("_reason"),
    )


def _duplicate(contract: Contract) -> SparkColumn:
    """True for a valid row whose key a later valid row repeats: the latest event time
    wins, ties go to the row read last (the rule of transforms/validate.py and dedup)."""
    keys = [_col(value_name(contract.column(name))) for name in contract.keys]
    event_time = _col(value_name(contract.column(contract.event_time)))
    latest_first = Window.partitionBy(*keys, sf.col("_failed")).orderBy(
        event_time.desc_nulls_last(),
        sf.col("_source").desc_nulls_last(),
        sf.col("_source_row").desc_nulls_last(),
        sf.col(READ_ORDER).desc(),
    )
    return ~sf.col("_failed") & (sf.row_number().over(latest_first) > 1)


def valid_rows(checked: DataFrame, contract: Contract) -> DataFrame:
    """The typed rows that kept every rule, in the validated zone's columns."""
    return checked.filter(~sf.col("_failed")).select(
        *(_col(value_name(c)).alias(c.name) for c in contract.columns), *META
    )


def quarantine_rows(checked: DataFrame, raw_columns: list[str], now: datetime) -> DataFrame:
    """The failed rows as they were read, with `_reason` and `_quarantined_at` (= `now`)."""
    return checked.filter(sf.col("_failed")).select(
        *(_col(name) for name in raw_columns),
        sf.col("_reason"),
        _literal(now).alias("_quarantined_at"),
    )


def reason_counts(checked: DataFrame) -> dict[str, int]:
    """Quarantined rows per reason ('; ' separates the reasons of one row): an aggregation,
    no row leaves the executors."""
    reasons = checked.filter(sf.col("_failed")).select(
        sf.explode(sf.split(sf.col("_reason"), "; ")).alias("reason")
    )
    counted = reasons.groupBy("reason").count().collect()
    return {str(row["reason"]): int(row["count"]) for row in sorted(counted)}
