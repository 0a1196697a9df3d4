"""Feeding the log to projections: catch up in-process (SQLite) or follow it (PostgreSQL)."""

from __future__ import annotations

import bisect
import hashlib
import logging
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from eventsourcing.persistence import (
    InfrastructureFactory,
    IntegrityError,
    Notification,
    Tracking,
)
from eventsourcing.persistence import InterfaceError as LibraryInterfaceError
from eventsourcing.persistence import OperationalError as LibraryOperationalError
from eventsourcing.projection import Projection

from domain.application import Tally
from projections.collector import infrequent_collections
from projections.view import PostgresView, SQLiteView, SQLView
from store.postgres import RETRYABLE
from store.settings import DatabaseSettings

BATCH = 500

#: Events per page of a rebuild: fewer, larger transactions into emptied tables, and more of
#: an item's events land in the batch that inserts its row (100k log: audit 13.8 -> 9.3 s,
#: boards 12.2 -> 7.9 s, catalog 6.9 -> 5.4 s against pages of 500).
REBUILD_BATCH = 5000


@dataclass(frozen=True)
class RecordedTracking(Tracking):
    """A position in the log, with the database's record time of the event there, and the
    stored event itself for projections that keep its bytes (no need to encode it again)."""

    recorded_at: datetime
    notification: Notification | None = field(default=None, compare=False, repr=False)


def tracking_name(projection: Projection[Any] | str) -> str:
    """Each projection keeps its own position in the shared tracking table (by projection,
    or by its name)."""
    return f"Tally/{projection if isinstance(projection, str) else projection.name}"


def open_view(settings: DatabaseSettings, view_classes: dict[str, type[SQLView]],
              *, create_table: bool = False) -> SQLView:
    """The backend's implementation of a view, on the configured database."""
    env = settings.eventsourcing_env(create_table=create_table)
    factory = InfrastructureFactory.construct(env)  # type: ignore[arg-type]
    view_class = view_classes[settings.backend]
    assert issubclass(view_class, SQLiteView | PostgresView)
    return factory.tracking_recorder(view_class)  # type: ignore[arg-type]


#: The layout each view's tables were made with, by projection name: see ``renew_changed``.
_LAYOUTS = "CREATE TABLE IF NOT EXISTS view_layouts (name TEXT PRIMARY KEY, layout TEXT NOT NULL)"


def layout(view: SQLView) -> str:
    """A digest of the statements that make the view's tables and indexes."""
    return hashlib.sha256("\n".join(view.schema).encode()).hexdigest()[:16]


def renew_changed(settings: DatabaseSettings, name: str,
                  view_classes: dict[str, type[SQLView]]) -> bool:
    """Make a projection's tables (``tally db init``); where they exist from a release that
    made them otherwise (other columns, types or indexes: ``CREATE TABLE IF NOT EXISTS`` keeps
    an old table as it is), drop them and forget the projection's position, so that it is
    projected again from the start (``tally rebuild``). Tables that hold a position but no
    recorded layout are from before layouts were recorded, and renewed too. Returns whether
    the projection was renewed."""
    view = open_view(settings, view_classes, create_table=True)
    try:
        view.commit(None, [(_LAYOUTS, ())])
        recorded = view.query("SELECT layout FROM view_layouts WHERE name = ?", [name])
        wanted = layout(view)
        if recorded and recorded[0]["layout"] == wanted:
            return False
        tracking = tracking_name(name)
        renewed = bool(recorded) or bool(view.max_tracking_id(tracking))
        if renewed:
            view.commit(None, [(f"DROP TABLE IF EXISTS {table}", ())  # noqa: S608
                               for table in view.tables])
            view.create_table()  # type: ignore[attr-defined]
            view.reset(tracking)  # forgets the position
        view.commit(None, [("DELETE FROM view_layouts WHERE name = ?", (name,)),
                           ("INSERT INTO view_layouts (name, layout) VALUES (?, ?)",
                            (name, wanted))])
        return renewed
    finally:
        view.datastore.close()  # type: ignore[attr-defined]


def catch_up(app: Tally, projection: Projection[Any],
             progress: Callable[[int], None] | None = None) -> int:
    """Process every event recorded after the projection's position; return the new position.

    A projection that declares ``batchable = True`` commits each batch of events in one
    transaction with the batch's last position; the others commit event by event."""
    position = projection.view.max_tracking_id(tracking_name(projection)) or 0
    while True:
        page = _read_page(app, position, BATCH)
        if page is None:
            _caught_up(projection)
            return position
        position = _process_page(projection, *page, position,
                                 more=lambda after: _read_page(app, after, BATCH),
                                 progress=progress)


Page = tuple[Sequence[Notification], Sequence[Any]]


