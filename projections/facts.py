"""The fact log: every event scoring reads, indexed by when the office knew it.

Reports "as they stood at T" read the events known at or before T from here and fold them into
facts; imported history counts from the moment the old ledger says it was known.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Notification, Tracking
from eventsourcing.projection import Projection

from domain.facts import Facts
from domain.fold import FACT_EVENTS, FactFolder
from domain.transcodings import tally_mapper
from projections.runner import RecordedTracking
from projections.view import PostgresView, SQLiteView, SQLView
from store.recorded import as_utc

TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%f"


def time_key(moment: datetime) -> str:
    """Fixed-width UTC text, so that text order is time order on both backends."""
    return as_utc(moment).strftime(TIME_FORMAT)


class FactsView(SQLView):
    tables = ("fact_log",)

    def known_at(self, as_of: datetime | None) -> list[dict[str, Any]]:
        if as_of is None:
            return self.query("SELECT * FROM fact_log ORDER BY position")
        return self.query("SELECT * FROM fact_log WHERE known_at <= ? ORDER BY position",
                          (time_key(as_of),))


class FactsSQLiteView(FactsView, SQLiteView):
    schema = (
        "CREATE TABLE IF NOT EXISTS fact_log (position INTEGER PRIMARY KEY, "
        "known_at TEXT NOT NULL, imported INTEGER NOT NULL, originator_id TEXT NOT NULL, "
        "originator_version INTEGER NOT NULL, topic TEXT NOT NULL, state BLOB NOT NULL)",
        "CREATE INDEX IF NOT EXISTS fact_log_known_at ON fact_log (known_at)",
    )


class FactsPostgresView(FactsView, PostgresView):
    schema = (
        "CREATE TABLE IF NOT EXISTS fact_log (position BIGINT PRIMARY KEY, "
        "known_at TEXT NOT NULL, imported BOOLEAN NOT NULL, originator_id TEXT NOT NULL, "
        "originator_version BIGINT NOT NULL, topic TEXT NOT NULL, state BYTEA NOT NULL)",
        "CREATE INDEX IF NOT EXISTS fact_log_known_at ON fact_log (known_at)",
    )


VIEWS: dict[str, type[SQLView]] = {"sqlite": FactsSQLiteView, "postgres": FactsPostgresView}


class FactsProjection(Projection[FactsView]):
    name = "facts"

    def __init__(self, view: FactsView) -> None:
        super().__init__(view)
        self.mapper = tally_mapper()

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        if not isinstance(domain_event, FACT_EVENTS):
            self.view.write(tracking, [])
            return
        assert isinstance(tracking, RecordedTracking), "facts need the record time"
        known_at = domain_event.cause.known_at
        stored = self.mapper.to_stored_event(domain_event)
        self.view.write(tracking, [(
            "INSERT INTO fact_log (position, known_at, imported, originator_id, "
            "originator_version, topic, state) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (tracking.notification_id, time_key(known_at or tracking.recorded_at),
             known_at is not None, str(stored.originator_id), stored.originator_version,
             stored.topic, stored.state),
        )])


def load_facts(view: FactsView, as_of: datetime | None = None) -> Facts:
    """The facts as the office knew them at ``as_of`` (now, if None)."""
    folder = FactFolder()
    mapper = tally_mapper()
    for row in view.known_at(as_of):
        notification = Notification(
            id=row["position"], originator_id=UUID(row["originator_id"]),
            originator_version=row["originator_version"], topic=row["topic"],
            state=bytes(row["state"]),
        )
        folder.apply(mapper.to_domain_event(notification))
    return folder.facts
