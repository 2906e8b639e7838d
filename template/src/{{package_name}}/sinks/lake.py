"""The lake: one folder per zone and dataset, one Parquet file per batch, written atomically.

    <data_dir>/lake/raw/<dataset>/batch_id=<id>/data.parquet         append-only copy of the input
    <data_dir>/lake/quarantine/<dataset>/batch_id=<id>/data.parquet  rejected rows + `_reason`
    <data_dir>/lake/quarantine/_files/<dataset>/batch_id=<id>/<name>  an unreadable input file,
                                    byte for byte, and <name>.reason.json (why; no content)
    <data_dir>/lake/validated/<dataset>/batch_id=<id>/data.parquet   typed rows that passed
    <data_dir>/lake/clean/<dataset>/batch_id=<id>/data.parquet       deduplicated, masked, enriched
        .../data.parquet/event_date=<YYYY-MM-DD>/event_hour=<HH>/part-*.parquet   (facts)
    <data_dir>/lake/gold/<table>.parquet                             snapshot of each gold table
    <data_dir>/lake/_work/batch_id=<id>/   scratch files of a running stage (staged input files,
                                           key partitions); never data of record

Zone files are written and read chunk by chunk (ParquetStream, read_chunks): one row group per
chunk, so no stage holds a whole batch in memory. An engine that writes in parallel (Spark)
puts a folder of Parquet parts under the same name (`data.parquet/part-*.parquet`): every
reader here takes either (`parquet_parts`).

The clean zone of a fact is partitioned by the UTC date and hour of its contract's event
time, Hive style (PartitionedParquetStream; Spark's `partitionBy`): a consumer that reads
one hour opens that hour's files only. The partition columns live in the folder names, not
in the files, so the pipeline's readers (which take the parts) see the contract's columns;
a consumer reading the folder as a Hive dataset gets `event_date` and `event_hour` too.
Reference data (role `reference`) stays one file: its event time is a version time, and it
is read whole (enrichment), so hours would only make small files. The other zones are the
pipeline's working copies, read whole by the next stage: not partitioned.

A batch id is derived from its input files' fingerprints, so re-running a crashed batch
rewrites the same files instead of adding new ones.
"""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, Literal

import polars as pl
import pyarrow as pa
import pyarrow.dataset as pds
import pyarrow.parquet as pq

from ..contracts import Contract
from ..reliability import crash_point, io_retry

Zone = Literal["raw", "quarantine", "validated", "clean", "gold"]
ZONES: tuple[Zone, ...] = ("raw", "quarantine", "validated", "clean", "gold")
REJECTED_FILES = "_files"  # under the quarantine zone; no dataset has this name
WORK = "_work"  # scratch files of a running stage, never data of record
# Hive partition columns of the clean zone of facts: the event time's UTC date and hour
# (`2026-03-01`, `07`: the stream's lake archive names its folders the same way).
PARTITION_COLUMNS = ("event_date", "event_hour")
# A flush of a partitioned stream may touch this many partitions (hours): ~114 years.
_MAX_PARTITIONS = 1_000_000


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
        """The whole file in memory: for small zones (reference data) and tests."""
        return read_parquet(self.batch_file(zone, dataset, batch_id))

    def scan(self, zone: Zone, dataset: str, batch_id: str) -> pl.LazyFrame:
        return scan_parquet(self.batch_file(zone, dataset, batch_id))

    def chunks(
        self, zone: Zone, dataset: str, batch_id: str, gather_bytes: int = 0
    ) -> Iterator[pl.DataFrame]:
        return read_chunks(self.batch_file(zone, dataset, batch_id), gather_bytes)

    def stream(
        self, zone: Zone, dataset: str, batch_id: str, row_group_bytes: int = 0
    ) -> ParquetStream:
        return ParquetStream(self.batch_file(zone, dataset, batch_id), row_group_bytes)

    def partitioned_by(self, zone: Zone, contract: Contract) -> str | None:
        """The event-time column whose UTC date and hour partition `zone`'s data of
        `contract`'s dataset, or None (unpartitioned): the clean zone of a fact."""
        return contract.event_time if zone == "clean" and contract.role == "fact" else None

    def work_dir(self, batch_id: str) -> Path:
        """Scratch space of one batch's stage (staged files, key partitions): emptied by the
        stage that uses it, and by `recover` after a killed run."""
        return self.root / WORK / f"batch_id={batch_id}"

    def has(self, zone: Zone, dataset: str, batch_id: str) -> bool:
        return self.batch_file(zone, dataset, batch_id).exists()

    def rejected_dir(self, dataset: str, batch_id: str) -> Path:
        return self.root / "quarantine" / REJECTED_FILES / dataset / f"batch_id={batch_id}"

    def rejected_file(self, dataset: str, batch_id: str, name: str) -> Path:
        return self.rejected_dir(dataset, batch_id) / name

    @io_retry
    def quarantine_file(
        self,
        source: Path,
        dataset: str,
        batch_id: str,
        reason: dict[str, Any],
        name: str | None = None,
    ) -> Path:
        """Keep an input file that could not be read, byte for byte, with its reason beside it
        (`<name>.reason.json`; `name`, the source's own by default). Fix it and drop the fixed
        file into the input folder again."""
        target = self.rejected_file(dataset, batch_id, name or source.name)
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
        """Files (or part folders) a killed writer left half-written (see
        write_parquet_atomic): never data."""
        return sorted(self.root.rglob(".*.tmp"))

    def clear_work(self, batch_id: str | None = None) -> None:
        """Remove the scratch files of one batch's stage, or of every batch (`recover`)."""
        shutil.rmtree(self.work_dir(batch_id) if batch_id else self.root / WORK, ignore_errors=True)


