"""Validate raw rows against their contract: typed rows pass, every other row is quarantined.

A row is quarantined with every reason that applies, e.g. `bad_type:amount; missing:customer_id`,
so a fix can be targeted and the quarantine replayed (see `cli dlq replay`). A row the reader
could not split into columns (`_read_error`, see sources/files.py) is quarantined for that
reason alone: its columns are empty and its text is kept in `_raw_line`.

The rules and the grammars of the values are those of rules.py, compiled here into Polars
expressions; `rules.check_record` is their plain-Python twin, which the stream jobs use and
the tests compare this module with.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import polars as pl

from ..contracts import Column, Contract
from ..rules import (
    BOOLEANS,
    CONTROL_CHARACTERS,
    DATE_FORMAT,
    DATE_GRAMMAR,
    NUMBER_GRAMMAR,
    TIMESTAMP_FORMAT,
    TIMESTAMP_GRAMMAR,
    WHITESPACE,
    Rule,
    contract_rules,
    window,
)

TIMESTAMP_TYPE = pl.Datetime("us", "UTC")


@dataclass(frozen=True)
class ValidationResult:
    valid: pl.DataFrame
    quarantine: pl.DataFrame


def polars_type(column: Column) -> pl.DataType:
    return {
        "string": pl.String(),
        "integer": pl.Int64(),
        "number": pl.Float64(),
        "boolean": pl.Boolean(),
        "date": pl.Date(),
        "timestamp": TIMESTAMP_TYPE,
    }[column.logical_type]


def normalised(column: Column) -> pl.Expr:
    """The raw text, trimmed, empty as null, in the contract's case (`rules.normalise`)."""
    text = pl.col(column.name).str.strip_chars(WHITESPACE)
    text = pl.when(text == "").then(None).otherwise(text)
    if column.case == "lower":
        return text.str.to_lowercase()
    if column.case == "upper":
        return text.str.to_uppercase()
    return text


def parsed(column: Column) -> pl.Expr:
    """The normalised text parsed as the contract's type; null where it does not parse."""
    return _parse(column, normalised(column))


def _parse(column: Column, text: pl.Expr) -> pl.Expr:
    """`rules.parse` for a column: the text if the type's grammar accepts it, parsed. Polars'
    parsers alone accept more (1-digit months, a leap second, `1_0`...); its integer cast
    reads exactly the integer grammar (tests/test_rules.py), so it needs no check first."""
    match column.logical_type:
        case "integer":
            return text.cast(pl.Int64, strict=False)
        case "number":
            return _if_grammar(text, NUMBER_GRAMMAR, text.cast(pl.Float64, strict=False))
        case "boolean":
            return text.str.to_lowercase().replace_strict(BOOLEANS, default=None)
        case "date":
            return _if_grammar(text, DATE_GRAMMAR, text.str.to_date(DATE_FORMAT, strict=False))
        case "timestamp":
            value = text.str.to_datetime(TIMESTAMP_FORMAT, time_zone="UTC", strict=False)
            return _if_grammar(text, TIMESTAMP_GRAMMAR, value)
        case _:
            return text


def _if_grammar(text: pl.Expr, grammar: str, value: pl.Expr) -> pl.Expr:
    return pl.when(text.str.contains(grammar)).then(value)


# Each column's normalised text and parsed value, computed once per chunk for all its rules
# and kept for the valid rows (Polars does not share them between the rules' expressions).
def _text(column: Column) -> str:
    return f"__text:{column.name}"


def _value(column: Column) -> str:
    return f"__value:{column.name}"


def _with_text_and_values(frame: pl.LazyFrame, contract: Contract) -> pl.LazyFrame:
    return frame.with_columns(
        normalised(column).alias(_text(column)) for column in contract.columns
    ).with_columns(
        _parse(column, pl.col(_text(column))).alias(_value(column)) for column in contract.columns
    )


def _broken(rule: Rule, now: datetime) -> pl.Expr:
    """True where the row breaks `rule` (`rules._broken` for a whole column); it reads the
    columns of `_with_text_and_values`; `now` anchors the date window."""
    column = rule.column
    text, value = pl.col(_text(column)), pl.col(_value(column))
    match rule.kind:
        case "control_character":
            broken = pl.col(column.name).str.contains(CONTROL_CHARACTERS)
        case "missing":
            broken = text.is_null()
        case "bad_type":
            broken = text.is_not_null() & value.is_null()
        case "non_finite":
            broken = ~value.is_finite()
        case "out_of_range":
            earliest, latest = window(column, now)
            dtype = polars_type(column)
            broken = ~value.is_between(pl.lit(earliest, dtype), pl.lit(latest, dtype))
        case "pattern":
            assert column.pattern is not None
            broken = value.is_not_null() & ~value.str.contains(column.pattern)
        case "below_minimum":
            broken = value < column.minimum
        case "above_maximum":
            broken = value > column.maximum
        case "invalid":
            assert column.valid_values is not None
            allowed = pl.lit(pl.Series(column.valid_values, dtype=pl.String))
            broken = value.is_not_null() & ~value.is_in(allowed.implode())
    return broken.fill_null(False)


def _all_rules(
    contract: Contract, now: datetime, *, masked_upstream: bool = False
) -> list[tuple[pl.Expr, str]]:
    rules = contract_rules(contract, masked_upstream=masked_upstream)
    return [(_broken(rule, now), rule.reason) for rule in rules]


