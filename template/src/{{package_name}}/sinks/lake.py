"""The lake: one folder per zone and dataset, one Parquet file per batch, written atomically.

    <data_dir>/lake/raw/<dataset>/batch_id=<id>/data.parquet         append-only copy of the input
    <data_dir>/lake/quarantine/<dataset>/batch_id=<id>/data.parquet  rejected rows + `_reason`
    <data_dir>/lake/quarantine/_files/<dataset>/batch_id=<id>/<name>  an unreadable input file,
                                    byte for byte, and <name>.reason.json (why; no content)
    <data_dir>/lake/validated/<dataset>/batch_id=<id>/data.parquet   typed rows that passed
    <data_dir>/lake/clean/<dataset>/batch_id=<id>/data.parquet       deduplicated, masked, enriched
    <data_dir>/lake/gold/<table>.parquet                             snapshot of each gold table

A batch id is derived from its input files' fingerprints, so re-running a crashed batch
rewrites the same files instead of adding new ones.
"""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Literal

import polars as pl

from ..reliability import crash_point, io_retry

Zone = Literal["raw", "quarantine", "validated", "clean", "gold"]
ZONES: tuple[Zone, ...] = ("raw", "quarantine", "validated", "clean", "gold")
REJECTED_FILES = "_files"  # under the quarantine zone; no dataset has this name


class Lake:
    def __init__(self, root: Path) -> None:
        self.root = root

    def batch_file(self, zone: Zone, dataset: str, batch_id: str) -> Path:
        return self.root / zone / dataset / f"batch_id={batch_id}" / "data.parquet"

    def gold_file(self, table: str) -> Path:
        return self.root / "gold" / f"{table}.parquet"

    def write(self, frame: pl.DataFrame, zone: Zone, dataset: str, batch_id: str) -> Path:
        path = self.batch_file(zone, dataset, batch_id)
        write_parquet_atomic(frame, path)
        return path

    def read(self, zone: Zone, dataset: str, batch_id: str) -> pl.DataFrame:
        return read_parquet(self.batch_file(zone, dataset, batch_id))

    def has(self, zone: Zone, dataset: str, batch_id: str) -> bool:
        return self.batch_file(zone, dataset, batch_id).exists()

    def rejected_file(self, dataset: str, batch_id: str, name: str) -> Path:
        return self.root / "quarantine" / REJECTED_FILES / dataset / f"batch_id={batch_id}" / name

    @io_retry
    def quarantine_file(
        self, source: Path, dataset: str, batch_id: str, reason: dict[str, Any]
    ) -> Path:
        """Keep an input file that could not be read, byte for byte, with its reason beside it
        (`<name>.reason.json`). Fix it and drop the fixed file into the input folder again."""
        target = self.rejected_file(dataset, batch_id, source.name)
        _write_atomic(target, lambda temporary: shutil.copyfile(source, temporary))
        text = json.dumps(reason, indent=2)
        _write_atomic(
            target.with_name(f"{target.name}.reason.json"),
            lambda temporary: temporary.write_text(text, encoding="utf-8"),
        )
        return target

    def files(self, zone: Zone, dataset: str | None = None) -> Iterator[Path]:
        base = self.root / zone
        pattern = f"{dataset}/*/data.parquet" if dataset else "**/*.parquet"
        yield from sorted(base.glob(pattern))

    def temporaries(self) -> list[Path]:
        """Files a killed writer left half-written (see write_parquet_atomic): never data."""
        return sorted(self.root.rglob(".*.tmp"))


@io_retry
def write_parquet_atomic(frame: pl.DataFrame, path: Path) -> None:
    """Write next to the target, then rename: readers see the old file or the new, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        frame.write_parquet(temporary, compression="zstd", statistics=True)
        crash_point("before_parquet_rename")  # tests only: leaves a stale .tmp behind
        temporary.replace(path)
    finally:
        temporary.unlink(missing_ok=True)


def _write_atomic(path: Path, write: Callable[[Path], object]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        write(temporary)
        temporary.replace(path)
    finally:
        temporary.unlink(missing_ok=True)


@io_retry
def read_parquet(path: Path) -> pl.DataFrame:
    return pl.read_parquet(path)
