"""A unit of work for bulk recording: the real ``Tally`` commands run against staged aggregates,
and the events of the whole run are appended in one transaction.

``StagedTally`` shares the store of the ``Tally`` it wraps. Its ``save`` converts the pending
events to stored events and keeps them; its repository answers from the staged aggregates
first, and loads an aggregate from the store at most once (none at all when the store is
empty), so a run makes no round trip per row. A command that fails after changing a staged
aggregate has its aggregates rebuilt from what was staged before it.

On PostgreSQL, inside ``appending()``, the staged events go into one open transaction chunk by
chunk (``flush_when_full``), so a run holds at most a chunk of events and the aggregates it used
last; an aggregate let go is read back from that transaction when a later command needs it.
Nothing is visible to others until ``commit``; leaving the block without it rolls back."""

from __future__ import annotations

import time
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar
from uuid import UUID

import psycopg
from eventsourcing.application import AggregateNotFoundError, project_aggregate
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg import Cursor

from domain.application import Tally
from domain.directory_commands import posted_to

R = TypeVar("R")

#: Events appended per statement while streaming.
CHUNK = 5000
#: Staged aggregates kept in memory while streaming (the most recently used ones).
KEEP = 20_000


class StagedRepository:
    """Reads of the staged aggregates, falling back once per aggregate to the store."""

    def __init__(self, tally: Tally) -> None:
        self.tally = tally
        self.live: OrderedDict[UUID, Aggregate] = OrderedDict()
        self.absent: set[UUID] = set()
        self.from_store: set[UUID] = set()
        self.touched: set[UUID] = set()
        self.let_go: set[UUID] = set()  # staged, then dropped from memory: read back on need
        self.read_back: Callable[[UUID], Aggregate | None] | None = None
        self.store_is_empty = not tally.recorder.max_notification_id()

    def get(self, aggregate_id: UUID, **_: Any) -> Any:
        self.touched.add(aggregate_id)
        found = self.live.get(aggregate_id)
        if found is not None:
            self.live.move_to_end(aggregate_id)
            return found
        if aggregate_id in self.let_go and self.read_back is not None:
            found = self.read_back(aggregate_id)
            self.let_go.discard(aggregate_id)
            if found is not None:
                self.live[aggregate_id] = found
                return found
        if aggregate_id in self.absent or self.store_is_empty:
            raise AggregateNotFoundError(aggregate_id)
        try:
            found = self.tally.repository.get(aggregate_id)
        except AggregateNotFoundError:
            self.absent.add(aggregate_id)
            raise
        self.live[aggregate_id] = found
        self.from_store.add(aggregate_id)
        return found

    def __contains__(self, aggregate_id: UUID) -> bool:
        return self.exists(aggregate_id)

    def exists(self, aggregate_id: UUID) -> bool:
        try:
            self.get(aggregate_id)
        except AggregateNotFoundError:
            return False
        return True

    def load(self, aggregate_id: UUID) -> Any:
        return self.get(aggregate_id)

    def let_go_of_oldest(self, keep: int) -> None:
        while len(self.live) > keep:
            aggregate_id, _ = self.live.popitem(last=False)
            self.let_go.add(aggregate_id)


