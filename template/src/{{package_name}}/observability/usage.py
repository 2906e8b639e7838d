"""What a stage used: CPU time, peak memory, and the bytes of data it read and wrote.

CPU and memory come from the process (`getrusage`); a child that has exited (a
subprocess) counts too. Bytes come from the lake, not from the process's I/O counters:
under Spark the JVM does the reading and writing, and the lake's files are what every
engine reads and writes, so the figures mean the same under each.
"""

from __future__ import annotations

import resource
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True)
class StageUsage:
    seconds: float
    cpu_seconds: float
    peak_rss_bytes: int  # the process's high-water mark at the end of the stage
    bytes_read: int
    bytes_written: int

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


@dataclass(frozen=True)
class RunUsage:
    """A run's stages' usage and its cost at the design's prices, as ops records them."""

    stages: Mapping[str, Mapping[str, float]]  # stage -> StageUsage.as_dict()
    outcome: str
    input_bytes: int
    vcpus: int
    usd_per_vcpu_hour: float
    cost_usd: float


def data_bytes(paths: Iterable[Path]) -> int:
    """Bytes of the files at `paths`: a file, or every file under a folder."""
    total = 0
    for path in paths:
        if path.is_file():
            total += path.stat().st_size
        elif path.is_dir():
            total += sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return total


def _cpu_seconds() -> float:
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def _peak_rss_bytes() -> int:
    peak = max(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    )
    return int(peak if sys.platform == "darwin" else peak * 1024)  # Linux counts KiB


class UsageMeter:
    """Started before a stage, `stop`ped after it with the bytes it read and wrote."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.cpu_started = _cpu_seconds()

    def stop(self, bytes_read: int, bytes_written: int) -> StageUsage:
        return StageUsage(
            seconds=round(time.perf_counter() - self.started, 3),
            cpu_seconds=round(_cpu_seconds() - self.cpu_started, 3),
            peak_rss_bytes=_peak_rss_bytes(),
            bytes_read=bytes_read,
            bytes_written=max(bytes_written, 0),
        )
