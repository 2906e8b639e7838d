"""Which batch to run: new input files, the quarantine to replay, or a backfill window.

Planning is engine-neutral: it reads the input folder, the batch states, the lake's file
names and the warehouse's books, never the rows (a backfill counts its window's rows).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from pathlib import Path

import polars as pl

from .batch import BatchState
from .config import Settings
from .contracts import Contract
from .privacy.keys import pii_key
from .rules import TIMESTAMP_FORMAT
from .sinks.lake import Lake, scan_parquet
from .sinks.warehouse import Warehouse
from .sources.files import InputFile, discover, fingerprint

FILES_BATCH_PREFIX = "b"  # replays start with "r", backfills with "f"
# A batch of the stream's lake archive files (a streaming-only design): its rows are masked.
ARCHIVE_BATCH_PREFIX = "a"


class BatchPlanner:
    def __init__(
        self,
        settings: Settings,
        contracts: dict[str, Contract],
        lake: Lake,
        batches_dir: Path,
        warehouse: Callable[[], Warehouse],
    ) -> None:
        self.settings = settings
        self.contracts = contracts
        self.lake = lake
        self.batches_dir = batches_dir
        self.warehouse = warehouse

    def files(
        self, command: str = "run", archive: Mapping[str, Sequence[Path]] | None = None
    ) -> BatchState | None:
        """A batch of the input files not loaded yet, or None when there is nothing new.

        `archive`: per dataset, files of the stream's lake archive (a streaming-only design),
        kept by the same ledger. Their new ones make a batch of their own, planned first: its
        rows are masked already, the input files' are not, and a batch validates its rows
        one way.
        """
        pii_key(self.settings)  # refuse a bad key before anything is written
        with self.warehouse() as wh:
            done = wh.processed_fingerprints()
            # An archive file is named after its stream batch, and a batch written again holds
            # the same events: a path in the ledger is not read again, so a run does not hash
            # the whole archive.
            seen = (
                {str(row[0]) for row in wh.execute("SELECT path FROM ops.processed_files")}
                if archive
                else set()
            )
        new_archive = [
            InputFile(dataset, path, fingerprint(path), path.stat().st_size)
            for dataset, paths in (archive or {}).items()
            for path in (p.resolve() for p in paths)
            if str(path) not in seen
        ]
        new_archive = [f for f in new_archive if f.sha256 not in done]
        if new_archive:
            return self._batch(ARCHIVE_BATCH_PREFIX, new_archive, command, masked_upstream=True)
        found = discover(self.settings.input_dir, self.contracts)
        new = [f for f in found if f.sha256 not in done]
        if not new:
            return None
        return self._batch(FILES_BATCH_PREFIX, new, command)

    def _batch(
        self, prefix: str, new: Sequence[InputFile], command: str, *, masked_upstream: bool = False
    ) -> BatchState:
        # Same files, same batch id: a re-run after a crash overwrites instead of duplicating.
        return BatchState(
            batch_id=batch_id(prefix, sorted(f.sha256 for f in new)),
            kind="files",
            command=command,
            files=[f.as_dict() for f in new],
            datasets=sorted({f.dataset for f in new}, key=list(self.contracts).index),
            masked_upstream=masked_upstream,
        )

    def replay(self, dataset: str | None = None) -> BatchState | None:
        """A batch of every quarantined row (of one dataset), re-validated by today's rules.

        The replay runs every stage, so its rows pass the same validation and quality gate
        as a normal run's before anything is loaded.
        """
        pii_key(self.settings)
        # Only loaded batches: an open or failed batch still owns its quarantine (a re-run
        # of it rewrites the same file), and a batch the quality gate rejected loads nothing.
        loaded = self.loaded_batch_ids()
        paths = [
            p
            for p in self.lake.files("quarantine", dataset)
            if p.parent.name.removeprefix("batch_id=") in loaded
        ]
        if not paths:
            return None
        # The quarantine of an archive batch holds masked rows: they are replayed in a batch
        # of their own, first, which does not mask them again.
        masked = [p for p in paths if _batch_of(p).startswith(ARCHIVE_BATCH_PREFIX)]
        paths = masked or paths
        datasets = sorted({p.parent.parent.name for p in paths}, key=list(self.contracts).index)
        return BatchState(
            batch_id=batch_id("r", [str(p) for p in paths] + [str(time.time_ns())]),
            kind="replay",
            command="dlq replay",
            replayed=[str(p) for p in paths],
            datasets=datasets,
            masked_upstream=bool(masked),
        )

    def backfill(self, start: date, end: date) -> BatchState:
        """Re-process the loaded input rows whose event time falls in [start, end].

        A dataset without rows in the window is left out of the batch and reported in
        `skipped`: an empty window of one dataset must not fail the others' quality gate.
        """
        pii_key(self.settings)
        window = (start.isoformat(), end.isoformat())
        state = BatchState(
            batch_id=batch_id("f", [*window, str(time.time_ns())]),
            kind="backfill",
            command=f"backfill --start {start} --end {end}",
            window=window,
        )
        loaded = self.loaded_batch_ids()
        for dataset, contract in self.contracts.items():
            rows = (
                self.backfill_rows(contract, window, loaded)
                .select(pl.len())
                .collect(engine="streaming")
            )
            if rows.item():
                state.datasets.append(dataset)
            else:
                state.skipped[dataset] = "no rows in window"
        return state

    def loaded_batch_ids(self) -> set[str]:
        """Batches whose load committed: their state says so, or the warehouse recorded their
        counts (in the load's own transaction, so it is the truth if the process died before
        the state file was updated)."""
        loaded = {
            path.stem
            for path in self.batches_dir.glob("*.json")
            if BatchState.load(self.batches_dir, path.stem).status == "loaded"
        }
        with self.warehouse() as wh:
            rows = wh.execute("SELECT DISTINCT batch_id FROM ops.dataset_runs")
        return loaded | {str(row[0]) for row in rows if row[0]}

    def backfill_sources(self, contract: Contract, loaded: set[str]) -> list[Path]:
        """The raw files a backfill reads: of input-file batches only (replay and backfill
        batches hold copies of their rows), and only loaded ones: the rows of a delivery
        that the quality gate rejected stay out."""
        return [
            path
            for path in self.lake.files("raw", contract.dataset)
            if (batch := path.parent.name.removeprefix("batch_id=")) in loaded
            and batch.startswith(FILES_BATCH_PREFIX)
        ]

    def backfill_rows(
        self, contract: Contract, window: tuple[str, str], loaded: set[str]
    ) -> pl.LazyFrame:
        """The raw rows of loaded input batches whose event day lies in the window."""
        frames = [scan_parquet(path) for path in self.backfill_sources(contract, loaded)]
        if not frames:
            return pl.LazyFrame()
        return pl.concat(frames, how="diagonal_relaxed").filter(in_window(contract, window))


def _batch_of(path: Path) -> str:
    """The batch id of a zone file (<zone>/<dataset>/batch_id=<id>/<file>)."""
    return path.parent.name.removeprefix("batch_id=")


def batch_id(prefix: str, parts: Sequence[str]) -> str:
    return prefix + hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def in_window(contract: Contract, window: tuple[str, str]) -> pl.Expr:
    """True for a raw row whose event day lies in the window (both ends included)."""
    start, end = (date.fromisoformat(d) for d in window)
    event_day = (
        pl.col(contract.event_time)
        .str.strip_chars()
        .str.to_datetime(TIMESTAMP_FORMAT, time_zone="UTC", strict=False)
        .dt.date()
    )
    return event_day.is_between(start, end).fill_null(False)
