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

A file's name says its format (`file_format`): `.csv`, `.jsonl` or `.json` (JSON lines),
either of them gzip-compressed (`.gz`: decompressed as a stream, block by block, then read
exactly as the plain file), and `.parquet` (read a batch of rows at a time, every value
turned into the text a CSV file would hold). A name without one of these takes the format of
the contract (`servers[0].format`). Parquet and gzip files are read only when the project's
`formats` answer chose them; otherwise the file is rejected with a reason naming the answer.
A JSON record may be nested: a column's `sourcePath` in the contract says where its value is.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import json
import re
import zlib
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import structlog

from ..config import INPUT_FORMATS
from ..contracts import Column, Contract
from ..reliability import io_retry

log = structlog.get_logger(__name__)

META_COLUMNS = (
    "_batch_id",
    "_source",
    "_source_row",  # the line number (1-based; a CSV header is line 1), or Parquet row number
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
RecordFormat = Literal["csv", "json", "parquet"]
# The record format of each known extension; `.gz` after one of the text ones compresses it.
EXTENSIONS: dict[str, RecordFormat] = {
    ".csv": "csv",
    ".jsonl": "json",
    ".json": "json",
    ".parquet": "parquet",
}
GZIP_EXTENSION = ".gz"
# A rough width of a Parquet row as text: the rows per batch that fill about `chunk_bytes`.
_PARQUET_ROW_BYTES = 512
# gzip streams: zlib's window with its gzip header and trailer, and compressed bytes per read.
_GZIP_WINDOW = 16 + zlib.MAX_WBITS
_GZIP_PIECE_BYTES = 1024 * 1024


@dataclass(frozen=True)
class FileFormat:
    """How one file is read: its records (CSV or JSON lines, or Parquet), maybe gzip-compressed."""

    records: RecordFormat
    gzip: bool = False

    @property
    def answer(self) -> str | None:
        """The `formats` answer a project needs to read such a file; None for the formats
        every project reads (CSV and JSON lines: the contracts' own and the stream's)."""
        if self.records == "parquet":
            return "parquet"
        return "compressed_logs" if self.gzip else None

    @property
    def label(self) -> str:
        name = {"csv": "CSV", "json": "JSON lines", "parquet": "Parquet"}[self.records]
        return f"gzip-compressed {name}" if self.gzip else name


def file_format(path: Path, contract: Contract) -> FileFormat:
    """The format of a file, from its extension (`orders.csv.gz`: gzip-compressed CSV); a name
    without a known extension has the contract's format."""
    name = path.name.lower()
    compressed = name.endswith(GZIP_EXTENSION)
    stem = Path(name.removesuffix(GZIP_EXTENSION) if compressed else name)
    records = EXTENSIONS.get(stem.suffix, contract.source_format)
    return FileFormat(records, compressed)


def dataset_patterns(contract: Contract) -> list[str]:
    """The file patterns of a dataset: its contract's `servers[0].path` with its extension
    replaced by each known one (`orders*.csv` -> `orders*.parquet`, `orders*.csv.gz`...), so
    a file of any format is found, and one of a format the project does not read is rejected
    with a reason rather than silently left in the folder. A path without a known extension
    is taken as it is."""
    pattern = contract.source_glob
    for extension in sorted(EXTENSIONS, key=len, reverse=True):
        for suffix in (extension + GZIP_EXTENSION, extension):
            if pattern.lower().endswith(suffix):
                stem = pattern[: -len(suffix)]
                return [
                    stem + known + compressed
                    for known in EXTENSIONS
                    for compressed in ("", GZIP_EXTENSION)
                ]
    return [pattern]


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
        paths = {path for pattern in dataset_patterns(contract) for path in input_dir.glob(pattern)}
        for path in sorted(paths):
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


def _plain(path: Path, chunk_bytes: int) -> Iterator[bytes]:
    with path.open("rb") as handle:
        while block := handle.read(chunk_bytes):
            yield block


class _DamagedGzip(Exception):  # noqa: N818  (a signal inside this module, not an error)
    pass


def _gunzip(path: Path, chunk_bytes: int) -> Iterator[bytes]:
    """The decompressed bytes of a gzip file, at most `chunk_bytes` at a time (a small file
    that inflates to gigabytes never sits in memory), member after member as `gzip` reads
    them. Everything before a damage is given first; then `_DamagedGzip` is raised for a
    stream that is corrupt (a bad header, data or checksum) or ends before its end marker."""
    inflater = zlib.decompressobj(_GZIP_WINDOW)
    in_member = False  # the inflater has started a member that has not ended yet
    with path.open("rb") as handle:
        while piece := handle.read(_GZIP_PIECE_BYTES):
            while piece:
                in_member = True
                try:
                    yield inflater.decompress(piece, chunk_bytes)
                except zlib.error:
                    raise _DamagedGzip from None
                piece = inflater.unconsumed_tail
                if inflater.eof:  # a member ended: what follows is the next member
                    piece = inflater.unused_data + piece
                    inflater, in_member = zlib.decompressobj(_GZIP_WINDOW), False
                    if not piece.strip(b"\0"):  # zero padding after the last member
                        piece = b""
    # Output the inflater still holds back for want of room, then: did the member end?
    while in_member and not inflater.eof and (block := inflater.decompress(b"", chunk_bytes)):
        yield block
    if in_member and not inflater.eof:
        raise _DamagedGzip


def _blocks(chunks: Iterator[bytes]) -> Iterator[tuple[bytes, int]]:
    """The file's bytes in blocks that end at a line break, each with the number of its first
    line (`chunks` are the file's bytes, about `chunk_bytes` at a time). A newline byte never
    occurs inside a UTF-8 character, so a block boundary never splits one; a line longer
    than a block makes that block longer."""
    first_line = 1
    pending = bytearray()  # the start of a line that has not ended yet
    for block in chunks:
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
    formats: Collection[str] = INPUT_FORMATS,
    masked_upstream: bool = False,
) -> FileRead:
    """The file's rows as strings, in contract column order, plus the lineage columns.

    The file is read in blocks of about `chunk_bytes`, so memory holds one block's rows, not
    the file's. With a `sink`, each block's rows are handed to it as they are read and
    `FileRead.rows` stays empty; a file rejected after some blocks were handed over is
    rejected all the same, and the caller discards what it got (the pipeline writes the
    dataset's raw file again without that file). Without a sink the rows are collected.
    `formats` are the project's answers: a Parquet or gzip file is read only when chosen.
    `masked_upstream`: a file of the stream's lake archive (Parquet, whatever the answers,
    its rows masked by the stream core), which does not hold the columns masked by `drop`.
    """
    collected: list[pl.DataFrame] = []
    emit = sink or collected.append
    fmt = file_format(file.path, contract)
    if masked_upstream:
        formats = {*formats, "parquet"}
    refused = _not_readable(fmt, formats)
    if refused is not None:  # not opened at all: its records are not counted
        return FileRead(empty_raw(contract), 0, 0, refused.reason, refused.detail)

    def lineage(rows: pl.DataFrame) -> None:
        emit(_with_lineage(rows, contract, file, batch_id, ingested_at))

    if fmt.records == "parquet":
        dropped = {c.name for c in contract.pii_columns if c.masking == "drop"}
        absent = dropped if masked_upstream else set()
        read = _read_parquet(file.path, contract, lineage, chunk_bytes, absent)
    else:
        read = _read_lines(file.path, fmt, contract, lineage, chunk_bytes)
    if read.rejected is not None or not collected:
        return read
    return FileRead(pl.concat(collected), read.records, read.blank_lines)


