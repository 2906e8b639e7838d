"""PII-free text: emails and phone numbers out of free text, row content out of error messages.

The same patterns run on two engines: Polars (Rust's `regex`, on whole columns: see
`masking.redact`) and Python's `re` (log events, error messages). Rust's `regex` has no
look-around, so a phone number's boundaries are matched as groups and written back, and dates
are shielded before phone numbers are looked for (a date is the most common run of digits and
separators that is not a phone number).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import PurePath

from ..contracts import Contract

EMAIL = "[email]"
PHONE = "[phone]"
VALUE = "<value>"
ROW = "<row>"

# A local part that starts with a letter or digit (unicode: zoë.müller, o'brien+tag), an `@`
# or its URL encoding `%40` (query strings), then dotted domain labels and a letter-only TLD.
EMAIL_PATTERN = r"\w[\w.%+'-]*(?:@|%40)(?:[\w%-]+\.)+[^\W\d_]{2,}"

# While phone numbers are looked for, a private-use character marks both ends of every date
# (2025-06-07, 07.06.2025, between non-digits): a phone number never runs across it, so
# "07.06.2025 14 30" is not one. The marks are removed afterwards.
_MARK = "\ue000"
_YEAR = r"(?:1[89]|20)\d{2}"
_MONTH = r"(?:0?[1-9]|1[0-2])"
_DAY = r"(?:0?[1-9]|[12]\d|3[01])"
DATE_PATTERN = rf"(^|\D)({_YEAR}[.-]{_MONTH}[.-]{_DAY}|{_DAY}[.-]{_MONTH}[.-]{_YEAR})(\D|$)"
DATE_SHIELD = f"${{1}}{_MARK}${{2}}{_MARK}${{3}}"
DATE_MARK = _MARK

# One digit, then more digits each after a separator: at most two of space . - ( ) and their
# URL encodings (%20 %28 %29), or a + (a space in a query string) next to at most one encoding.
# " +" is no separator: "+44 7700 900123 +44 ..." are two numbers. This counts digits whatever
# the grouping. International: + (or %2B, or 00) and 7-15 digits (E.164). National: a trunk 0
# and 9-13 digits. North American: (415) 555-0123, 415-555-0123, 415.555.0123.
_SEPARATOR = r"(?:(?:[ .()-]|%2[089]){0,2}|\+(?:%2[089])?|%2[089]\+)"
_INTERNATIONAL = rf"(?:\+|%2[Bb]|00)\(?[1-9](?:{_SEPARATOR}\d){{6,14}}"
_NATIONAL = rf"\(?0[1-9](?:{_SEPARATOR}\d){{7,11}}"
_NORTH_AMERICAN = r"\(?[2-9]\d{2}\)?[ .-]?\d{3}[ .-]\d{4}"
# Not after a word character or . / - # + % (versions 126.0.6478.126, IPs, paths /product/0123,
# ids ORD-0012345678) or a date, and not before a word character (\b, a zero-width check, so
# a number right after another one is found in the same pass).
PHONE_PATTERN = rf"(^|[^\w.#%+/{_MARK}-])({_INTERNATIONAL}|{_NATIONAL}|{_NORTH_AMERICAN})\b"
PHONE_REPLACEMENT = f"${{1}}{PHONE}"

# Error messages: quoted spans, JSON objects, delimited rows, long numbers.
_QUOTED = re.compile(r"```(.*?)```|`([^`]*)`|'([^'\n]*)'|\"([^\"]*)\"", re.DOTALL)
_OBJECT = re.compile(r"\{[^{}]*\}|(?<!datetime)\[(?!Errno)[^\[\]]*\]")
# A field ending in a delimiter directly followed by the next field (a CSV row; prose puts a
# space after its commas), then the rest of the line.
_DELIMITED = re.compile(r"(?:[^\s,;|\t:][^,;|\t\n:]*[,;|\t](?=\S))+[^\n]*")
_LONG_NUMBER = re.compile(r"\d{6,}")
_HINTS = ("you might want to try", "hint:", "this error occurred in", "consider setting")
# Quoted words that are never row content: Polars type names and text encodings.
_TYPE_NAMES = re.compile(
    r"^(?:str|bool|date|time|null|binary|[uif]\d{1,3}|datetime\[.{1,6}\]"
    r"|utf-?(?:8|16|32)(?:-sig)?|ascii|latin-?1|iso-8859-\d{1,2}|cp\d{3,4})$",
    re.IGNORECASE,
)
_FILE_NAME = re.compile(r"^[\w./\\ :-]+\.(?:csv|jsonl?|parquet|tsv|txt|gz)$")
MAX_MESSAGE = 400


def _python(template: str) -> str:
    """A Rust replacement template (`${1}`) in Python's syntax (`\\g<1>`)."""
    return re.sub(r"\$\{(\d+)\}", r"\\g<\1>", template)


