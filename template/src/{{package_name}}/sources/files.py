"""Local file source: find each contract's files, fingerprint them, read them as raw strings.

Raw rows keep every value as the text that arrived (no type inference), so nothing is lost
or silently coerced before validation decides what is valid.

Every file is read on its own and never fails the batch:

* A file that cannot be read at all (empty, not UTF-8, a CSV header that is not the
  contract's columns, a parser that disagrees with the line count) is *rejected*: `read_file`
  returns its reason and no rows, and the pipeline quarantines the file byte for byte.
* A line that cannot be split into columns (too long, wrong field count, unbalanced quote,
  not a JSON object, a nested JSON value) becomes a row with `_read_error` set, its text in
  `_raw_line` and empty columns, so validation quarantines it with that reason.

One record is one line, in both formats: the physical records of a file are its non-blank
lines (less the CSV header), counted here independently of the parser. A CSV value may be
quoted but may not span lines; that is also how an unbalanced quote that would swallow the
following lines is caught. Blank lines are skipped and counted. Reasons name columns, never
values: file content (PII) never reaches a log, the batch state or the audit trail.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import polars as pl
import structlog

from ..contracts import Contract
from ..reliability import io_retry

log = structlog.get_logger(__name__)

META_COLUMNS = (
    "_batch_id",
    "_source",
    "_source_row",  # the line number in the file (1-based; a CSV header is line 1)
    "_ingested_at",
    "_raw_line",  # the line as it arrived, for a row the reader could not parse
    "_read_error",  # why the reader could not parse it
)
# Only ASCII whitespace makes a line blank: the same bytes in every ASCII-compatible encoding,
# so a file's records are counted the same way whether it decodes or not.
_BLANK = " \t\r\x0b\x0c"
_UNICODE_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_SPLIT_SEPARATOR = "\x1f"  # the unit separator: a control character, quarantined in values
# A quoted CSV field (the quote opens the field, as the parser sees it) with its doubled
# quotes: removed before counting delimiters.
_QUOTED_FIELD = r'(^|,)"(?:[^"]|"")*"'


@dataclass(frozen=True)
class InputFile:
    dataset: str
    path: Path
    sha256: str
    size_bytes: int

    def as_dict(self) -> dict[str, str | int]:
        return {
            "dataset": self.dataset,
            "path": str(self.path),
            "sha256": self.sha256,
            "size_bytes": self.size_bytes,
        }


@dataclass(frozen=True)
class FileRead:
    """One input file, read: its rows, or the reason it was rejected whole.

    `records` are the file's physical records (non-blank lines, less the CSV header), counted
    from the bytes: a file that was read has exactly that many rows, parsed or not.
    """

    rows: pl.DataFrame
    records: int
    blank_lines: int
    rejected: str | None = None  # the reason the whole file is quarantined
    detail: str = ""  # what to fix, naming columns only

    def report(self) -> dict[str, str | int | None]:
        """What the batch state, the audit trail and the logs may say about the file."""
        return {
            "records": self.records,
            "blank_lines": self.blank_lines,
            "rejected": self.rejected,
            "detail": self.detail,
        }


def discover(input_dir: Path, contracts: dict[str, Contract]) -> list[InputFile]:
    """Every input file that matches a contract's `servers[0].path` pattern."""
    found: list[InputFile] = []
    for contract in contracts.values():
        for path in sorted(input_dir.glob(contract.source_glob)):
            if path.is_file():
                found.append(
                    InputFile(
                        contract.dataset, path.resolve(), fingerprint(path), path.stat().st_size
                    )
                )
    return found


