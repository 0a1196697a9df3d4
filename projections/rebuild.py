"""A full rebuild of several projections, in parallel processes on PostgreSQL.

Each process reads and decodes the log once for its group of projections
(``runner.rebuild_together``); each projection still commits every batch with its own position,
so a rebuild stopped anywhere resumes like any catch-up. SQLite has one writer at a time, so
there the projections are rebuilt together in this process.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from projections.registry import open_projection
from projections.runner import rebuild_together
from store.bootstrap import open_tally
from store.settings import DatabaseSettings

#: CPU seconds (the process's and its PostgreSQL backend's) each projection took of a rebuild
#: of 100k events alone, reading and decoding (1.8 s) aside, at commit 05a80b4 (pages of
#: 5,000), to balance the processes; a projection not named here counts as the slowest. Read
#: and decode included, the ledger's process is 15.7 s, the other three together 16.2 s.
COST = {"ledger": 13.9, "audit": 8.0, "boards": 4.6, "catalog": 1.8}

Progress = Callable[[str, int], None]

_progress_queue: Any = None


def groups(names: Sequence[str], workers: int) -> list[list[str]]:
    """The projections split into at most ``workers`` groups of about equal cost."""
    slowest = max(COST.values())
    split: list[list[str]] = [[] for _ in range(max(1, min(workers, len(names))))]
    cost = [0.0] * len(split)
    for name in sorted(names, key=lambda n: -COST.get(n, slowest)):
        cheapest = cost.index(min(cost))
        split[cheapest].append(name)
        cost[cheapest] += COST.get(name, slowest)
    return [group for group in split if group]


def rebuild_projections(settings: DatabaseSettings, names: Sequence[str],
                        progress: Progress | None = None, workers: int | None = None) -> int:
    """Empty the named projections' views and project the whole log again; return the last
    position. ``progress(name, events)`` is told as each projection commits a page."""
    workers = workers or os.cpu_count() or 1
    if settings.backend != "postgres" or workers < 2 or len(names) < 2:
        return _rebuild_group(settings, list(names), progress)
    context = multiprocessing.get_context("spawn")
    reports = context.Queue()
    with ProcessPoolExecutor(len(groups(names, workers)), mp_context=context,
                             initializer=_listen, initargs=(reports,)) as pool:
        futures = [pool.submit(_rebuild_group, settings, group)
                   for group in groups(names, workers)]
        while not all(future.done() for future in futures):
            _relay(reports, progress, timeout=0.2)
        _relay(reports, progress, timeout=0)
        return max(future.result() for future in futures)


def _relay(reports: Any, progress: Progress | None, timeout: float) -> None:
    try:
        while True:
            name, events = reports.get(timeout=timeout)
            if progress is not None:
                progress(name, events)
    except queue.Empty:
        return


def _listen(reports: Any) -> None:
    global _progress_queue  # noqa: PLW0603 (the child process's one channel back to the parent)
    _progress_queue = reports


def _rebuild_group(settings: DatabaseSettings, names: list[str],
                   progress: Progress | None = None) -> int:
    report = progress
    if report is None and _progress_queue is not None:
        report = _queue_progress

    def page_done(events: int) -> None:
        if report is not None:
            for name in names:
                report(name, events)

    app = open_tally(settings)
    projections = [open_projection(settings, name) for name in names]
    try:
        return rebuild_together(app, projections, progress=page_done)
    finally:
        for projection in projections:
            projection.view.datastore.close()  # type: ignore[attr-defined]
        app.close()


def _queue_progress(name: str, events: int) -> None:
    _progress_queue.put((name, events))
