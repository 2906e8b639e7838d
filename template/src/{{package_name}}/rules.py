"""The contracts' row rules as data, and their plain-Python evaluation: the oracle.

Each column of a contract gives a list of rules (`column_rules`); a broken rule's reason is
`<kind>:<column>`, e.g. `bad_type:amount`. Two engines evaluate the same rules:

* `transforms/validate.py` compiles them into Polars expressions, a chunk at a time;
* `check_record` here runs them on one record in plain Python: the stream jobs validate each
  event with it, and the tests compare the Polars compilation with it (same rows, same
  reasons: tests/test_rules.py).

Both engines parse a value by the same grammar per type (the regular expressions below:
Rust's `regex` and Python's `re` read them alike), so both accept exactly the same texts.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any, Literal

from .contracts import Column, Contract

RuleKind = Literal[
    "control_character",
    "missing",
    "bad_type",
    "non_finite",
    "out_of_range",
    "pattern",
    "below_minimum",
    "above_maximum",
    "invalid",
]
Value = str | int | float | bool | date | datetime

# C0 and C1 control characters and DEL; tab, line feed and carriage return are text. A NUL
# would also fail a PostgreSQL load, so no warehouse ever sees one.
CONTROL_CHARACTERS = r"[\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]"
# Unicode White_Space, which Polars' `strip_chars()` trims (Python's `str.strip()` would also
# trim the separators \x1c-\x1f, which are control characters here).
WHITESPACE = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
BOOLEANS = {"true": True, "false": False, "1": True, "0": False, "yes": True, "no": False}

# The grammars. ASCII digits only ([0-9], not \d, which is Unicode in both engines). Years
# 0001-9999, the range Python's dates have. Timestamps are ISO 8601 with a zone ("Z",
# "+02:00", "+0200" or "+02") and optional fractions (beyond microseconds truncated): a naive
# timestamp is refused, as guessing its zone would shift events silently.
INTEGER_GRAMMAR = r"^[+-]?[0-9]+$"
NUMBER_GRAMMAR = (
    r"^[+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|(?i:inf|infinity|nan))$"
)
_YEAR = r"([1-9][0-9]{3}|0[1-9][0-9]{2}|00[1-9][0-9]|000[1-9])"
_DATE = _YEAR + r"-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
DATE_GRAMMAR = rf"^{_DATE}$"
TIMESTAMP_GRAMMAR = (
    rf"^{_DATE}T([01][0-9]|2[0-3]):([0-5][0-9]):([0-5][0-9])(?:\.([0-9]+))?"
    r"([Zz]|[+-](?:[01][0-9]|2[0-3])(?::?[0-5][0-9])?)$"
)
# Polars' parse formats for the texts the grammars accept.
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S%.f%#z"
DATE_FORMAT = "%Y-%m-%d"

_CONTROL = re.compile(CONTROL_CHARACTERS)
_INTEGER = re.compile(INTEGER_GRAMMAR)
_NUMBER = re.compile(NUMBER_GRAMMAR)
_DATE_RE = re.compile(DATE_GRAMMAR)
_TIMESTAMP = re.compile(TIMESTAMP_GRAMMAR)
INT64 = (-(2**63), 2**63 - 1)
_EARLIEST, _LATEST = datetime.min.replace(tzinfo=UTC), datetime.max.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Rule:
    kind: RuleKind
    column: Column

    @property
    def reason(self) -> str:
        return f"{self.kind}:{self.column.name}"


@functools.cache
def column_rules(column: Column) -> tuple[Rule, ...]:
    """The column's rules, in the order their reasons are listed."""
    kinds: list[RuleKind] = ["control_character"]
    if column.required:
        kinds.append("missing")
    kinds.append("bad_type")
    if column.logical_type == "number":
        # `inf`, `Infinity`, `1e400` and `NaN` all parse as floats; none is an amount.
        kinds.append("non_finite")
    if column.not_before is not None and column.max_future_days is not None:
        kinds.append("out_of_range")
    if column.pattern:
        kinds.append("pattern")
    if column.minimum is not None:
        kinds.append("below_minimum")
    if column.maximum is not None:
        kinds.append("above_maximum")
    if column.valid_values:
        kinds.append("invalid")
    return tuple(Rule(kind, column) for kind in kinds)