class StagedTally(Tally):
    """The commands of ``Tally``, recording into memory until ``commit``."""

    def __init__(self, tally: Tally) -> None:  # noqa: PLW0231 (shares the wrapped store)
        self.__dict__.update(tally.__dict__)
        self._repository = StagedRepository(tally)  # type: ignore[assignment]
        self.staged: list[StoredEvent] = []  # not yet appended
        self.staged_by_id: dict[UUID, list[int]] = defaultdict(list)
        self.posted: dict[UUID, set[UUID]] = defaultdict(set)  # unit: officers staged in it
        self.cursor: Cursor[Any] | None = None  # the open transaction, while appending
        self.committed = False
        self.appended = 0
        self.first_position: int | None = None
        self.last_position: int | None = None
        self.write_seconds = 0.0

    def close(self) -> None:
        """The store belongs to the wrapped ``Tally``, which closes it."""

    @property
    def stage(self) -> StagedRepository:
        return self.repository  # type: ignore[return-value]

    def save(self, *objs: Any, **_: Any) -> list[Any]:
        for aggregate in objs:
            for event in aggregate.collect_events():
                unit_id = posted_to(event)
                if unit_id is not None:
                    self.posted[unit_id].add(aggregate.id)
                self.staged_by_id[aggregate.id].append(len(self.staged))
                self.staged.append(self.mapper.to_stored_event(event))
            self.stage.live[aggregate.id] = aggregate
            self.stage.live.move_to_end(aggregate.id)
            self.stage.absent.discard(aggregate.id)
            self.stage.let_go.discard(aggregate.id)
        return []

    def _ever_posted_to(self, unit_id: UUID) -> set[UUID]:
        """The officers posted to the unit in the store, and in this run (staged, or appended
        to its open transaction)."""
        stored = set() if self.stage.store_is_empty else super()._ever_posted_to(unit_id)
        return stored | self.posted.get(unit_id, set())

    def attempt(self, command: Callable[[], R]) -> R:
        """Run one command; if it fails, undo what it did to the staged aggregates."""
        self.stage.touched.clear()
        try:
            return command()
        except BaseException:
            for aggregate_id in self.stage.touched:
                self.restage(aggregate_id)
            raise

    def restage(self, aggregate_id: UUID) -> None:
        stage = self.stage
        stage.live.pop(aggregate_id, None)
        aggregate = self.rebuild(aggregate_id)
        if aggregate is not None:
            stage.live[aggregate_id] = aggregate

    def rebuild(self, aggregate_id: UUID) -> Aggregate | None:
        """The aggregate from its stored events (in the open transaction, when appending) and
        the events staged since."""
        base, stored = None, []
        if self.cursor is not None:
            stored = self.recorder.select_events_in(  # type: ignore[attr-defined]
                self.cursor, aggregate_id)
        elif aggregate_id in self.stage.from_store:
            base = self.repository_of_store().get(aggregate_id)
        stored += [self.staged[i] for i in self.staged_by_id.get(aggregate_id, [])]
        events = [self.mapper.to_domain_event(event) for event in stored]
        return project_aggregate(base, events)  # type: ignore[no-any-return]

    def repository_of_store(self) -> Any:
        return self.stage.tally.repository

    @contextmanager
    def appending(self) -> Iterator[None]:
        """Stream the staged events into one transaction (PostgreSQL; elsewhere they wait for
        ``commit``). The transaction commits only if ``commit`` was called in the block."""
        if not isinstance(self.recorder, PostgresApplicationRecorder):
            yield
            return
        with self.recorder.datastore.get_connection() as conn, conn.transaction() as tx:
            self.cursor = conn.cursor()
            # Between two chunks the transaction waits on the recording, longer than the
            # store's idle-in-transaction timeout allows an ordinary command.
            self.cursor.execute("SET LOCAL idle_in_transaction_session_timeout = 0")
            self.stage.read_back = self.rebuild
            try:
                yield
                if not self.committed:
                    raise psycopg.Rollback(tx)
            finally:
                self.cursor = None
                self.stage.read_back = None

    def flush_when_full(self) -> None:
        """While appending, append the staged events once a chunk is staged, and let go of
        the aggregates used longest ago."""
        if self.cursor is not None and len(self.staged) >= CHUNK:
            self.flush()
            self.stage.let_go_of_oldest(KEEP)

    def flush(self) -> list[int]:
        if not self.staged or self.cursor is None:
            return []
        started = time.perf_counter()
        try:
            positions = append_chunk(self.recorder, self.cursor, self.staged)  # type: ignore[arg-type]
        except psycopg.IntegrityError as error:
            raise IntegrityError(error) from error
        self.note(positions)
        self.staged = []
        self.staged_by_id = defaultdict(list)
        self.write_seconds += time.perf_counter() - started
        return positions

    def note(self, positions: list[int]) -> None:
        if positions:
            self.appended += len(positions)
            if self.first_position is None:
                self.first_position = positions[0]
            self.last_position = positions[-1]

    def commit(self) -> list[int]:
        """Append every staged event in one transaction; returns their positions (while
        appending: those of the last chunk, the run's are in ``first_position``,
        ``last_position`` and ``appended``)."""
        if self.cursor is not None:
            positions = self.flush()
            self.committed = True
            return positions
        if not self.staged:
            return []
        started = time.perf_counter()
        if isinstance(self.recorder, PostgresApplicationRecorder):
            positions = append_in_chunks(self.recorder, self.staged)
        else:
            positions = list(self.recorder.insert_events(self.staged) or [])
        self.write_seconds += time.perf_counter() - started
        self.note(positions)
        self.committed = True
        return positions


def append_chunk(recorder: PostgresApplicationRecorder, curs: Cursor[Any],
                 events: list[StoredEvent]) -> list[int]:
    """The recorder's append of one chunk in an open transaction: it takes the append lock
    (again, harmlessly) and chains onto the links the previous chunk wrote."""
    recorder._insert_stored_events(curs, events)  # noqa: SLF001
    return list(recorder._fetch_ids_after_insert_events(curs, events) or [])  # noqa: SLF001


def append_in_chunks(recorder: PostgresApplicationRecorder,
                     events: list[StoredEvent]) -> list[int]:
    """The recorder's append, statement by statement in one transaction of our own.

    One ``insert_events`` call sends all the events as a single array parameter in pipeline
    mode, and with some tens of thousands of events the client and the server were seen to
    wait on each other for good."""
    positions: list[int] = []
    with recorder.datastore.transaction(commit=True) as curs:
        for start in range(0, len(events), CHUNK):
            positions += append_chunk(recorder, curs, events[start:start + CHUNK])
    return positions
