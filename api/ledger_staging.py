"""A unit of work for bulk recording: the real ``Tally`` commands run against staged aggregates,
and the events of the whole run are appended at the end in one transaction.

``StagedTally`` shares the store of the ``Tally`` it wraps. Its ``save`` converts the pending
events to stored events and keeps them; its repository answers from the staged aggregates
first, and loads an aggregate from the store at most once (none at all when the store is
empty), so a run makes no round trip per row. A command that fails after changing a staged
aggregate has its aggregates rebuilt from what was staged before it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, project_aggregate
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder

from domain.application import Tally

R = TypeVar("R")


class StagedRepository:
    """Reads of the staged aggregates, falling back once per aggregate to the store."""

    def __init__(self, tally: Tally) -> None:
        self.tally = tally
        self.live: dict[UUID, Aggregate] = {}
        self.absent: set[UUID] = set()
        self.from_store: set[UUID] = set()
        self.touched: set[UUID] = set()
        self.store_is_empty = not tally.recorder.max_notification_id()

    def get(self, aggregate_id: UUID, **_: Any) -> Any:
        self.touched.add(aggregate_id)
        found = self.live.get(aggregate_id)
        if found is not None:
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


class StagedTally(Tally):
    """The commands of ``Tally``, recording into memory until ``commit``."""

    def __init__(self, tally: Tally) -> None:  # noqa: PLW0231 (shares the wrapped store)
        self.__dict__.update(tally.__dict__)
        self._repository = StagedRepository(tally)  # type: ignore[assignment]
        self.staged: list[StoredEvent] = []
        self.staged_by_id: dict[UUID, list[int]] = defaultdict(list)

    def close(self) -> None:
        """The store belongs to the wrapped ``Tally``, which closes it."""

    @property
    def stage(self) -> StagedRepository:
        return self.repository  # type: ignore[return-value]

    def save(self, *objs: Any, **_: Any) -> list[Any]:
        for aggregate in objs:
            for event in aggregate.collect_events():
                self.staged_by_id[aggregate.id].append(len(self.staged))
                self.staged.append(self.mapper.to_stored_event(event))
            self.stage.live[aggregate.id] = aggregate
            self.stage.absent.discard(aggregate.id)
        return []

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
        base = None
        if aggregate_id in stage.from_store:
            base = self.repository_of_store().get(aggregate_id)
        events = [self.mapper.to_domain_event(self.staged[i])
                  for i in self.staged_by_id.get(aggregate_id, [])]
        aggregate = project_aggregate(base, events)
        if aggregate is not None:
            stage.live[aggregate_id] = aggregate

    def repository_of_store(self) -> Any:
        return self.stage.tally.repository

    def commit(self) -> list[int]:
        """Append every staged event in one transaction; returns their positions."""
        if not self.staged:
            return []
        if isinstance(self.recorder, PostgresApplicationRecorder):
            return append_in_chunks(self.recorder, self.staged)
        return list(self.recorder.insert_events(self.staged) or [])


CHUNK = 5000


def append_in_chunks(recorder: PostgresApplicationRecorder,
                     events: list[StoredEvent]) -> list[int]:
    """The recorder's append, statement by statement in one transaction of our own.

    One ``insert_events`` call sends all the events as a single array parameter in pipeline
    mode, and with some tens of thousands of events the client and the server were seen to
    wait on each other for good. Each chunk takes the append lock (again, harmlessly) and is
    chained onto the links the previous chunk wrote in the same transaction."""
    positions: list[int] = []
    with recorder.datastore.transaction(commit=True) as curs:
        for start in range(0, len(events), CHUNK):
            chunk = events[start:start + CHUNK]
            recorder._insert_stored_events(curs, chunk)  # noqa: SLF001
            positions += recorder._fetch_ids_after_insert_events(curs, chunk) or []  # noqa: SLF001
    return positions