# What a value masked upstream is still held to. The stream core checks every rule on the
# clear value, then masks it (streaming/core.py): a pseudonymised email is hex, a generalised
# IP a network, so the clear value's grammar (pattern, format, allowed values, being present)
# no longer applies to it; its type and the absence of control characters still do.
MASKED_VALUE_RULES: frozenset[RuleKind] = frozenset({"control_character", "bad_type"})


def contract_rules(contract: Contract, *, masked_upstream: bool = False) -> list[Rule]:
    """The rules of every column; with `masked_upstream` (rows the stream core checked and
    masked: its lake archive), a masked column keeps only MASKED_VALUE_RULES, and a column
    masked by `drop` none (the archive does not hold it)."""
    if not masked_upstream:
        return [rule for column in contract.columns for rule in column_rules(column)]
    rules: list[Rule] = []
    for column in contract.columns:
        if column.masking == "drop":
            continue
        own = column_rules(column)
        if column.masking != "none":
            own = tuple(rule for rule in own if rule.kind in MASKED_VALUE_RULES)
        rules += own
    return rules


def window(column: Column, now: datetime) -> tuple[date, date] | tuple[datetime, datetime]:
    """A date or timestamp column's plausible values: `not_before` to `max_future_days`
    after `now`, both included."""
    assert column.not_before is not None and column.max_future_days is not None
    latest = now.astimezone(UTC) + timedelta(days=column.max_future_days)
    if column.logical_type == "date":
        return column.not_before, latest.date()
    return datetime.combine(column.not_before, time(), UTC), latest


# --- one record, in plain Python ---------------------------------------------------------
def normalise(column: Column, raw: str | None) -> str | None:
    """The raw text, trimmed, empty as null, in the contract's case."""
    if raw is None:
        return None
    text = raw.strip(WHITESPACE)
    if not text:
        return None
    if column.case == "lower":
        return text.lower()
    if column.case == "upper":
        return text.upper()
    return text


def parse(column: Column, text: str | None) -> Value | None:
    """The normalised text as the contract's type; None where it does not parse."""
    if text is None:
        return None
    match column.logical_type:
        case "integer":
            if not _INTEGER.match(text):
                return None
            number = int(text)
            return number if INT64[0] <= number <= INT64[1] else None
        case "number":
            return float(text) if _NUMBER.match(text) else None
        case "boolean":
            return BOOLEANS.get(text.lower())
        case "date":
            found = _DATE_RE.match(text)
            return _date(found) if found else None
        case "timestamp":
            found = _TIMESTAMP.match(text)
            return _timestamp(found) if found else None
        case _:
            return text


def _date(found: re.Match[str]) -> date | None:
    try:
        year, month, day = map(int, found.groups())
        return date(year, month, day)
    except ValueError:  # 30 February
        return None


def _timestamp(found: re.Match[str]) -> datetime | None:
    *fields, fraction, zone = found.groups()
    offset = timedelta()
    if zone not in "Zz":
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        offset = sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:] or 0))
    micros = int((fraction or "")[:6].ljust(6, "0"))  # truncated, as Polars does
    year, month, day, hour, minute, second = map(int, fields)
    try:
        local = datetime(year, month, day, hour, minute, second, micros, tzinfo=timezone(offset))
    except ValueError:  # 30 February
        return None
    try:
        return local.astimezone(UTC)
    except OverflowError:
        # A zone moved the moment to year 0 or 10000, which Python cannot hold (Polars can):
        # the nearest moment Python has, as far outside any plausible window.
        return _EARLIEST if local.year == 1 else _LATEST


class RecordChecker:
    """`check_record` for one contract, its columns' rules looked up once (a stream job
    checks every event against the same contract)."""

    def __init__(self, contract: Contract) -> None:
        self.columns = [(column, column_rules(column)) for column in contract.columns]

    def check(
        self, raw: Mapping[str, str | None], now: datetime
    ) -> tuple[dict[str, Value | None] | None, list[str]]:
        values: dict[str, Value | None] = {}
        reasons: list[str] = []
        for column, rules in self.columns:
            text = normalise(column, raw.get(column.name))
            value = parse(column, text)
            values[column.name] = value
            for rule in rules:
                if _broken(rule, raw, text, value, now):
                    reasons.append(rule.reason)
        return (None, reasons) if reasons else (values, [])


