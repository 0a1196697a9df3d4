"""Sorting more planned steps than memory should hold: runs of them are sorted and spilled to a
temporary file, and the runs are merged as they are read back (an external merge sort)."""

from __future__ import annotations

import heapq
import pickle
import tempfile
from collections.abc import Iterator
from typing import IO, Any

#: Items sorted in memory before a run is spilled; items per pickled batch of a run.
RUN = 25_000
BATCH = 1_000


class ExternalSort:
    """Items (tuples whose order is decided before any unorderable member) in sorted order,
    holding at most ``run`` of them, plus a batch per run while merging."""

    def __init__(self, run: int | None = None, batch: int | None = None) -> None:
        self.run = run or RUN
        self.batch = batch or BATCH
        self.buffer: list[tuple[Any, ...]] = []
        self.runs: list[list[int]] = []  # each run's batches, by offset in the file
        self.file: IO[bytes] | None = None
        self.count = 0

    def add(self, item: tuple[Any, ...]) -> None:
        self.buffer.append(item)
        self.count += 1
        if len(self.buffer) >= self.run:
            self.spill()

    def spill(self) -> None:
        if self.file is None:
            self.file = tempfile.TemporaryFile(prefix="tally-import-")
        self.buffer.sort()
        offsets = []
        for start in range(0, len(self.buffer), self.batch):
            offsets.append(self.file.tell())
            pickle.dump(self.buffer[start:start + self.batch], self.file,
                        protocol=pickle.HIGHEST_PROTOCOL)
        self.runs.append(offsets)
        self.buffer = []

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        """Every item in order, each let go of once read; the file is removed at the end."""
        if not self.runs:
            items, self.buffer = self.buffer, []
            items.sort(reverse=True)
            while items:
                yield items.pop()
            return
        if self.buffer:
            self.spill()
        try:
            yield from heapq.merge(*(self.read(offsets) for offsets in self.runs))
        finally:
            self.close()

    def read(self, offsets: list[int]) -> Iterator[tuple[Any, ...]]:
        assert self.file is not None
        for offset in offsets:
            self.file.seek(offset)
            batch = pickle.load(self.file)  # noqa: S301 (our own file, written just now)
            yield from batch

    def close(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None
