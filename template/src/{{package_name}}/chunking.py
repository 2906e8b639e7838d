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

from .sinks.lake import ParquetStream, read_parquet

# A stage holds a few copies of the rows it works on (sorted, deduplicated, joined): a
# partition may take this share of the budget.
PARTITION_SHARE = 8
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
    paths = [work_dir / f"partition-{index:05d}.parquet" for index in range(count)]
    with ExitStack() as stack:
        streams = [stack.enter_context(ParquetStream(path)) for path in paths]
        for chunk in chunks:
            if not streams[0].writer:  # every file knows its columns, even without rows
                for stream in streams:
                    stream.write(chunk.head(0))
            hashed = chunk.with_columns(
                (pl.struct(*keys).hash(seed=0) % count).cast(pl.Int64).alias(_PARTITION)
            )
            for (index,), part in hashed.partition_by(
                _PARTITION, as_dict=True, include_key=False
            ).items():
                streams[index].write(part)
    for path in paths:
        yield read_parquet(path)
        path.unlink()
