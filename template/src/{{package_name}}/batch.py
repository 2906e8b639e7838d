"""A batch's state: what it read, what each stage produced, and how far it got.

Saved as JSON next to the lake when a stage starts and when it ends, so a stage can run on
its own (`cli run --stage`, or one orchestrator task per stage) and a crashed batch can be
resumed. `pid` and `stage` say which process is working on the batch and where: the next run
(holding the run lock, so that process is gone) finds a batch a killed run left behind by them.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

BatchKind = Literal["files", "replay", "backfill"]


@dataclass
class BatchState:
    batch_id: str
    kind: BatchKind
    command: str
    run_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    started_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())
    files: list[dict[str, Any]] = field(default_factory=list)
    # backfill: the event-time window; replay: the quarantine files it consumes
    window: tuple[str, str] | None = None
    replayed: list[str] = field(default_factory=list)
    datasets: list[str] = field(default_factory=list)
    # dataset -> why it is not part of the batch (e.g. a backfill window without its rows)
    skipped: dict[str, str] = field(default_factory=dict)
    # dataset -> rows_in / quarantined / duplicates / loaded
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    reasons: dict[str, dict[str, int]] = field(default_factory=dict)
    quality: list[dict[str, Any]] = field(default_factory=list)
    stage_seconds: dict[str, float] = field(default_factory=dict)
    # stage -> what it used (observability/usage.py: CPU, peak memory, bytes read, written)
    stage_usage: dict[str, dict[str, float]] = field(default_factory=dict)
    stages_done: list[str] = field(default_factory=list)
    status: Literal["open", "loaded", "failed"] = "open"
    error: str | None = None
    # Set while a process runs stages of this batch, cleared when it records the outcome.
    pid: int | None = None
    stage: str | None = None  # the stage running now
    # Rows the stream core checked and masked already (the stream's lake archive): validate
    # types them and does not mask them again.
    masked_upstream: bool = False

    def count(self, dataset: str, key: str, value: int) -> None:
        self.counts.setdefault(
            dataset, {"rows_in": 0, "quarantined": 0, "duplicates": 0, "loaded": 0}
        )[key] = value

    def save(self, directory: Path) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"{self.batch_id}.json"
        temporary = path.with_suffix(f".{uuid.uuid4().hex}.tmp")
        temporary.write_text(json.dumps(asdict(self), indent=2, default=str), encoding="utf-8")
        temporary.replace(path)
        return path

    @classmethod
    def load(cls, directory: Path, batch_id: str) -> BatchState:
        data = json.loads((directory / f"{batch_id}.json").read_text(encoding="utf-8"))
        if data.get("window"):
            data["window"] = tuple(data["window"])
        return cls(**data)

    @classmethod
    def all(cls, directory: Path) -> list[BatchState]:
        return [cls.load(directory, p.stem) for p in sorted(directory.glob("*.json"))]

    @classmethod
    def latest_open(cls, directory: Path) -> BatchState | None:
        open_states = [s for s in cls.all(directory) if s.status != "loaded"]
        return max(open_states, key=lambda s: s.started_at) if open_states else None

    @staticmethod
    def temporaries(directory: Path) -> list[Path]:
        """Half-written state files of a writer that was killed (`save` renames them)."""
        return sorted(directory.glob("*.tmp"))