_EMAIL_RE = re.compile(EMAIL_PATTERN)
_PHONE_RE = re.compile(PHONE_PATTERN)
_PHONE_TEMPLATE = _python(PHONE_REPLACEMENT)
_DATE_RE = re.compile(DATE_PATTERN)
_DATE_TEMPLATE = _python(DATE_SHIELD)


def redact_text(text: str) -> str:
    """Emails and phone numbers in `text` replaced by [email] and [phone] (see `redact`)."""
    text = _EMAIL_RE.sub(EMAIL, text)
    text = _DATE_RE.sub(_DATE_TEMPLATE, text)
    text = _PHONE_RE.sub(_PHONE_TEMPLATE, text)
    return text.replace(DATE_MARK, "")


def safe_message(message: str, known_names: Iterable[str] = ()) -> str:
    """`message` without anything that could be a value from a row.

    Quoted spans, JSON objects, lists and delimited rows are replaced by <value> / <row>,
    unless a quoted span is one of `known_names` (columns, datasets), a type name or a file
    name (kept as its base name). Emails and phone numbers left are redacted, numbers of six
    or more digits dropped, hint paragraphs removed, and the message kept to one short line.
    """
    known = set(known_names)

    def quoted(match: re.Match[str]) -> str:
        block, *spans = match.groups()
        if block is not None:  # ```...```: Polars wraps the underlying error in these
            return " " + safe_message(block, known) + " "
        inner = next(s for s in spans if s is not None)
        if inner in known or _TYPE_NAMES.match(inner):
            return f"'{inner}'"
        if _FILE_NAME.match(inner):
            return f"'{PurePath(inner.replace(chr(92), '/')).name}'"
        return VALUE

    text = _QUOTED.sub(quoted, message)
    text = _OBJECT.sub(ROW, text)
    text = _DELIMITED.sub(ROW, text)
    text = redact_text(text)
    text = _LONG_NUMBER.sub("<number>", text)
    paragraphs = [p for p in re.split(r"\n\s*\n", text) if p.strip()]
    kept = [p for p in paragraphs if not p.strip().lower().startswith(_HINTS)]
    line = " ".join(" ".join(kept).split())
    return line if len(line) <= MAX_MESSAGE else line[: MAX_MESSAGE - 1] + "…"


def contract_names(contracts: Iterable[Contract]) -> set[str]:
    """Dataset and column names: the quoted words an error message may keep."""
    names: set[str] = set()
    for contract in contracts:
        names |= {contract.dataset, *contract.column_names}
    return names


def safe_error(
    error: BaseException,
    known_names: Iterable[str] = (),
    trusted: tuple[type[BaseException], ...] = (),
) -> str:
    """`Type: message` of an exception with no row content, for every place an error is
    written: batch state, ops.audit_runs, lineage FAIL events, logs and the CLI.

    Parser errors quote the rows they choke on (names, emails, phone numbers), so the message
    is cleaned by `safe_message`; what helps an operator stays: the exception type, the
    reason, column and dataset names (`known_names`), file names and small numbers (line,
    column, position). The messages of `trusted` types are the project's own, built from
    names and counts only (e.g. PipelineError): they keep their wording and only go through
    `redact_text`. Embed another exception in them with `safe_error(cause)`, never `str(cause)`.
    """
    name = type(error).__name__
    if isinstance(error, trusted):
        message = redact_text(str(error)).strip()
    else:
        message = safe_message(str(error), known_names)
    return f"{name}: {message}" if message else name