def check_record(
    contract: Contract, raw: Mapping[str, str | None], now: datetime
) -> tuple[dict[str, Value | None] | None, list[str]]:
    """(the typed record, []) for a record that keeps every rule, else (None, reasons): the
    plain-Python twin of `transforms.validate.validate` for one row of raw texts."""
    return RecordChecker(contract).check(raw, now)


def _broken(
    rule: Rule, raw: Mapping[str, str | None], text: str | None, value: Any, now: datetime
) -> bool:
    column = rule.column
    match rule.kind:
        case "control_character":
            original = raw.get(column.name)
            return original is not None and _CONTROL.search(original) is not None
        case "missing":
            return text is None
        case "bad_type":
            return text is not None and value is None
        case "non_finite":
            return value is not None and not math.isfinite(value)
        case "out_of_range":
            earliest, latest = window(column, now)
            return value is not None and not earliest <= value <= latest
        case "pattern":
            assert column.pattern is not None
            return value is not None and _pattern(column.pattern).search(value) is None
        case "below_minimum":
            return value is not None and value < column.minimum
        case "above_maximum":
            return value is not None and value > column.maximum
        case "invalid":
            assert column.valid_values is not None
            return value is not None and value not in column.valid_values
    raise AssertionError(rule.kind)


@functools.cache
def _pattern(pattern: str) -> re.Pattern[str]:
    """A contract's pattern compiled for Python with Rust's `\\s` (Polars' regex engine):
    Python's also matches the separators \\x1c-\\x1f. `\\d` and `\\w` are Unicode in both."""
    spaces = "".join(f"\\u{ord(c):04x}" for c in WHITESPACE)
    translated: list[str] = []
    in_class, i = False, 0
    while i < len(pattern):
        two = pattern[i : i + 2]
        if two in ("\\s", "\\S") and not (in_class and two == "\\S"):
            negate = "^" if two == "\\S" else ""
            translated.append(spaces if in_class else f"[{negate}{spaces}]")
            i += 2
            continue
        if pattern[i] == "\\":
            translated.append(two)
            i += 2
            continue
        if pattern[i] == "[":
            in_class = True
        elif pattern[i] == "]" and in_class:
            in_class = False
        translated.append(pattern[i])
        i += 1
    return re.compile("".join(translated))


# --- one JSON record, as the file reader reads a JSON line ----------------------------------
def json_text(value: Any) -> str | None:
    """A JSON scalar as the text the JSON-lines reader keeps (Polars' decoding to strings):
    numbers in plain decimal notation (1.0 -> "1", 1e20 -> "100000000000000000000")."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    text = format(Decimal(repr(value)), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def read_json_record(
    line: str | bytes, contract: Contract
) -> tuple[dict[str, str | None], str | None]:
    """One JSON line as the raw texts of the contract's columns, or ({}, the reader's reason):
    `not_utf8`, `oversized_record`, `unparseable_json`, `not_an_object` or
    `nested_value:<column>` (the file reader's reasons, for one line)."""
    try:
        text = line.decode("utf-8") if isinstance(line, bytes) else line
    except UnicodeDecodeError:
        return {}, "not_utf8"
    if len(text.encode()) > contract.max_record_bytes:
        return {}, "oversized_record"
    try:
        record = json.loads(text, parse_constant=_not_json)
    except ValueError:  # the reader's JSON has no NaN or Infinity either
        return {}, "unparseable_json"
    if not isinstance(record, dict):
        return {}, "not_an_object"
    names = contract.column_names
    nested = [f"nested_value:{name}" for name in names if isinstance(record.get(name), dict | list)]
    if nested:
        return {}, "; ".join(nested)
    return {name: json_text(record.get(name)) for name in names}, None


def _not_json(constant: str) -> None:
    raise ValueError(f"{constant} is not JSON")
