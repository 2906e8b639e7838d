"""Masking strategies, applied to whole columns as Polars expressions (no Python per row).

* pseudonymise: HMAC-SHA256 with the secret key, hex. Deterministic, so joins and distinct
  counts still work, and not reversible by hashing a dictionary of known emails without the
  key. polars-hash computes it in Rust; it matches Python's `hmac` byte for byte (tested)
  and ran ~9x faster than `hmac.digest` in `map_batches` on 1M emails.
* redact: emails and phone numbers inside free text become [email] / [phone] (the patterns
  and what they deliberately leave alone, dates, versions, IPs, prices, are in redaction.py).
* generalise_ip: IPv4 to its /24 network (81.2.69.142 -> 81.2.69.0/24); anything else to null.
* generalise_year: a date to the first day of its year.
* drop: the column is removed.
"""

from __future__ import annotations

import polars as pl
import polars_hash  # noqa: F401  (registers the `chash` expression namespace)

from ..contracts import Contract
from .records import IPV4_PATTERN
from .redaction import (
    DATE_MARK,
    DATE_PATTERN,
    DATE_SHIELD,
    EMAIL,
    EMAIL_PATTERN,
    PHONE_PATTERN,
    PHONE_REPLACEMENT,
)


def pseudonymise(expr: pl.Expr, key: str) -> pl.Expr:
    hashed: pl.Expr = expr.chash.hmac_sha256(key=key)  # type: ignore[attr-defined]
    return hashed


def redact(expr: pl.Expr) -> pl.Expr:
    """The column-wise twin of `redaction.redact_text` (same patterns, same steps)."""
    return (
        expr.str.replace_all(EMAIL_PATTERN, EMAIL)
        .str.replace_all(DATE_PATTERN, DATE_SHIELD)
        .str.replace_all(PHONE_PATTERN, PHONE_REPLACEMENT)
        .str.replace_all(DATE_MARK, "", literal=True)
    )


def generalise_ip(expr: pl.Expr) -> pl.Expr:
    return (
        pl.when(expr.str.contains(IPV4_PATTERN))
        .then(expr.str.replace(IPV4_PATTERN, "${1}.0/24"))
        .otherwise(None)
    )


def generalise_year(expr: pl.Expr) -> pl.Expr:
    return expr.dt.truncate("1y")


def _redact_distinct(values: pl.Series) -> pl.Expr:
    """`redact` run on the column's distinct values only, then mapped back: user agents and
    URLs repeat, so the regexes see a fraction of the rows."""
    distinct = values.unique().drop_nulls()
    redacted = pl.select(redact(pl.lit(distinct))).to_series()
    return pl.col(values.name).replace(distinct, redacted)


def mask(frame: pl.DataFrame, contract: Contract, key: str) -> pl.DataFrame:
    """Apply each column's masking strategy from the contract."""
    dropped = [c.name for c in contract.pii_columns if c.masking == "drop"]
    expressions: list[pl.Expr] = []
    for column in contract.pii_columns:
        value = pl.col(column.name)
        match column.masking:
            case "pseudonymise":
                expressions.append(pseudonymise(value, key).alias(column.name))
            case "redact":
                expressions.append(_redact_distinct(frame.get_column(column.name)))
            case "generalise_ip":
                expressions.append(generalise_ip(value).alias(column.name))
            case "generalise_year":
                expressions.append(generalise_year(value).alias(column.name))
    return frame.with_columns(expressions).drop(dropped)


def masked_upstream(frame: pl.DataFrame, contract: Contract) -> pl.DataFrame:
    """Rows the stream core masked already (its lake archive), as `mask` would leave them,
    without masking them again: a pseudonym of a pseudonym would no longer match the
    erasure lookups' and the joins' tokens of the same value. Only the `drop` columns go
    (absent from the archive, null here)."""
    return frame.drop(c.name for c in contract.pii_columns if c.masking == "drop")
