"""Bounded memory: how big a chunk is, and how the rows that share a key meet in memory.

Row-wise stages (read, validate, mask, clean, enrich) take one chunk at a time. The stages
that compare the rows of one key (dedup, the duplicate-key rule) cannot: the copies of a key
may sit in any chunk. They get key partitions instead: every chunk is split by a hash of the
key into partition files, and each partition, which holds every copy of its keys, is then
processed in memory on its own. The number of partitions follows from the data's size and
the memory budget: one (no files, no extra pass) when the data fits.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pyarrow as pa

# A stage holds a few copies of the rows it works on (read, sorted, deduplicated, joined,
# converted for writing): a partition may take this share of the budget. (1/8 peaked at
# 1.18 GB on 1M generated events with the default 512 MB budget, 1/16 at 0.99 GB, as fast.)
PARTITION_SHARE = 16
# A block of input text becomes lines, then parsed rows, side by side for a moment, and the
# JSON decoder's scratch space: ~15x the block at its peak (measured on the generated JSON
# lines). Blocks of 1/128 of the budget keep that within 1/8 of it, and blocks of a few
# megabytes read as fast as larger ones.
BLOCK_SHARE = 128
# A zone file's row group, as read by the next stage, which holds a few copies of it.
ROW_GROUP_SHARE = 16
_PARTITION = "_partition"


@dataclass(frozen=True)
class MemoryBudget:
    """The working memory the batch stages aim to stay within (PIPELINE_MEMORY_BUDGET_MB),
    on top of the interpreter and its libraries."""

    megabytes: int

    @property
    def bytes(self) -> int:
        return self.megabytes * 1024 * 1024

    @property
    def block_bytes(self) -> int:
        """Input bytes read at a time."""
        return max(self.bytes // BLOCK_SHARE, 1024 * 1024)

    @property
    def row_group_bytes(self) -> int:
        """Rows gathered into one chunk of a zone file: the chunks the next stage reads (small
        chunks cost time per chunk, not memory per row)."""
        return self.bytes // ROW_GROUP_SHARE

    def partitions_for(self, data_bytes: int) -> int:
        """Key partitions for rows that take `data_bytes` in memory, each within its share."""
        return max(1, math.ceil(data_bytes * PARTITION_SHARE / self.bytes))


def key_partitions(
    chunks: Iterable[pl.DataFrame], keys: Sequence[pl.Expr], count: int, work_dir: Path
) -> Iterator[pl.DataFrame]:
    """The rows of `chunks` regrouped so that all rows with the same key are in one frame.

    Within a partition the rows keep the order in which they were read. With `count` 1 the
    chunks are simply concatenated; otherwise they are spilled to `count` files under
    `work_dir`, read back one at a time and deleted.
    """
    if count <= 1:
        yield pl.concat(list(chunks))
        return
    paths = [work_dir / f"partition-{index:05d}.arrow" for index in range(count)]
    with ExitStack() as stack:
        spills = [stack.enter_context(_Spill(path)) for path in paths]
        for chunk in chunks:
            hashed = chunk.with_columns(
                (pl.struct(*keys).hash(seed=0) % count).cast(pl.Int64).alias(_PARTITION)
            )
            parts = hashed.partition_by(_PARTITION, as_dict=True, include_key=False)
            for index, spill in enumerate(spills):
                # An empty part too: every file knows its columns, even without rows.
                spill.write(parts.get((index,), chunk.head(0)))
    for path in paths:
        yield pl.read_ipc(path)
        path.unlink()


class _Spill:
    """One key partition's scratch file: Arrow IPC, uncompressed. It is read once, right
    after it is written, so writing fast (a copy of the buffers, 2.7x faster than Parquet
    here) matters more than its size on disk, about the rows' size in memory."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.schema: pa.Schema | None = None
        self.sink: pa.OSFile | None = None
        self.writer: pa.ipc.RecordBatchFileWriter | None = None

    def __enter__(self) -> _Spill:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        return self

    def write(self, frame: pl.DataFrame) -> None:
        table = frame.to_arrow()
        if self.schema is None:
            self.schema = table.schema
            self.sink = pa.OSFile(str(self.path), "wb")
            self.writer = pa.ipc.new_file(self.sink, table.schema)
        elif table.schema != self.schema:
            # A chunk whose column is all null may carry another type (e.g. null, not string).
            table = table.select(self.schema.names).cast(self.schema)
        assert self.writer is not None
        self.writer.write_table(table)

    def __exit__(self, *_: object) -> None:
        if self.writer is not None:
            self.writer.close()
        if self.sink is not None:
            self.sink.close()
