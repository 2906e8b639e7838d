"""A view of a key-value store restricted to one scope (a prefix of its keys).

A Faust table is one mapping per worker, changelogged per source partition: each source
partition's processor keeps its state under its own prefix, so partitions never mix and a
partition that moves to another worker takes exactly its keys along.
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from typing import TypeVar

V = TypeVar("V")


class Scoped(MutableMapping[str, V]):
    def __init__(self, store: MutableMapping[str, V], scope: str) -> None:
        self.store = store
        self.prefix = f"{scope}/"

    def __getitem__(self, key: str) -> V:
        return self.store[self.prefix + key]

    def __setitem__(self, key: str, value: V) -> None:
        self.store[self.prefix + key] = value

    def __delitem__(self, key: str) -> None:
        del self.store[self.prefix + key]

    def __iter__(self) -> Iterator[str]:
        size = len(self.prefix)
        return (key[size:] for key in list(self.store) if key.startswith(self.prefix))

    def __len__(self) -> int:
        return sum(1 for _ in self)
