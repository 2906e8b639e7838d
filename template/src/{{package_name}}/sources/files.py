"""Local file source: find each contract's files, fingerprint them, read them as raw strings.

Raw rows keep every value as the text that arrived (no type inference), so nothing is lost
or silently coerced before validation decides what is valid.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import polars as pl
import structlog

from ..contracts import Contract
from ..reliability import io_retry

log = structlog.get_logger(__name__)

META_COLUMNS = ("_batch_id", "_source", "_source_row", "_ingested_at", "_raw_line")
# JSON forbids raw control characters, so this separator can never split a valid JSON line.
_LINE_SEPARATOR = "\x1f"


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
def read_raw(
    file: InputFile, contract: Contract, *, batch_id: str, ingested_at: datetime
) -> pl.DataFrame:
    """The file's rows as strings, in contract column order, plus the lineage columns."""
    if contract.source_format == "csv":
        frame = _read_csv(file.path, contract)
    else:
        frame = _read_json_lines(file.path, contract)
    return frame.with_columns(
        _batch_id=pl.lit(batch_id),
        _source=pl.lit(file.path.name),
        _source_row=pl.int_range(1, pl.len() + 1, dtype=pl.Int64),
        _ingested_at=pl.lit(ingested_at, dtype=pl.Datetime("us", "UTC")),
    ).select(*contract.column_names, *META_COLUMNS)


def _read_csv(path: Path, contract: Contract) -> pl.DataFrame:
    frame = pl.read_csv(path, infer_schema=False)
    return _conform(frame, contract, path).with_columns(_raw_line=pl.lit(None, pl.String))


def _read_json_lines(path: Path, contract: Contract) -> pl.DataFrame:
    lines = pl.read_csv(
        path,
        has_header=False,
        new_columns=["_raw_line"],
        separator=_LINE_SEPARATOR,
        quote_char=None,
        infer_schema=False,
    ).filter(pl.col("_raw_line").str.strip_chars() != "")
    lines = lines.with_columns(pl.col("_raw_line").str.strip_chars_start())
    line = pl.col("_raw_line")
    schema = pl.Struct(dict.fromkeys(contract.column_names, pl.String))
    # Fast path: only lines shaped like an object are decoded. If one of them is still not
    # valid JSON, json_decode raises and the exact (slower) json_path_match test decides.
    looks_like_object = line.str.starts_with("{") & line.str.strip_chars_end().str.ends_with("}")
    try:
        return _decode(lines, looks_like_object, schema)
    except pl.exceptions.ComputeError:
        parseable = looks_like_object & line.str.json_path_match("$").is_not_null()
        return _decode(lines, parseable, schema)


def _decode(lines: pl.DataFrame, parseable: pl.Expr, schema: pl.Struct) -> pl.DataFrame:
    """Decode the parseable lines; the others become all-null rows that keep their text."""
    line = pl.col("_raw_line")
    return lines.select(
        pl.when(parseable).then(line).otherwise(pl.lit("{}")).str.json_decode(schema).alias("row"),
        pl.when(~parseable).then(line).alias("_raw_line"),
    ).unnest("row")


def _conform(frame: pl.DataFrame, contract: Contract, path: Path) -> pl.DataFrame:
    """Contract columns only: missing ones as nulls (validation flags them), extras logged."""
    extra = sorted(set(frame.columns) - set(contract.column_names))
    if extra:
        log.warning(
            "unknown_columns_ignored", dataset=contract.dataset, file=path.name, columns=extra
        )
    return frame.select(
        pl.col(name) if name in frame.columns else pl.lit(None, pl.String).alias(name)
        for name in contract.column_names
    )