def _caught_up(projection: Projection[Any]) -> None:
    """Tell a projection that wants to know (``caught_up()``) that it has read the whole log:
    the ledger scores then what a rebuild deferred."""
    caught_up = getattr(projection, "caught_up", None)
    if caught_up is not None:
        caught_up()


def _read_page(app: Tally, position: int, limit: int) -> Page | None:
    """The next ``limit`` notifications after ``position`` and their events (None: none)."""
    notifications = app.recorder.select_notifications(
        start=position, limit=limit, inclusive_of_start=False
    )
    if not notifications:
        return None
    return notifications, [app.mapper.to_domain_event(notification)
                           for notification in notifications]


def _process_page(projection: Projection[Any], notifications: Sequence[Notification],
                  events: Sequence[Any], committed: int,
                  more: Callable[[int], Page | None] | None = None,
                  progress: Callable[[int], None] | None = None) -> int:
    """One page of the log, after the projection's committed position ``committed``; return
    the position of its last event.

    A batched projection whose ``wants_more()`` says so after a page is given the next
    (``more``) in the same batch: the ledger, while history known before what it holds keeps
    coming, rewinds once for the whole run of such pages, not once a page over the same
    facts."""
    name = tracking_name(projection)
    view = projection.view
    batched = getattr(projection, "batchable", False)
    wants_more = getattr(projection, "wants_more", None) if batched and more else None
    resume = getattr(projection, "resume", None)
    if resume is not None:
        resume(committed)  # what it holds in memory is for that position, or is dropped
    # Bound once a page: a single-dispatch method builds its bound function at each access.
    process_event = projection.process_event
    page: Page | None = (notifications, events)
    processed = 0
    try:
        with view.batch() if batched else nullcontext():  # type: ignore[attr-defined]
            while page is not None:
                for notification, event in zip(*page, strict=True):
                    recorded_at = notification.recorded_at  # type: ignore[attr-defined]
                    tracking = RecordedTracking(name, notification.id, recorded_at,
                                                notification)
                    process_event(event, tracking)
                committed, processed = page[0][-1].id, processed + len(page[0])
                page = more(committed) if wants_more is not None and wants_more() else None
    except BaseException:
        forget = getattr(projection, "forget", None)
        if forget is not None:
            forget()  # what it holds in memory may be ahead of what was committed
        raise
    if progress is not None:
        progress(processed)
    return committed


def refresh(app: Tally, projection: Projection[Any]) -> int:
    """Catch up before reading; if a worker committed the same events first, read what it wrote."""
    try:
        return catch_up(app, projection)
    except IntegrityError:
        return projection.view.max_tracking_id(tracking_name(projection)) or 0


log = logging.getLogger(__name__)

#: Failures of the database itself, which a follower outlives.
UNAVAILABLE = (*RETRYABLE, LibraryOperationalError, LibraryInterfaceError, sqlite3.OperationalError)

#: The first wait after a round that found nothing new; each idle round doubles it, up to
#: the poll interval: a command after a quiet spell waits about a tenth of the interval.
FIRST_POLL = 0.02

#: After a round that found new events but less than a page, how long the follower lets more
#: gather before it reads again. Under a steady load of commands each round otherwise found
#: one or two events, and paid a read and a transaction per projection for them; the lag this
#: adds is at most this long.
GATHER = 0.02


def follow(app: Tally, projection: Projection[Any], *, poll_seconds: float = 0.2,
           stop: Callable[[], bool] = lambda: False, gather: float = GATHER) -> None:
    """Keep one projection up to date (``follow_together``)."""
    follow_together(app, [projection], poll_seconds=poll_seconds, stop=stop, gather=gather)


@infrequent_collections()
def follow_together(app: Tally, projections: Sequence[Projection[Any]], *,
                    poll_seconds: float = 0.2, stop: Callable[[], bool] = lambda: False,
                    gather: float = GATHER) -> None:
    """Keep ``projections`` up to date until ``stop()`` says otherwise, reading and decoding
    each page of the log once for all of them; each commits the events after its own
    position, in its own transaction, with that position. After a round that found nothing
    new, wait ``FIRST_POLL``, then twice as long each idle round, up to ``poll_seconds``;
    after one that found less than a page, ``gather``. While the database does not answer,
    it tries again every ``poll_seconds``, instead of ending the worker.

    Projections with a ``warm()`` method are asked to load their working state first, so
    that the first event after the start does not wait for it. A projection that fails on
    an event (not the database: a defect) is logged and left behind at its committed
    position while the others go on; when none is left, the last failure is raised."""
    following = list(projections)
    positions: list[int] | None = None  # each one's committed position, read once
    warmed: set[int] = set()
    wait = min(FIRST_POLL, poll_seconds)
    while following and not stop():
        try:
            if positions is None:
                positions = [_committed(projection) for projection in following]
            for projection in following:
                warm = getattr(projection, "warm", None)
                if warm is not None and id(projection) not in warmed:
                    warm()
                    warmed.add(id(projection))
            page = _read_page(app, min(positions), BATCH)
        except UNAVAILABLE as error:
            _not_answering(following, error)
            positions = None  # read them again: a round may have failed after a commit
            time.sleep(poll_seconds)
            continue
        if page is None:
            try:
                _catch_up_all(following)
            except UNAVAILABLE as error:
                _not_answering(following, error)
            if positions is not None and len(positions) != len(following):
                positions = None  # one was left behind: the others' are read again
            time.sleep(wait)
            wait = min(2 * wait, poll_seconds)
            continue
        wait = min(FIRST_POLL, poll_seconds)
        try:
            positions = _follow_page(app, following, positions, page)
        except UNAVAILABLE as error:
            _not_answering(following, error)
            positions = None
            time.sleep(poll_seconds)
            continue
        if len(page[0]) < BATCH:
            time.sleep(gather)