def _not_readable(fmt: FileFormat, formats: Collection[str]) -> _FileRejected | None:
    if fmt.records == "parquet" and fmt.gzip:
        return _FileRejected(
            "format_not_enabled",
            "gzip-compressed Parquet is not read: send the .parquet file as it is "
            "(Parquet compresses its own pages)",
        )
    if fmt.answer is not None and fmt.answer not in formats:
        return _FileRejected(
            "format_not_enabled",
            f"{fmt.label} files are not read by this project: add {fmt.answer} to the "
            "`formats` answer (copier update --data ...) to read them",
        )
    return None


def _read_lines(
    path: Path,
    fmt: FileFormat,
    contract: Contract,
    emit: Callable[[pl.DataFrame], None],
    chunk_bytes: int,
) -> FileRead:
    """A CSV or JSON-lines file, plain or gzip-compressed, block by block."""
    parser: _CsvParser | _JsonParser = (
        _CsvParser(contract) if fmt.records == "csv" else _JsonParser(contract)
    )
    rejected: _FileRejected | None = None
    non_blank = blank = 0
    chunks = _gunzip(path, chunk_bytes) if fmt.gzip else _plain(path, chunk_bytes)
    try:
        for data, first_line in _blocks(chunks):
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
                emit(rows)
    except _DamagedGzip:
        # The lines before the damage were counted, and none of them is loaded: a file is
        # loaded whole or not at all, and a file sent again is read again from the start.
        rejected = _FileRejected(
            "unreadable_gzip",
            "the gzip stream is truncated or corrupt (or the file is not gzip): "
            "nothing of it was loaded; send it again",
        )
    if rejected is None and not parser.seen_content:
        rejected = _FileRejected("empty_file", parser.empty_detail)
    # The first non-blank line of a CSV is its header, even a wrong one.
    records = non_blank - (1 if fmt.records == "csv" and non_blank else 0)
    if rejected is not None:
        return FileRead(empty_raw(contract), records, blank, rejected.reason, rejected.detail)
    return FileRead(empty_raw(contract), records, blank)


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
        rows = _nested_rows(content, contract) if contract.nested else self.flat(content)
        # "not_an_object" is only a guess from the line's shape: valid JSON or not decides.
        return rows.with_columns(
            _read_error=pl.when(
                (pl.col("_read_error") == "not_an_object") & _not_json(pl.col("_raw_line"))
            )
            .then(pl.lit("unparseable_json"))
            .otherwise("_read_error")
        )

    def flat(self, content: pl.DataFrame) -> pl.DataFrame:
        """Lines whose columns are the object's own keys."""
        # Fast path: decode every line shaped like an object at once. If one of them is still
        # not valid JSON or holds a nested value, json_decode raises and the exact, slower path
        # finds which lines and why.
        try:
            return _decode(content, self.schema)
        except pl.exceptions.ComputeError:
            exact = _with_json_errors(content, self.contract)
            try:
                return _decode(exact, self.schema)
            except pl.exceptions.ComputeError:  # the two JSON parsers disagree on a line
                raise _FileRejected(
                    "unparseable_json", "the JSON decoder rejected the file"
                ) from None