def _read_error() -> pl.Expr:
    """The reader's reason for a row it could not split into columns, else null. Raw rows
    written before `_read_error` existed marked only unparseable JSON, by keeping `_raw_line`."""
    return pl.coalesce(
        pl.col("_read_error"),
        pl.when(pl.col("_raw_line").is_not_null()).then(pl.lit("unparseable_json")),
    )


def failed_expr(contract: Contract, now: datetime, *, masked_upstream: bool = False) -> pl.Expr:
    """True for a row that breaks any rule, or that the reader could not parse at all
    (on the columns of `_with_text_and_values`)."""
    rules = _all_rules(contract, now, masked_upstream=masked_upstream)
    conditions = [condition for condition, _ in rules]
    return _read_error().is_not_null() | pl.any_horizontal(conditions)


def reason_expr(contract: Contract, now: datetime, *, masked_upstream: bool = False) -> pl.Expr:
    """Every failed rule of a row, joined with '; ' (empty when the row is valid; on the
    columns of `_with_text_and_values`)."""
    rules = _all_rules(contract, now, masked_upstream=masked_upstream)
    reasons = [pl.when(failed).then(pl.lit(reason)) for failed, reason in rules]
    # An unparsed line fails only for the reader's reason: its columns are all null.
    return (
        pl.when(_read_error().is_not_null())
        .then(_read_error())
        .otherwise(pl.concat_str(reasons, separator="; ", ignore_nulls=True))
        .fill_null("")
    )


def duplicate_key_reason(contract: Contract) -> str:
    return "duplicate_key:" + ",".join(contract.keys)


def _flag_duplicate_keys(checked: pl.LazyFrame, contract: Contract) -> pl.LazyFrame:
    """Mark every valid row whose key a later valid row repeats: the latest event time wins,
    ties go to the row read last (the rule of transforms/dedup.py and the warehouse merge).
    Rows that fail other rules never compete, so a broken copy cannot displace a good one."""
    keys = [pl.col(_value(contract.column(name))) for name in contract.keys]
    event_time = pl.col(_value(contract.column(contract.event_time)))
    # Each row's place among the copies of its key, latest first (ordered within each key,
    # not a sort of the whole chunk: 2.4x faster on 0.5M orders).
    place = pl.int_range(pl.len()).over(
        [*keys, "_failed"],
        order_by=[event_time, pl.col("_source"), pl.col("_source_row")],
        descending=True,
        nulls_last=True,
    )
    return checked.with_columns(_duplicate=~pl.col("_failed") & (place > 0))


def validate(
    raw: pl.DataFrame,
    contract: Contract,
    *,
    now: datetime | None = None,
    quarantine_duplicate_keys: bool = False,
    masked_upstream: bool = False,
) -> ValidationResult:
    """Split `raw` into typed valid rows and quarantined rows with their reasons.

    With `masked_upstream` the rows were checked and masked by the stream core (the stream's
    lake archive): masked columns are held to their type only (`rules.MASKED_VALUE_RULES`),
    and a column the contract masks by `drop` is not expected (the caller does not mask
    these rows again: `privacy.masking.masked_upstream`).

    With `quarantine_duplicate_keys` (a project without the dedup transformation, whose
    sources promise unique keys), every copy of a repeated key but the latest is quarantined
    as `duplicate_key:<keys>`: the keyed load still gets one row per key, and the broken
    promise is counted and kept instead of vanishing.
    """
    now = now or datetime.now(UTC)
    if "_read_error" not in raw.columns:
        raw = raw.with_columns(_read_error=pl.lit(None, pl.String))
    # Each column is normalised and parsed once, for its rules and the valid rows; reasons
    # are spelled out for failed rows only.
    lazy = _with_text_and_values(raw.lazy(), contract).with_columns(
        _failed=failed_expr(contract, now, masked_upstream=masked_upstream)
    )
    if quarantine_duplicate_keys:
        lazy = _flag_duplicate_keys(lazy, contract)
    else:
        lazy = lazy.with_columns(_duplicate=pl.lit(False))
    checked = lazy.with_columns(
        _reason_extra=pl.when(pl.col("_duplicate")).then(pl.lit(duplicate_key_reason(contract))),
        _failed=pl.col("_failed") | pl.col("_duplicate"),
    ).collect()
    valid = (
        checked.lazy()
        .filter(~pl.col("_failed"))
        .select(
            *(pl.col(_value(column)).alias(column.name) for column in contract.columns),
            "_batch_id",
            "_source",
            "_source_row",
            "_ingested_at",
        )
        .collect()
    )
    quarantine = (
        checked.lazy()
        .filter(pl.col("_failed"))
        .with_columns(
            _reason=pl.coalesce(
                pl.col("_reason_extra"),
                reason_expr(contract, now, masked_upstream=masked_upstream),
            ),
            _quarantined_at=pl.lit(now, dtype=TIMESTAMP_TYPE),
        )
        .drop("_failed", "_duplicate", "_reason_extra")
        .drop(*(_text(column) for column in contract.columns))
        .drop(*(_value(column) for column in contract.columns))
        .collect()
    )
    return ValidationResult(valid=valid, quarantine=quarantine)