def _catch_up_all(following: list[Projection[Any]]) -> None:
    """``_caught_up`` for each projection followed."""
    for projection in list(following):
        with _left_behind_on_defect(following, projection, "when it had read the whole log"):
            _caught_up(projection)


@contextmanager
def _left_behind_on_defect(following: list[Projection[Any]], projection: Projection[Any],
                           where: str) -> Iterator[None]:
    """A projection that fails (not the database: a defect) is logged and removed from
    ``following`` while the others go on; when none is left, the failure is raised."""
    try:
        yield
    except UNAVAILABLE:
        raise
    except Exception:
        following.remove(projection)
        if not following:
            raise
        log.exception("%s stopped %s; the other projections go on",
                      tracking_name(projection), where)


def _committed(projection: Projection[Any]) -> int:
    return projection.view.max_tracking_id(tracking_name(projection)) or 0


def _not_answering(projections: Sequence[Projection[Any]], error: Exception) -> None:
    # The database is down or restarting: what was committed stands, and the next round
    # resumes from it once the server answers again.
    log.warning("%s: the database is not answering (%s); trying again",
                ", ".join(tracking_name(projection) for projection in projections), error)


def _follow_page(app: Tally, following: list[Projection[Any]], positions: list[int],
                 page: Page) -> list[int]:
    """Give each projection the events of ``page`` after its position; return the new
    positions (of the projections still ``following``: one that failed is removed)."""
    notifications, events = page
    ids = [notification.id for notification in notifications]
    moved = []
    for projection, position in zip(list(following), positions, strict=True):
        start = bisect.bisect_right(ids, position)
        if start < len(ids):
            with _left_behind_on_defect(following, projection, f"at position {position}"):
                try:
                    position = _process_page(projection, notifications[start:],
                                             events[start:], position,
                                             more=lambda after: _read_page(app, after, BATCH))
                except IntegrityError:
                    position = _committed(projection)  # another worker committed them first
            if projection not in following:
                continue
        moved.append(position)
    return moved


def rebuild(app: Tally, projection: Projection[Any],
            progress: Callable[[int], None] | None = None, page: int | None = None) -> int:
    """Empty the view and project the whole log again."""
    return rebuild_together(app, [projection], progress, page)


@infrequent_collections()
def rebuild_together(app: Tally, projections: Sequence[Projection[Any]],
                     progress: Callable[[int], None] | None = None,
                     page: int | None = None) -> int:
    """Empty every view and project the whole log again, reading and decoding it once: each
    page (of ``REBUILD_BATCH`` events) goes to every projection, and each commits it with its
    own position. The views' secondary indexes are dropped while they fill, and built once at
    the end. A projection with ``rebuild_starting(app)`` is told when its view is empty, before
    the first page, and one with ``caught_up()`` after the last."""
    page = page or REBUILD_BATCH
    with ExitStack() as indexes:
        for projection in projections:
            projection.view.reset(tracking_name(projection))  # type: ignore[attr-defined]
            indexes.enter_context(projection.view.without_indexes())  # type: ignore[attr-defined]
            forget = getattr(projection, "forget", None)
            if forget is not None:
                forget()
            starting = getattr(projection, "rebuild_starting", None)
            if starting is not None:
                starting(app)
        position = 0
        alone = projections[0] if len(projections) == 1 else None
        while True:
            read = _read_page(app, position, page)
            if read is None:
                for projection in projections:
                    _caught_up(projection)
                return position
            if alone is not None:  # its own pages: it may take several in one batch
                position = _process_page(alone, *read, position,
                                         more=lambda after: _read_page(app, after, page),
                                         progress=progress)
                continue
            for projection in projections:
                _process_page(projection, *read, position)
            position = read[0][-1].id
            if progress is not None:
                progress(len(read[0]))