@io_retry
def write_parquet_atomic(frame: pl.DataFrame, path: Path) -> None:
    """Write next to the target, then rename: readers see the old file or the new, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        frame.write_parquet(temporary, compression="zstd", statistics=True)
        crash_point("before_parquet_rename")  # tests only: leaves a stale .tmp behind
        replace_zone_data(temporary, path)
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


def write_zone_frame(frame: pl.DataFrame, path: Path, partitioned_by: str | None) -> None:
    """Write a frame as zone data, partitioned by `partitioned_by`'s hours if given (the
    erasure rewrites zone data through this, so it keeps its layout)."""
    if partitioned_by is None:
        write_parquet_atomic(frame, path)
        return
    with PartitionedParquetStream(path, partitioned_by) as out:
        out.write(frame)


def parquet_parts(path: Path) -> list[Path]:
    """The Parquet files of zone data: the file itself, or a folder's parts (in Hive
    partition folders too) in path order: by event date, hour, then part."""
    if path.is_dir():
        parts = sorted(p for p in path.rglob("*.parquet") if not p.name.startswith("."))
        if not parts:
            raise FileNotFoundError(f"{path}: a folder without Parquet parts")
        return parts
    return [path]


def remove_zone_data(path: Path) -> None:
    """Delete zone data (a file or a folder of parts), if it is there."""
    if path.is_dir():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


@io_retry
def read_parquet(path: Path) -> pl.DataFrame:
    return pl.read_parquet(parquet_parts(path))


def scan_parquet(path: Path) -> pl.LazyFrame:
    return pl.scan_parquet(parquet_parts(path))


def parquet_schema(path: Path) -> pa.Schema:
    return pq.ParquetFile(parquet_parts(path)[0]).schema_arrow


def read_chunks(path: Path, gather_bytes: int = 0) -> Iterator[pl.DataFrame]:
    """Zone data one row group at a time (a ParquetStream writes one per chunk); data without
    rows gives one empty frame, so its columns are still known.

    With `gather_bytes`, consecutive row groups are gathered into one frame until it holds
    about that many bytes: the clean zone of a fact has a file per event hour, and a small
    batch spread over many hours would otherwise be checked hour by hour, a call per few
    rows. Gathering whole row groups keeps a key partition whole (quality/checks.py), and
    memory holds about `gather_bytes` plus one row group."""
    files = [pq.ParquetFile(part) for part in parquet_parts(path)]
    groups = [(file, index) for file in files for index in range(file.metadata.num_row_groups)]
    if not groups:
        yield _polars(files[0].schema_arrow.empty_table())
        return
    gathered: list[pa.Table] = []
    size = 0
    for file, index in groups:
        table = file.read_row_group(index)
        gathered.append(table)
        size += table.nbytes
        if size >= gather_bytes:
            yield _polars(pa.concat_tables(gathered, promote_options="default"))
            gathered, size = [], 0
    if gathered:
        yield _polars(pa.concat_tables(gathered, promote_options="default"))


def _polars(table: pa.Table) -> pl.DataFrame:
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    return frame


def memory_bytes(path: Path, sample_rows: int = 65_536) -> int:
    """About what the rows of zone data take in memory: the first rows' size in memory, per
    row, times the rows. (The footer's sizes are of encoded pages: a dictionary-encoded
    column takes far less there than in memory.)"""
    files = [pq.ParquetFile(part) for part in parquet_parts(path)]
    rows = sum(file.metadata.num_rows for file in files)
    if not rows:
        return 0
    first = next(file for file in files if file.metadata.num_rows)
    sample = pl.from_arrow(next(first.iter_batches(batch_size=sample_rows)))
    assert isinstance(sample, pl.DataFrame)
    return int(sample.estimated_size() / max(sample.height, 1) * rows)


class ParquetStream:
    """Write one zone file chunk by chunk, atomically: memory holds a chunk (or the pending
    chunks of one row group), and readers see the old file or the whole new one (it is
    renamed into place when the `with` block ends without an error, deleted when it raises).

    With `row_group_bytes`, consecutive small chunks are gathered into row groups of about
    that size in memory (fewer, larger chunks for the stages that read the file); without,
    every chunk is a row group of its own. Every chunk must have the first one's columns;
    write at least one (maybe empty) chunk, so that the file knows its columns.

    Encoding and compressing a row group is single-threaded in pyarrow and releases the GIL:
    it runs on a writer thread while the caller computes the next chunk (one row group in
    flight per file; a failed write is raised by the next `write` or by the `with` block).
    """

    def __init__(self, path: Path, row_group_bytes: int = 0) -> None:
        self.path = path
        self.row_group_bytes = row_group_bytes
        self.temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
        self.writer: pq.ParquetWriter | None = None
        self.pending: list[pa.Table] = []
        self.pending_bytes = 0
        self.rows = 0
        self._in_flight: Future[None] | None = None

    def __enter__(self) -> ParquetStream:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        return self

    def write(self, frame: pl.DataFrame) -> None:
        # As Arrow at once: a compact copy. A frame filtered out of a bigger one (the few
        # quarantined rows of a chunk) shares the bigger one's string buffers and would keep
        # them all alive while it waits for its row group.
        table = frame.to_arrow()
        if self.writer is None:
            self.writer = pq.ParquetWriter(self.temporary, table.schema, compression="zstd")
        if not table.num_rows:
            return
        if table.schema != self.writer.schema:
            # A chunk whose column is all null may carry another type (e.g. null, not string).
            table = table.select(self.writer.schema.names).cast(self.writer.schema)
        self.rows += table.num_rows
        self.pending.append(table)
        self.pending_bytes += table.nbytes
        if self.pending_bytes >= self.row_group_bytes:
            self._flush()

    def _flush(self) -> None:
        if not self.pending:
            return
        assert self.writer is not None
        table = pa.concat_tables(self.pending)
        self.pending, self.pending_bytes = [], 0
        self._wait()
        self._in_flight = _WRITER.submit(self._write_row_group, self.writer, table)

    @staticmethod
    def _write_row_group(writer: pq.ParquetWriter, table: pa.Table) -> None:
        writer.write_table(table, row_group_size=table.num_rows)

    def _wait(self) -> None:
        """Let the row group in flight finish; raises its error."""
        in_flight, self._in_flight = self._in_flight, None
        if in_flight is not None:
            in_flight.result()

    def __exit__(self, error_type: type[BaseException] | None, *_: object) -> None:
        try:
            try:
                if error_type is None:
                    self._flush()
                    self._wait()
                elif self._in_flight is not None:
                    # The block's own error is the one to raise; a row group that failed
                    # to write as well changes nothing, the file is deleted either way.
                    self._in_flight.exception()
            finally:
                if self.writer is not None:
                    self.writer.close()
            if error_type is None:
                if self.writer is None:
                    raise ValueError(f"{self.path}: no chunk was written, not even an empty one")
                crash_point("before_parquet_rename")  # tests only: leaves a stale .tmp behind
                _replace(self.temporary, self.path)
        finally:
            self.pending = []
            self.temporary.unlink(missing_ok=True)


# One writer thread for every open ParquetStream: row groups are written in the order they
# are submitted, so a file's row groups keep their order.
_WRITER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="parquet-writer")


@io_retry
def _replace(source: Path, target: Path) -> None:
    replace_zone_data(source, target)


def replace_zone_data(source: Path, target: Path) -> None:
    """Move `source` (a file or a folder) to `target`, replacing what is there. A folder of
    parts in the way is renamed aside first, then deleted: readers see the old data or the
    new, never a mix (a folder taking a file's place, or the reverse, is renamed aside too)."""
    if target.is_dir() or (source.is_dir() and target.exists()):
        aside = target.with_name(f".{target.name}.{uuid.uuid4().hex}.old.tmp")
        target.rename(aside)
        source.replace(target)
        remove_zone_data(aside)
    else:
        source.replace(target)


def with_partition_columns(frame: pl.DataFrame, event_time: str) -> pl.DataFrame:
    """`frame` with the Hive partition columns of its rows: the UTC date (`YYYY-MM-DD`) and
    hour (`HH`) of `event_time` (a date is hour `00`; a time without zone is taken as UTC)."""
    moment = pl.col(event_time)
    dtype = frame.schema[event_time]
    if dtype == pl.Date:
        moment = moment.cast(pl.Datetime("us"))
    elif isinstance(dtype, pl.Datetime) and dtype.time_zone is not None:
        moment = moment.dt.convert_time_zone("UTC")
    date, hour = PARTITION_COLUMNS
    return frame.with_columns(
        moment.dt.strftime("%Y-%m-%d").alias(date), moment.dt.strftime("%H").alias(hour)
    )


class PartitionedParquetStream:
    """ParquetStream's promise (chunks in; memory of about one row group; readers see the old
    zone data or the whole new one) for zone data split into Hive partitions by the UTC date
    and hour of `event_time`: `<path>/event_date=<YYYY-MM-DD>/event_hour=<HH>/part-*.parquet`.

    Chunks are gathered up to `row_group_bytes` (as ParquetStream does), then each gathering
    is split by hour and written by pyarrow's dataset writer, a file per hour it touches
    (`part-<gathering>-0.parquet`), on the writer thread while the caller computes the next
    chunk. No file stays open between gatherings, so a batch of many hours never holds one
    writer per hour. The folder is written under a hidden temporary name and renamed into
    place at the end. Data without rows is one part without partition folders, so its
    columns are still known.
    """

    def __init__(self, path: Path, event_time: str, row_group_bytes: int = 0) -> None:
        self.path = path
        self.event_time = event_time
        self.row_group_bytes = row_group_bytes
        self.temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
        self.schema: pa.Schema | None = None  # of the first chunk, partition columns included
        self.pending: list[pa.Table] = []
        self.pending_bytes = 0
        self.rows = 0
        self.gatherings = 0
        self._in_flight: Future[None] | None = None

    def __enter__(self) -> PartitionedParquetStream:
        self.temporary.mkdir(parents=True)
        return self

    def write(self, frame: pl.DataFrame) -> None:
        table = with_partition_columns(frame, self.event_time).to_arrow()
        if self.schema is None:
            self.schema = table.schema
        if not table.num_rows:
            return
        if table.schema != self.schema:
            # A chunk whose column is all null may carry another type (e.g. null, not string).
            table = table.select(self.schema.names).cast(self.schema)
        self.rows += table.num_rows
        self.pending.append(table)
        self.pending_bytes += table.nbytes
        if self.pending_bytes >= self.row_group_bytes:
            self._flush()

    def _flush(self) -> None:
        if not self.pending:
            return
        table = pa.concat_tables(self.pending)
        self.pending, self.pending_bytes = [], 0
        self._wait()
        self._in_flight = _WRITER.submit(self._write_files, table, self.gatherings)
        self.gatherings += 1

    def _write_files(self, table: pa.Table, gathering: int) -> None:
        pds.write_dataset(
            table,
            self.temporary,
            format="parquet",
            partitioning=list(PARTITION_COLUMNS),
            partitioning_flavor="hive",
            basename_template=f"part-{gathering:05d}-{{i}}.parquet",
            existing_data_behavior="overwrite_or_ignore",
            file_options=pds.ParquetFileFormat().make_write_options(compression="zstd"),
            max_partitions=_MAX_PARTITIONS,
            max_rows_per_group=max(table.num_rows, 1),
            use_threads=False,  # one writer thread for all streams, as ParquetStream
        )

    def _wait(self) -> None:
        in_flight, self._in_flight = self._in_flight, None
        if in_flight is not None:
            in_flight.result()

    def __exit__(self, error_type: type[BaseException] | None, *_: object) -> None:
        try:
            if error_type is not None:
                if self._in_flight is not None:
                    self._in_flight.exception()  # the block's own error is the one to raise
                return
            self._flush()
            self._wait()
            if self.schema is None:
                raise ValueError(f"{self.path}: no chunk was written, not even an empty one")
            if not self.rows:
                columns = [n for n in self.schema.names if n not in PARTITION_COLUMNS]
                empty = self.schema.empty_table().select(columns)
                pq.write_table(empty, self.temporary / "part-00000-0.parquet", compression="zstd")
            crash_point("before_parquet_rename")  # tests only: leaves a stale .tmp behind
            _replace(self.temporary, self.path)
        finally:
            self.pending = []
            shutil.rmtree(self.temporary, ignore_errors=True)
