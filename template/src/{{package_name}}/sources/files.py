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

Because a record is a line, a file is read in blocks that end at a line break (`read_file`,
`chunk_bytes`): memory holds one block's lines and rows, whatever the size of the file.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import re
from collections.abc import Callable, Iterator
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
# Input bytes read at a time: memory holds one block's lines and rows, never a whole file.
CHUNK_BYTES = 64 * 1024 * 1024


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


def _blocks(path: Path, chunk_bytes: int) -> Iterator[tuple[bytes, int]]:
    """The file's bytes in blocks of about `chunk_bytes` that end at a line break, each with
    the number of its first line. A newline byte never occurs inside a UTF-8 character, so a
    block boundary never splits one; a line longer than a block makes that block longer."""
    first_line = 1
    pending = bytearray()  # the start of a line that has not ended yet
    with path.open("rb") as handle:
        while block := handle.read(chunk_bytes):
            # Only the new block is searched: a line spanning many blocks costs no more
            # than its bytes.
            end = block.rfind(b"\n")
            if end < 0:
                pending += block
                continue
            ready = bytes(pending + block[: end + 1])
            pending = bytearray(block[end + 1 :])
            yield ready, first_line
            first_line += ready.count(b"\n")
    if pending or first_line == 1:  # the last line without a newline; an empty file
        yield bytes(pending), first_line


def empty_raw(contract: Contract) -> pl.DataFrame:
    """A raw frame without rows, for a dataset whose every file of the batch was rejected."""
    schema: dict[str, pl.DataType] = dict.fromkeys(contract.column_names, pl.String())
    schema |= dict.fromkeys(META_COLUMNS, pl.String())
    schema |= {"_source_row": pl.Int64(), "_ingested_at": pl.Datetime("us", "UTC")}
    return pl.DataFrame(schema=schema)


class _FileRejected(Exception):  # noqa: N818  (a signal inside this module, not an error)
    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(reason)
        self.reason, self.detail = reason, detail


def read_file(
    file: InputFile,
    contract: Contract,
    *,
    batch_id: str,
    ingested_at: datetime,
    chunk_bytes: int = CHUNK_BYTES,
    sink: Callable[[pl.DataFrame], None] | None = None,
) -> FileRead:
    """The file's rows as strings, in contract column order, plus the lineage columns.

    The file is read in blocks of about `chunk_bytes`, so memory holds one block's rows, not
    the file's. With a `sink`, each block's rows are handed to it as they are read and
    `FileRead.rows` stays empty; a file rejected after some blocks were handed over is
    rejected all the same, and the caller discards what it got (the pipeline writes the
    dataset's raw file again without that file). Without a sink the rows are collected.
    """
    collected: list[pl.DataFrame] = []
    emit = sink or collected.append
    parser = _CsvParser(contract) if contract.source_format == "csv" else _JsonParser(contract)
    rejected: _FileRejected | None = None
    non_blank = blank = 0
    for data, first_line in _blocks(file.path, chunk_bytes):
        if first_line == 1:
            if data.startswith(codecs.BOM_UTF8):
                data = data[len(codecs.BOM_UTF8) :]
            elif data.startswith(_UNICODE_BOMS):
                rejected = rejected or _not_utf8()
        if rejected is None:
            try:
                data.decode("utf-8")  # only checked: the lines are split from the bytes
            except UnicodeError:
                rejected = _not_utf8()
        # Latin-1 maps every byte to one character: a rejected file's lines still count.
        lines = _lines(data.decode("latin-1").encode() if rejected else data, first_line)
        blank_here = int(lines.get_column("_blank").sum())
        non_blank, blank = non_blank + lines.height - blank_here, blank + blank_here
        if rejected is not None:
            continue
        try:
            rows = parser.parse(lines)
        except _FileRejected as reason:
            rejected = reason
            continue
        if rows is not None:
            emit(_with_lineage(rows, contract, file, batch_id, ingested_at))
    if rejected is None and not parser.seen_content:
        rejected = _FileRejected("empty_file", parser.empty_detail)
    # The first non-blank line of a CSV is its header, even a wrong one.
    records = non_blank - (1 if contract.source_format == "csv" and non_blank else 0)
    if rejected is not None:
        return FileRead(empty_raw(contract), records, blank, rejected.reason, rejected.detail)
    rows = pl.concat(collected) if collected else empty_raw(contract)
    return FileRead(rows, records, blank)


def _not_utf8() -> _FileRejected:
    return _FileRejected("encoding", "the file is not UTF-8 text; re-export it as UTF-8")


def _with_lineage(
    rows: pl.DataFrame, contract: Contract, file: InputFile, batch_id: str, ingested_at: datetime
) -> pl.DataFrame:
    return rows.with_columns(
        _batch_id=pl.lit(batch_id),
        _source=pl.lit(file.path.name),
        _ingested_at=pl.lit(ingested_at, dtype=pl.Datetime("us", "UTC")),
    ).select(*contract.column_names, *META_COLUMNS)


