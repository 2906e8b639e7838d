"""The stream's lake archive: its clean events as Parquet, partitioned by event date and hour.

    <data_dir>/lake/stream/<dataset>/event_date=<YYYY-MM-DD>/event_hour=<HH>/<name>.parquet

Each engine writes the clean events in batches; a batch's file name says where the batch
came from (a replayed file's digest, a Kafka partition and first offset), so writing the same
batch again replaces its files instead of adding rows. Readers take the folder as a
hive-partitioned dataset (DuckDB `read_parquet(..., hive_partitioning = true)`, Spark,
Polars `scan_parquet`). pyarrow only: the Flink job's environment has no Polars.

The hybrid batch reconciles its counts with `counts_by_hour` (stream_reconciliation.py). A
streaming-only design's batch loads the archive into the warehouse: the files of its closed
hours (`closed_files`), each once (the input file ledger), as rows already masked.
"""

from __future__ import annotations

import os
import uuid
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

# The engines write a file per this many clean events, or per this many seconds of a quiet
# stream (PIPELINE_STREAM_ARCHIVE_FLUSH_SECONDS), whichever comes first: large enough for
# Parquet, and events are committed as consumed only once their file is written.
ARCHIVE_BATCH_EVENTS = 50_000
ARCHIVE_FLUSH_SECONDS = float(os.environ.get("PIPELINE_STREAM_ARCHIVE_FLUSH_SECONDS", "300"))

Hour = tuple[str, int]  # (event date as YYYY-MM-DD, hour 0-23)


class LakeArchive:
    def __init__(self, data_dir: Path, dataset: str, event_time: str) -> None:
        self.root = data_dir / "lake" / "stream" / dataset
        self.event_time = event_time

    def hour_of(self, event: dict[str, Any]) -> Hour:
        moment = datetime.fromisoformat(str(event[self.event_time])).astimezone(UTC)
        return moment.date().isoformat(), moment.hour

    def folder(self, hour: Hour) -> Path:
        day, hour_of_day = hour
        return self.root / f"event_date={day}" / f"event_hour={hour_of_day:02d}"

    def write(self, events: Iterable[dict[str, Any]], name: str) -> list[Path]:
        """One Parquet file named `name` per event hour of `events`, written atomically."""
        by_hour: dict[Hour, list[dict[str, Any]]] = defaultdict(list)
        for event in events:
            by_hour[self.hour_of(event)].append(event)
        written: list[Path] = []
        for hour, rows in sorted(by_hour.items()):
            table = pa.Table.from_pylist(rows)
            column = table.schema.get_field_index(self.event_time)
            table = table.set_column(column, self.event_time, _timestamps(rows, self.event_time))
            path = self.folder(hour) / f"{name}.parquet"
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_name(f".{path.name}.{uuid.uuid4().hex}.partial")
            pq.write_table(table, partial)
            partial.replace(path)
            written.append(path)
        return written

    def hours(self) -> dict[Hour, Path]:
        """The archive's event hours and their folders (a folder of another name is not one)."""
        found: dict[Hour, Path] = {}
        for folder in self.root.glob("event_date=*/event_hour=*"):
            try:
                day = date.fromisoformat(folder.parent.name.removeprefix("event_date="))
                hour = int(folder.name.removeprefix("event_hour="))
            except ValueError:
                continue
            if folder.is_dir() and 0 <= hour <= 23:
                found[day.isoformat(), hour] = folder
        return found

    def closed_files(
        self, now: datetime, lateness_s: float, flush_s: float = ARCHIVE_FLUSH_SECONDS
    ) -> list[Path]:
        """The files of the hours no event can still reach (`closes_at` <= now), oldest hour
        first; an open hour's files wait for a later run."""
        return [
            path
            for hour, folder in sorted(self.hours().items())
            if closes_at(hour, lateness_s, flush_s) <= now
            for path in sorted(folder.glob("*.parquet"))
            if path.is_file()
        ]

    def counts_by_hour(self) -> dict[Hour, int]:
        """Events archived per event hour, from the files' footers (no data is read)."""
        counts: dict[Hour, int] = defaultdict(int)
        for path in self.root.glob("event_date=*/event_hour=*/*.parquet"):
            day = path.parent.parent.name.removeprefix("event_date=")
            hour = int(path.parent.name.removeprefix("event_hour="))
            counts[day, hour] += pq.ParquetFile(path).metadata.num_rows
        return dict(counts)


def closes_at(hour: Hour, lateness_s: float, flush_s: float) -> datetime:
    """When an event hour is closed: its end, plus the stream's allowed lateness (an event
    later than that goes to the late output, not here), plus the archive's flush interval (the
    last events of the hour wait at most that long in an engine's buffer for their file).
    A file that still lands in a closed hour (a stream catching up after an outage) is loaded
    by the next run: each file is loaded once, whenever it appears."""
    day, hour_of_day = hour
    start = datetime.fromisoformat(day).replace(tzinfo=UTC) + timedelta(hours=hour_of_day)
    return start + timedelta(hours=1, seconds=lateness_s + flush_s)


def _timestamps(rows: list[dict[str, Any]], name: str) -> pa.Array:
    """The event times (ISO 8601 texts with their offset) as UTC timestamps."""
    return pa.array(
        [datetime.fromisoformat(str(row[name])) for row in rows], pa.timestamp("us", "UTC")
    )
