"""What the Tally recorders add to the library's: record time, assigned by the database."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import NamedTuple
from uuid import UUID

from eventsourcing.persistence import IntegrityError, Notification

from domain.unchanged import Unchanged


@dataclass(frozen=True)
class RecordedNotification(Notification):
    """A notification with the database's record time of its event."""

    recorded_at: datetime


class Excerpt(NamedTuple):
    """Part of a stored event's state (``RecordTimeRecorder.select_excerpts``)."""

    position: int
    recorded_at: datetime
    excerpt: bytes | None


class RecordTimeRecorder(ABC):
    """Queries over the record-time column that both backends provide."""

    @abstractmethod
    def max_notification_id_at(self, when: datetime) -> int:
        """The last notification id recorded at or before ``when`` (0 if none)."""

    @abstractmethod
    def recorded_at(self, notification_id: int) -> datetime | None:
        """The record time of one notification."""

    @abstractmethod
    def select_excerpts(self, after: int, limit: int, topics: Sequence[str], marker: bytes,
                        length: int) -> list[Excerpt]:
        """The events of ``topics`` after position ``after`` (``limit`` at most), each with its
        record time and the ``length`` bytes of its state that follow the first ``marker`` in
        it (None where there is none): a look at one field of many events without reading or
        decoding their whole states."""

    @abstractmethod
    def has_table(self) -> bool:
        """Whether ``tally db init`` has created the events table."""


def as_utc(when: datetime) -> datetime:
    """Naive datetimes are taken as UTC; aware ones are converted."""
    if when.tzinfo is None:
        return when.replace(tzinfo=UTC)
    return when.astimezone(UTC)


def check_unchanged(unchanged: Sequence[Unchanged],
                    changed: Callable[[Sequence[tuple[UUID, int]]], UUID | None],
                    facts_since: Callable[[int, Sequence[str]], bool]) -> None:
    """Refuse an append whose command read what has changed since (``domain.unchanged``):
    ``changed(pairs)``, one of the aggregates that has an event at the version after the one
    read (versions count up by one), asked once for all of them; ``facts_since(position,
    topics)``, whether an event of those kinds lies after it. Called in the append's
    transaction, once it holds the log's write lock."""
    read = [pair for condition in unchanged for pair in condition.versions]
    found = changed([(aggregate_id, version + 1) for aggregate_id, version in read]) \
        if read else None
    if found is not None:
        raise IntegrityError(f"{found} changed after version {dict(read)[found]} was read")
    for condition in unchanged:
        if condition.topics and facts_since(condition.after, condition.topics):
            raise IntegrityError(f"facts recorded after position {condition.after} were not read")
