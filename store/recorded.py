"""What the Tally recorders add to the library's: record time, assigned by the database."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import UTC, datetime

from eventsourcing.persistence import Notification


@dataclass(frozen=True)
class RecordedNotification(Notification):
    """A notification with the database's record time of its event."""

    recorded_at: datetime


class RecordTimeRecorder(ABC):
    """Queries over the record-time column that both backends provide."""

    @abstractmethod
    def max_notification_id_at(self, when: datetime) -> int:
        """The last notification id recorded at or before ``when`` (0 if none)."""

    @abstractmethod
    def recorded_at(self, notification_id: int) -> datetime | None:
        """The record time of one notification."""

    @abstractmethod
    def has_table(self) -> bool:
        """Whether ``tally db init`` has created the events table."""


def as_utc(when: datetime) -> datetime:
    """Naive datetimes are taken as UTC; aware ones are converted."""
    if when.tzinfo is None:
        return when.replace(tzinfo=UTC)
    return when.astimezone(UTC)
