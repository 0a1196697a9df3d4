"""Fewer runs of CPython's cyclic garbage collector while a process folds a long log."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

#: Net allocations between two collections of the youngest generation (CPython's default:
#: 700); the older generations after 20 and 100 of the younger one's (10 and 10).
YOUNG = 100_000
THRESHOLDS = (YOUNG, 20, 100)


@contextmanager
def infrequent_collections() -> Iterator[None]:
    """Collect cycles less often within the block, then as before.

    A rebuild, a follower or an import allocates millions of short-lived objects (decoded
    events, score lines, statements) that reference counting frees, and keeps a large heap
    that lives on (the folded facts of the whole log). With the default thresholds the
    collector runs every 700 allocations and, now and then, walks every live object of
    that heap, finding next to nothing: 1.5 s of the ledger's 11.9 s of CPU in a rebuild of
    100k events, 0.1 s with these thresholds (docs/benchmarks.md). Cycles are still
    collected, every 100,000 allocations."""
    before = gc.get_threshold()
    gc.set_threshold(*THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*before)