@io_retry
def fingerprint(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


@io_retry
def _read_bytes(path: Path) -> bytes:
    return path.read_bytes()


def empty_raw(contract: Contract) -> pl.DataFrame:
    """A raw frame without rows, for a dataset whose every file of the batch was rejected."""
    schema: dict[str, pl.DataType] = dict.fromkeys(contract.column_names, pl.String())
    schema |= dict.fromkeys(META_COLUMNS, pl.String())
    schema |= {"_source_row": pl.Int64(), "_ingested_at": pl.Datetime("us", "UTC")}
    return pl.DataFrame(schema=schema)


def read_file(
    file: InputFile, contract: Contract, *, batch_id: str, ingested_at: datetime
) -> FileRead:
    """The file's rows as strings, in contract column order, plus the lineage columns."""
    data = _read_bytes(file.path)
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        if data.startswith(_UNICODE_BOMS):
            raise UnicodeError("UTF-16 or UTF-32")
        data.decode("utf-8")  # only checked: the lines are split from the bytes
    except UnicodeError:
        # Latin-1 maps every byte to one character: the lines can still be counted.
        lines = _lines(data.decode("latin-1").encode())
        return _rejected(
            contract, lines, "encoding", "the file is not UTF-8 text; re-export it as UTF-8"
        )
    lines = _lines(data)
    del data
    if contract.source_format == "csv":
        read = _read_csv(lines, contract)
    else:
        read = _read_json_lines(lines, contract)
    if read.rejected:
        return read
    rows = read.rows.with_columns(
        _batch_id=pl.lit(batch_id),
        _source=pl.lit(file.path.name),
        _ingested_at=pl.lit(ingested_at, dtype=pl.Datetime("us", "UTC")),
    ).select(*contract.column_names, *META_COLUMNS)
    return FileRead(rows, read.records, read.blank_lines)


def _lines(data: bytes) -> pl.DataFrame:
    """Every line of UTF-8 bytes with its number and whether it is blank (CRLF is a newline)."""
    try:
        # The CSV reader splits lines fast and in parallel; with no quote character and a
        # separator no line should hold, each line is one value (an empty line a null).
        frame = pl.read_csv(
            data,
            has_header=False,
            separator=_SPLIT_SEPARATOR,
            quote_char=None,
            new_columns=["_raw_line"],
            infer_schema=False,
            raise_if_empty=False,
        ).select(pl.col("_raw_line").fill_null(""))
    except pl.exceptions.PolarsError:  # a line holds the separator: split the slower way
        text = data.decode("utf-8")
        frame = pl.Series("_raw_line", [text]).str.split("\n").list.explode().to_frame()
        if text.endswith("\n"):  # nothing follows the last newline: not a line
            frame = frame.head(-1)
    if not data:
        frame = pl.DataFrame(schema={"_raw_line": pl.String()})
    return frame.with_row_index("_source_row", offset=1).with_columns(
        pl.col("_source_row").cast(pl.Int64),
        pl.col("_raw_line").str.strip_suffix("\r"),
        _blank=pl.col("_raw_line").str.strip_chars(_BLANK) == "",
    )


def _rejected(contract: Contract, lines: pl.DataFrame, reason: str, detail: str) -> FileRead:
    """The whole file is quarantined; its physical records are counted all the same."""
    records = int((~lines.get_column("_blank")).sum())
    if contract.source_format == "csv" and records:
        records -= 1  # the first non-blank line of a CSV is its header, even a wrong one
    return FileRead(
        rows=empty_raw(contract),
        records=records,
        blank_lines=int(lines.get_column("_blank").sum()),
        rejected=reason,
        detail=detail,
    )


def _non_blank(lines: pl.DataFrame) -> pl.DataFrame:
    # Most files have no blank line: no need to copy them.
    return lines.filter(~pl.col("_blank")) if lines.get_column("_blank").any() else lines


def _line_checks(contract: Contract, *checks: tuple[pl.Expr, str]) -> pl.Expr:
    """The first failed line-level check's reason, or null; an oversized line fails first."""
    oversized = pl.col("_raw_line").str.len_bytes() > contract.max_record_bytes
    reason = pl.lit(None, pl.String)
    for failed, label in reversed([(oversized, "oversized_record"), *checks]):
        reason = pl.when(failed).then(pl.lit(label)).otherwise(reason)
    return reason


def _read_csv(lines: pl.DataFrame, contract: Contract) -> FileRead:
    content = _non_blank(lines)
    if not content.height:
        return _rejected(contract, lines, "empty_file", "the file holds no header and no rows")
    try:
        names = next(csv.reader([content.item(0, "_raw_line")], skipinitialspace=True))
        header = [name.strip() for name in names]
    except csv.Error:
        header = []
    problem = _header_problem(header, contract)
    if problem:
        return _rejected(contract, lines, "header_mismatch", problem)

    data = content.slice(1).with_columns(
        _read_error=_line_checks(
            contract,
            (pl.col("_raw_line").str.count_matches('"', literal=True) % 2 == 1, "unbalanced_quote"),
            (
                pl.col("_raw_line")
                .str.replace_all(_QUOTED_FIELD, "${1}")
                .str.count_matches(",", literal=True)
                != len(header) - 1,
                "field_count",
            ),
        )
    )
    good = data.filter(pl.col("_read_error").is_null())
    try:
        parsed = pl.read_csv(
            good.select(pl.col("_raw_line").str.join("\n")).item().encode(),
            has_header=False,
            schema=dict.fromkeys(header, pl.String()),
            raise_if_empty=False,
        )
    except pl.exceptions.PolarsError:
        # Never quote the parser's message: it repeats the row it choked on.
        return _rejected(contract, lines, "unparseable_csv", "the CSV parser rejected the file")
    if parsed.height != good.height:
        return _rejected(
            contract,
            lines,
            "record_count_mismatch",
            f"the parser found {parsed.height} records in {good.height} lines: "
            "a quote left open, or a value spanning lines",
        )
    rows = pl.concat(
        [
            good.select("_source_row", _raw_line=pl.lit(None, pl.String), _read_error="_read_error")
            .hstack(parsed)
            .select(*contract.column_names, "_source_row", "_raw_line", "_read_error"),
            _unparsed(data.filter(pl.col("_read_error").is_not_null()), contract),
        ]
    ).sort("_source_row")
    return FileRead(rows, data.height, int(lines.get_column("_blank").sum()))


def _header_problem(header: list[str], contract: Contract) -> str:
    """What is wrong with a CSV header, naming the contract's columns, never the file's text
    (a file without a header has a row of data there)."""
    expected = set(contract.column_names)
    unexpected = [name for name in header if name not in expected]
    by_case = {name.lower(): name for name in contract.column_names}
    wrong_case = sorted({by_case[n.lower()] for n in unexpected if n.lower() in by_case})
    missing = [n for n in contract.column_names if n not in header and n not in wrong_case]
    problems: list[str] = []
    if missing:
        problems.append(f"missing columns {', '.join(missing)}")
    if wrong_case:
        problems.append(f"columns in the wrong case: {', '.join(wrong_case)}")
    others = len(unexpected) - len(wrong_case)
    if others:
        problems.append(f"{others} column(s) not in the contract")
    if len(header) == 1 and len(contract.column_names) > 1:
        problems.append("one column only: is the delimiter a comma?")
    duplicated = len(header) - len(set(header))
    if duplicated:
        problems.append(f"{duplicated} duplicated column name(s)")
    return "; ".join(problems)


def _unparsed(lines: pl.DataFrame, contract: Contract) -> pl.DataFrame:
    """Lines that could not be parsed: empty columns, the text kept for the quarantine."""
    return lines.select(
        *(pl.lit(None, pl.String).alias(name) for name in contract.column_names),
        "_source_row",
        "_raw_line",
        "_read_error",
    )


def _read_json_lines(lines: pl.DataFrame, contract: Contract) -> FileRead:
    content = _non_blank(lines)
    if not content.height:
        return _rejected(contract, lines, "empty_file", "the file holds no JSON lines")
    line = pl.col("_raw_line").str.strip_chars()
    looks_like_object = line.str.starts_with("{") & line.str.ends_with("}")
    content = content.with_columns(
        _read_error=_line_checks(contract, (~looks_like_object, "not_an_object"))
    )
    schema = pl.Struct(dict.fromkeys(contract.column_names, pl.String))
    # Fast path: decode every line shaped like an object at once. If one of them is still not
    # valid JSON or holds a nested value, json_decode raises and the exact, slower path finds
    # which lines and why.
    try:
        rows = _decode(content, schema)
    except pl.exceptions.ComputeError:
        exact = _with_json_errors(content, contract)
        try:
            rows = _decode(exact, schema)
        except pl.exceptions.ComputeError:  # the two JSON parsers disagree on a line
            return _rejected(
                contract, lines, "unparseable_json", "the JSON decoder rejected the file"
            )
    # "not_an_object" is only a guess from the line's shape: valid JSON or not decides.
    rows = rows.with_columns(
        _read_error=pl.when(
            (pl.col("_read_error") == "not_an_object")
            & pl.col("_raw_line").str.json_path_match("$").is_null()
        )
        .then(pl.lit("unparseable_json"))
        .otherwise("_read_error")
    )
    return FileRead(rows, content.height, int(lines.get_column("_blank").sum()))


def _with_json_errors(lines: pl.DataFrame, contract: Contract) -> pl.DataFrame:
    """Each line's `_read_error`: unparseable, not an object, or nested values in columns."""
    line = pl.col("_raw_line")
    canonical = line.str.json_path_match("$")  # null where the line is not valid JSON

    def key_holds_nested(names: str) -> pl.Expr:
        # A string cannot hold an unescaped quote, so this matches a key (maybe a deeper one).
        return line.str.contains(f'"(?:{names})"' + r"\s*:\s*[\[{]")

    names = [re.escape(name) for name in contract.column_names]
    # Only the few suspect lines (the others masked to null) are parsed once per column: is
    # that key's own value (not a deeper key's of the same name) an object or an array?
    suspect_line = pl.when(key_holds_nested("|".join(names))).then(line)
    nested = [
        pl.when(
            suspect_line.str.json_path_match(f"$.{name}").str.contains(r"^[\[{]")
            & key_holds_nested(pattern)
        ).then(pl.lit(f"nested_value:{name}"))
        for name, pattern in zip(contract.column_names, names, strict=True)
    ]
    reasons = pl.concat_str(nested, separator="; ", ignore_nulls=True)
    # Lazy: Polars then parses each line once for `canonical` and masks the lines once.
    return (
        lines.lazy()
        .with_columns(
            _read_error=pl.when(pl.col("_read_error").is_not_null())
            .then("_read_error")
            .when(canonical.is_null())
            .then(pl.lit("unparseable_json"))
            .when(~canonical.str.starts_with("{"))
            .then(pl.lit("not_an_object"))
            .when(reasons != "")
            .then(reasons)
        )
        .collect()
    )


def _decode(lines: pl.DataFrame, schema: pl.Struct) -> pl.DataFrame:
    """Decode the lines without `_read_error`; the others keep their text and no columns."""
    line, failed = pl.col("_raw_line"), pl.col("_read_error").is_not_null()
    return lines.select(
        pl.when(failed).then(pl.lit("{}")).otherwise(line).str.json_decode(schema).alias("row"),
        "_source_row",
        pl.when(failed).then(line).alias("_raw_line"),
        "_read_error",
    ).unnest("row")
