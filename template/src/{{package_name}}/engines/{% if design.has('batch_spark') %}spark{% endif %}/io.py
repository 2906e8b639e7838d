"""Zone data in and out: Parquet, written atomically.

Spark writes a zone's rows as a folder of Parquet parts (one per task). The folder is
written under a hidden temporary name beside the target, `.<name>.<uuid>.tmp` (the name the
lake's crash recovery removes: sinks/lake.py), then put in the target's place in one step,
so a reader sees the old data or the new, never part of it. The old data, a Polars engine's
single file or an earlier folder, is removed afterwards.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import uuid
from pathlib import Path

import pyarrow as pa
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as sf

from ...reliability import crash_point
from ...sinks.lake import PARTITION_COLUMNS

# No `_SUCCESS` marker file in the folder (the rename is the commit).
WRITE_OPTIONS = {"mapreduce.fileoutputcommitter.marksuccessfuljobs": "false"}
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def read_zone(spark: SparkSession, path: Path) -> DataFrame:
    """A zone's rows: one Parquet file, or a folder of Parquet parts."""
    return spark.read.parquet(str(path))


def write_zone(frame: DataFrame, path: Path, partitioned_by: str | None = None) -> None:
    """Write `frame` to `path` (replacing what is there) so that readers never see half;
    with `partitioned_by`, in Hive folders by the UTC date and hour of that event-time
    column, named as the Polars engine names them (sinks/lake.py)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        if partitioned_by is None:
            frame.write.options(**WRITE_OPTIONS).parquet(str(temporary))
        else:
            date, hour = PARTITION_COLUMNS
            moment = sf.col(partitioned_by)  # the session's time zone is UTC (session.py)
            hours = frame.withColumns(
                {date: sf.date_format(moment, "yyyy-MM-dd"), hour: sf.date_format(moment, "HH")}
            )
            hours.write.options(**WRITE_OPTIONS).partitionBy(date, hour).parquet(str(temporary))
            if not any(temporary.rglob("*.parquet")):
                # No rows, no partition: one empty part keeps the columns, as in Polars.
                frame.limit(0).write.options(**WRITE_OPTIONS).mode("overwrite").parquet(
                    str(temporary)
                )
        _remove_clutter(temporary)
        crash_point("before_parquet_rename")  # tests only: leaves a stale .tmp behind
        replace(temporary, path)
    finally:
        remove(temporary)


def replace(source: Path, target: Path) -> None:
    """Put `source` (a file or folder) in `target`'s place. Where `target` exists, the two
    are swapped in one step (Linux's renameat2 RENAME_EXCHANGE) and the old one, now at
    `source`, is removed; elsewhere the old one is moved aside first, so that for a moment
    there is nothing at `target`, but never a mix of old and new parts."""
    if not os.path.lexists(target):
        source.replace(target)
        return
    if _exchange(source, target):
        remove(source)
        return
    aside = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    target.replace(aside)
    source.replace(target)
    remove(aside)


def remove(path: Path) -> None:
    """Remove a file or a folder, if there is one."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _exchange(source: Path, target: Path) -> bool:
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):  # not Linux, or a C library without it
        return False
    done = renameat2(
        _AT_FDCWD, os.fsencode(source), _AT_FDCWD, os.fsencode(target), _RENAME_EXCHANGE
    )
    return bool(done == 0)


def _remove_clutter(folder: Path) -> None:
    """Checksum files (`.part-*.crc`, where the file system still wrote them) and markers:
    the folder holds Parquet parts only."""
    for path in list(folder.rglob("*")):
        if path.is_file() and (path.name.endswith(".crc") or path.name.startswith("_")):
            path.unlink()


def from_arrow(spark: SparkSession, table: pa.Table) -> DataFrame:
    """A small Arrow table (reference rows, silver rows for features) as a Spark frame.
    Polars may hand out string views, which Spark does not read: they become strings."""
    fields = [
        field.with_type(pa.large_string()) if pa.types.is_string_view(field.type) else field
        for field in table.schema
    ]
    return spark.createDataFrame(table.cast(pa.schema(fields)))


def to_arrow(frame: DataFrame) -> pa.Table:
    """A small result (gold rows, features) as Arrow, with the types Polars hands out
    (`large_string` for text, every column nullable), so both engines give the same table."""
    table = frame.toArrow()
    fields = [
        pa.field(field.name, pa.large_string() if pa.types.is_string(field.type) else field.type)
        for field in table.schema
    ]
    return table.cast(pa.schema(fields))
