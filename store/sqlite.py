"""SQLite recorders whose events table carries a database-assigned, monotonic ``recorded_at``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteDatastore, SQLiteFactory

from store.recorded import RecordedNotification, RecordTimeRecorder, as_utc

# ISO 8601 in UTC with milliseconds: text order is time order.
_NOW = "strftime('%Y-%m-%dT%H:%M:%f', 'now')"


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _format(when: datetime) -> str:
    return as_utc(when).strftime("%Y-%m-%dT%H:%M:%S.%f")


class TallySQLiteApplicationRecorder(SQLiteApplicationRecorder, RecordTimeRecorder):
    def __init__(self, datastore: SQLiteDatastore, events_table_name: str = "stored_events"):
        super().__init__(datastore, events_table_name)
        table = self.events_table_name
        # Record time is the later of the clock and the previous event's record time, so
        # it never runs backwards against the notification id, even if the clock does.
        self.insert_events_statement = (
            f"INSERT INTO {table} "  # noqa: S608
            "(originator_id, originator_version, topic, state, recorded_at) "
            f"VALUES (?, ?, ?, ?, max({_NOW}, coalesce("
            f"(SELECT recorded_at FROM {table} ORDER BY rowid DESC LIMIT 1), '')))"
        )
        # The table name is a constant of the recorder, never user input.
        self._select_notifications_prefix = (
            "SELECT rowid, originator_id, originator_version, topic, state, recorded_at "  # noqa: S608
            f"FROM {table}"
        )
        self._max_id_at_statement = (
            f"SELECT rowid FROM {table} WHERE recorded_at <= ? "  # noqa: S608
            "ORDER BY recorded_at DESC, rowid DESC LIMIT 1"
        )
        self._recorded_at_statement = f"SELECT recorded_at FROM {table} WHERE rowid = ?"  # noqa: S608

    def construct_create_table_statements(self) -> list[str]:
        table = self.events_table_name
        return [
            f"CREATE TABLE IF NOT EXISTS {table} ("
            "originator_id TEXT, "
            "originator_version INTEGER, "
            "topic TEXT, "
            "state BLOB, "
            "recorded_at TEXT NOT NULL, "
            "PRIMARY KEY (originator_id, originator_version))",
            f"CREATE INDEX IF NOT EXISTS {table}_recorded_at_idx ON {table} (recorded_at)",
        ]

    def select_notifications(
        self,
        start: int | None,
        limit: int,
        stop: int | None = None,
        topics: Sequence[str] = (),
        *,
        inclusive_of_start: bool = True,
    ) -> Sequence[RecordedNotification]:
        clauses: list[str] = []
        params: list[int | str] = []
        if start is not None:
            clauses.append("rowid>=?" if inclusive_of_start else "rowid>?")
            params.append(start)
        if stop is not None:
            clauses.append("rowid<=?")
            params.append(stop)
        if topics:
            clauses.append(f"topic IN ({','.join('?' * len(topics))})")
            params.extend(topics)
        where = f"WHERE {' AND '.join(clauses)} " if clauses else ""
        statement = f"{self._select_notifications_prefix} {where}ORDER BY rowid LIMIT ?"
        params.append(limit)
        with self.datastore.transaction(commit=False) as c:
            c.execute(statement, params)
            return [
                RecordedNotification(
                    id=row["rowid"],
                    originator_id=self.convert_originator_id(row["originator_id"]),
                    originator_version=row["originator_version"],
                    topic=row["topic"],
                    state=row["state"],
                    recorded_at=_parse(row["recorded_at"]),
                )
                for row in c.fetchall()
            ]

    def max_notification_id_at(self, when: datetime) -> int:
        with self.datastore.transaction(commit=False) as c:
            c.execute(self._max_id_at_statement, (_format(when),))
            row = c.fetchone()
            return row[0] if row else 0

    def recorded_at(self, notification_id: int) -> datetime | None:
        with self.datastore.transaction(commit=False) as c:
            c.execute(self._recorded_at_statement, (notification_id,))
            row = c.fetchone()
            return _parse(row[0]) if row else None

    def has_table(self) -> bool:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                "SELECT 1 FROM sqlite_master WHERE type='table' AND name=?",
                (self.events_table_name,),
            )
            return c.fetchone() is not None


class Factory(SQLiteFactory):
    application_recorder_class = TallySQLiteApplicationRecorder