def _not_json(line: pl.Expr) -> pl.Expr:
    """True where the line is not valid JSON: the JSON path `$` is null for those, and for
    the valid JSON `null` (which is not an object)."""
    return line.str.json_path_match("$").is_null() & (line.str.strip_chars(" \t\r\n") != "null")


def _json_line_error(line: pl.Expr) -> pl.Expr:
    """The reason a line is not one JSON object (or the reason the reader already gave it),
    else null."""
    canonical = line.str.json_path_match("$")
    return (
        pl.when(pl.col("_read_error").is_not_null())
        .then("_read_error")
        .when(_not_json(line))
        .then(pl.lit("unparseable_json"))
        .when(canonical.is_null() | ~canonical.str.starts_with("{"))  # `null`, `[1]`, `2`
        .then(pl.lit("not_an_object"))
    )


def _with_json_errors(lines: pl.DataFrame, contract: Contract) -> pl.DataFrame:
    """Each line's `_read_error`: unparseable, not an object, or nested values in columns."""
    line = pl.col("_raw_line")

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
            _read_error=pl.coalesce(_json_line_error(line), pl.when(reasons != "").then(reasons))
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


# -- Parquet --------------------------------------------------------------------------------


def _read_parquet(
    path: Path,
    contract: Contract,
    emit: Callable[[pl.DataFrame], None],
    chunk_bytes: int,
    absent: Collection[str] = (),
) -> FileRead:
    """A Parquet file, a batch of rows at a time (row group by row group), every value as
    text. Its records are its rows; it has no blank lines. The contract's columns in `absent`
    may be missing from the file: they are read as empty."""
    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowException, OSError):
        return _rejected(
            contract, 0, "unreadable_parquet", "not a Parquet file, or its footer is damaged"
        )
    with parquet:
        records = parquet.metadata.num_rows
        problem = _parquet_schema_problem(parquet.schema_arrow, contract, absent)
        if problem:
            return _rejected(contract, records, "schema_mismatch", problem)
        first_row = 1
        rows_per_batch = max(1, chunk_bytes // _PARQUET_ROW_BYTES)
        # The file's other columns are left alone.
        names = parquet.schema_arrow.names
        columns = [name for name in contract.column_names if name in names]
        try:
            for batch in parquet.iter_batches(rows_per_batch, columns=columns):
                emit(_parquet_rows(_with_absent(batch, contract), contract, first_row))
                first_row += batch.num_rows
        # A damaged page, or a value Arrow or Polars cannot hold (text that is not UTF-8 in
        # a string column): never quote the message, it may repeat the value.
        except (pa.ArrowException, OSError, pl.exceptions.PolarsError):
            return _rejected(
                contract, records, "unreadable_parquet", "a row group of the file cannot be read"
            )
    return FileRead(empty_raw(contract), records, 0)


def _rejected(contract: Contract, records: int, reason: str, detail: str) -> FileRead:
    return FileRead(empty_raw(contract), records, 0, reason, detail)


def _with_absent(batch: pa.RecordBatch, contract: Contract) -> pa.RecordBatch:
    """The batch with the contract's columns it lacks (allowed `absent` ones) as nulls."""
    missing = [name for name in contract.column_names if name not in batch.schema.names]
    for name in missing:
        batch = batch.append_column(name, pa.nulls(batch.num_rows, pa.string()))
    return batch


def _parquet_schema_problem(
    schema: pa.Schema, contract: Contract, absent: Collection[str] = ()
) -> str:
    """What keeps a Parquet file's columns from being the contract's, naming columns only:
    a missing column (but those in `absent`), a repeated one, or one whose type has no
    single text value."""
    names = schema.names
    missing = [n for n in contract.column_names if n not in names and n not in absent]
    repeated = [name for name in contract.column_names if names.count(name) > 1]
    present = [name for name in contract.column_names if names.count(name) == 1]
    nested = [name for name in present if pa.types.is_nested(schema.field(name).type)]
    other = [
        f"{name} ({schema.field(name).type})"
        for name in present
        if name not in nested and not _has_text_form(schema.field(name).type)
    ]
    problems: list[str] = []
    if missing:
        problems.append(f"missing columns {', '.join(missing)}")
    if repeated:
        problems.append(f"repeated columns {', '.join(repeated)}")
    if nested:
        problems.append(
            f"nested columns (struct, list or map) where the contract has a value: "
            f"{', '.join(nested)}"
        )
    if other:
        problems.append(f"columns of a type with no text form: {', '.join(other)}")
    return "; ".join(problems)


def _has_text_form(kind: pa.DataType) -> bool:
    if pa.types.is_dictionary(kind):
        return _has_text_form(kind.value_type)
    if pa.types.is_float16(kind):  # Polars has no half float
        return False
    checks = (
        pa.types.is_null,
        pa.types.is_boolean,
        pa.types.is_integer,
        pa.types.is_floating,
        pa.types.is_decimal,
        pa.types.is_string,
        pa.types.is_large_string,
        pa.types.is_binary,
        pa.types.is_large_binary,
        pa.types.is_fixed_size_binary,
        pa.types.is_date,
        pa.types.is_time,
        pa.types.is_timestamp,
    )
    return any(check(kind) for check in checks)


def _parquet_rows(batch: pa.RecordBatch, contract: Contract, first_row: int) -> pl.DataFrame:
    """One batch as raw rows: each value the text a CSV export of it would hold. A row with a
    value that is not text (bytes that are not UTF-8) or too long altogether is kept whole in
    `_raw_line` (as a JSON object) with `_read_error`, its columns empty, like a bad line."""
    frame = pl.from_arrow(batch)
    assert isinstance(frame, pl.DataFrame)
    names = contract.column_names
    text = frame.select(_as_text(frame.get_column(name)) for name in names)
    not_text = [
        pl.when(frame.get_column(name).is_not_null() & text.get_column(name).is_null()).then(
            pl.lit(f"encoding:{name}")
        )
        for name in names
    ]
    width = pl.sum_horizontal(pl.col(name).str.len_bytes().fill_null(0) for name in names)
    rows = text.with_columns(
        _source_row=pl.int_range(first_row, first_row + text.height, dtype=pl.Int64),
        _read_error=pl.when(width > contract.max_record_bytes)
        .then(pl.lit("oversized_record"))
        .otherwise(pl.concat_str(not_text, separator="; ", ignore_nulls=True).replace("", None)),
    ).with_columns(
        _raw_line=pl.when(pl.col("_read_error").is_not_null()).then(
            pl.struct(*names).struct.json_encode()
        )
    )
    failed = pl.col("_read_error").is_not_null()
    return rows.select(
        *(pl.when(~failed).then(pl.col(name)).alias(name) for name in names),
        "_source_row",
        "_raw_line",
        "_read_error",
    )


def _as_text(values: pl.Series) -> pl.Series:
    """A Parquet column as text: timestamps in ISO 8601 (UTC with a `Z` where the column has a
    time zone, none where it has none, as the file says), bytes decoded as UTF-8 (null where
    they are not), everything else as Polars writes it to CSV."""
    kind = values.dtype
    if isinstance(kind, pl.Datetime):
        if kind.time_zone is None:
            return values.dt.to_string("%Y-%m-%dT%H:%M:%S%.f")
        return values.dt.convert_time_zone("UTC").dt.to_string("%Y-%m-%dT%H:%M:%S%.fZ")
    if isinstance(kind, pl.Binary):
        return pl.Series(values.name, [_utf8(value) for value in values], dtype=pl.String)
    return values.cast(pl.String)


def _utf8(value: bytes | None) -> str | None:
    try:
        return None if value is None else value.decode("utf-8")
    except UnicodeDecodeError:
        return None


# -- nested JSON ----------------------------------------------------------------------------


def _nested_rows(lines: pl.DataFrame, contract: Contract) -> pl.DataFrame:
    """JSON lines whose values sit at the columns' paths (`sourcePath`): each column is the
    value at its path, null where the path leads nowhere (a key missing, an index past the
    end of an array, a value where an object or array should be). Each line is parsed once
    per column by the JSON-path matcher, with no per-row Python but for the few lines where a
    value looks like an object or array, which are parsed again to tell one from a string."""
    line = pl.col("_raw_line")
    names = contract.column_names
    frame = (
        lines.lazy()
        .with_columns(
            _read_error=_json_line_error(line),
            **{c.name: line.str.json_path_match(_json_path(c.path)) for c in contract.columns},
        )
        .collect()
    )
    suspect = pl.col("_read_error").is_null() & pl.any_horizontal(
        pl.col(name).str.contains(r"^[\[{]") for name in names
    )
    reasons: dict[int, str] = {}
    for row, text in frame.filter(suspect).select("_source_row", "_raw_line").iter_rows():
        if reason := _nested_values(text, contract):
            reasons[row] = reason
    if reasons:
        frame = frame.with_columns(
            _read_error=pl.col("_source_row").replace_strict(
                list(reasons), list(reasons.values()), default=pl.col("_read_error")
            )
        )
    failed = pl.col("_read_error").is_not_null()
    return frame.select(
        *(pl.when(~failed).then(pl.col(name)).alias(name) for name in names),
        "_source_row",
        pl.when(failed).then(line).alias("_raw_line"),
        "_read_error",
    )


def _json_path(steps: tuple[str | int, ...]) -> str:
    """("customer", "address", "city") -> `$['customer']['address']['city']` (a key may hold
    spaces or dashes; contracts.path_steps refuses quotes in keys)."""
    return "$" + "".join(f"[{step}]" if isinstance(step, int) else f"['{step}']" for step in steps)


def _nested_values(line: str, contract: Contract) -> str | None:
    """`nested_value:<column>` for each column whose path ends at an object or an array."""
    try:
        record = json.loads(line, parse_constant=_no_constant)
    except (ValueError, RecursionError):
        return "unparseable_json"
    found = [_follow(record, column) for column in contract.columns]
    nested = [
        f"nested_value:{column.name}"
        for column, value in zip(contract.columns, found, strict=True)
        if isinstance(value, dict | list)
    ]
    return "; ".join(nested) or None


def _follow(record: Any, column: Column) -> Any:
    node = record
    for step in column.path:
        if isinstance(step, int):
            node = node[step] if isinstance(node, list) and step < len(node) else None
        else:
            node = node.get(step) if isinstance(node, dict) else None
        if node is None:
            return None
    return node


def _no_constant(constant: str) -> None:
    raise ValueError(f"{constant} is not JSON")  # NaN and Infinity, which Python would accept