def _lines(data: bytes, first_line: int = 1) -> pl.DataFrame:
    """Every line of UTF-8 bytes with its number (the first is `first_line`) and whether it is
    blank (CRLF is a newline)."""
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
    return frame.with_row_index("_source_row", offset=first_line).with_columns(
        pl.col("_source_row").cast(pl.Int64),
        pl.col("_raw_line").str.strip_suffix("\r"),
        _blank=pl.col("_raw_line").str.strip_chars(_BLANK) == "",
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


class _CsvParser:
    """CSV lines to rows, block by block: the first non-blank line of the file is the header."""

    empty_detail = "the file holds no header and no rows"

    def __init__(self, contract: Contract) -> None:
        self.contract = contract
        self.header: list[str] | None = None

    @property
    def seen_content(self) -> bool:
        return self.header is not None

    def parse(self, lines: pl.DataFrame) -> pl.DataFrame | None:
        contract = self.contract
        content = _non_blank(lines)
        if self.header is None:
            if not content.height:
                return None
            self.header = _csv_header(content.item(0, "_raw_line"), contract)
            content = content.slice(1)
        header = self.header
        data = content.with_columns(
            _read_error=_line_checks(
                contract,
                (
                    pl.col("_raw_line").str.count_matches('"', literal=True) % 2 == 1,
                    "unbalanced_quote",
                ),
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
            raise _FileRejected("unparseable_csv", "the CSV parser rejected the file") from None
        if parsed.height != good.height:
            raise _FileRejected(
                "record_count_mismatch",
                f"the parser found {parsed.height} records in {good.height} lines: "
                "a quote left open, or a value spanning lines",
            )
        return pl.concat(
            [
                good.select(
                    "_source_row", _raw_line=pl.lit(None, pl.String), _read_error="_read_error"
                )
                .hstack(parsed)
                .select(*contract.column_names, "_source_row", "_raw_line", "_read_error"),
                _unparsed(data.filter(pl.col("_read_error").is_not_null()), contract),
            ]
        ).sort("_source_row")


def _csv_header(line: str, contract: Contract) -> list[str]:
    """The header's column names, or the file is rejected naming what is wrong with them."""
    try:
        names = next(csv.reader([line], skipinitialspace=True))
        header = [name.strip() for name in names]
    except csv.Error:
        header = []
    problem = _header_problem(header, contract)
    if problem:
        raise _FileRejected("header_mismatch", problem)
    return header


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


class _JsonParser:
    """JSON lines to rows, block by block: one object per non-blank line."""

    empty_detail = "the file holds no JSON lines"

    def __init__(self, contract: Contract) -> None:
        self.contract = contract
        self.seen_content = False
        self.schema = pl.Struct(dict.fromkeys(contract.column_names, pl.String))

    def parse(self, lines: pl.DataFrame) -> pl.DataFrame | None:
        contract = self.contract
        content = _non_blank(lines)
        if not content.height:
            return None
        self.seen_content = True
        line = pl.col("_raw_line").str.strip_chars()
        looks_like_object = line.str.starts_with("{") & line.str.ends_with("}")
        content = content.with_columns(
            _read_error=_line_checks(contract, (~looks_like_object, "not_an_object"))
        )
        # Fast path: decode every line shaped like an object at once. If one of them is still
        # not valid JSON or holds a nested value, json_decode raises and the exact, slower path
        # finds which lines and why.
        try:
            rows = _decode(content, self.schema)
        except pl.exceptions.ComputeError:
            exact = _with_json_errors(content, contract)
            try:
                rows = _decode(exact, self.schema)
            except pl.exceptions.ComputeError:  # the two JSON parsers disagree on a line
                raise _FileRejected(
                    "unparseable_json", "the JSON decoder rejected the file"
                ) from None
        # "not_an_object" is only a guess from the line's shape: valid JSON or not decides.
        return rows.with_columns(
            _read_error=pl.when(
                (pl.col("_read_error") == "not_an_object") & _not_json(pl.col("_raw_line"))
            )
            .then(pl.lit("unparseable_json"))
            .otherwise("_read_error")
        )


def _not_json(line: pl.Expr) -> pl.Expr:
    """True where the line is not valid JSON: the JSON path `$` is null for those, and for
    the valid JSON `null` (which is not an object)."""
    return line.str.json_path_match("$").is_null() & (line.str.strip_chars(" \t\r\n") != "null")


def _with_json_errors(lines: pl.DataFrame, contract: Contract) -> pl.DataFrame:
    """Each line's `_read_error`: unparseable, not an object, or nested values in columns."""
    line = pl.col("_raw_line")
    canonical = line.str.json_path_match("$")

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
            .when(_not_json(line))
            .then(pl.lit("unparseable_json"))
            .when(canonical.is_null() | ~canonical.str.starts_with("{"))  # `null`, `[1]`, `2`
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
