"""SQLite recorders whose events carry a database-assigned, monotonic ``recorded_at``, and are
chained by hash (store/chain.py) in the transaction of the append."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from itertools import islice
from typing import Any
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder, StoredEvent
from eventsourcing.sqlite import (
    SQLiteApplicationRecorder,
    SQLiteCursor,
    SQLiteDatastore,
    SQLiteFactory,
)
from eventsourcing.utils import Environment, EnvType

from domain.unchanged import Unchanged
from store.chain import (
    GENESIS,
    NOT_EMPTY,
    Appended,
    ChainLink,
    ChainRecorder,
    Checkpoint,
    RestoredEvent,
    RestoreRefusedError,
    chain_links,
    checkpoint_every,
    crosses_checkpoint,
)
from store.guard import sqlite_guard_statements
from store.recorded import (
    Excerpt,
    RecordedNotification,
    RecordTimeRecorder,
    as_utc,
    check_unchanged,
)

# ISO 8601 in UTC with milliseconds: text order is time order.
_NOW = "strftime('%Y-%m-%dT%H:%M:%f', 'now')"


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _format(when: datetime) -> str:
    return as_utc(when).strftime("%Y-%m-%dT%H:%M:%S.%f")


def _format_restored(when: datetime) -> str:
    """As the database writes it (milliseconds), unless the time is finer (from PostgreSQL)."""
    text = _format(when)
    return text[:-3] if text.endswith("000") else text


def _link(row: Any) -> ChainLink | None:
    return ChainLink(row[0], row[1], bytes(row[2])) if row else None


class TallySQLiteApplicationRecorder(SQLiteApplicationRecorder, RecordTimeRecorder, ChainRecorder):
    def __init__(self, datastore: SQLiteDatastore, events_table_name: str = "stored_events"):
        super().__init__(datastore, events_table_name)
        table = self.events_table_name
        # Record time is the later of the clock and the previous event's record time, so
        # it never runs backwards against the notification id, even if the clock does.
        self.insert_events_statement = (
            f"INSERT INTO {table} "  # noqa: S608
            "(originator_id, originator_version, topic, state, recorded_at) "
            f"VALUES (?, ?, ?, ?, max({_NOW}, coalesce("
            f"(SELECT recorded_at FROM {table} ORDER BY rowid DESC LIMIT 1), ''))) "
            # The chain head, read by the insert that holds the write lock: no other writer's.
            f"RETURNING rowid, recorded_at, "
            f"(SELECT notification_id FROM {table}_chain ORDER BY notification_id DESC LIMIT 1), "
            f"(SELECT chain_hash FROM {table}_chain ORDER BY notification_id DESC LIMIT 1)"
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
        # What a command read, checked under the write lock: rows before its own first one.
        self._changed_statement = (
            f"SELECT originator_id FROM {table} "  # noqa: S608
            "WHERE (originator_id, originator_version) IN (SELECT json_extract(value, '$[0]'), "
            "json_extract(value, '$[1]') FROM json_each(?)) AND rowid < ? LIMIT 1"
        )
        self._facts_since_statement = (
            f"SELECT 1 FROM {table} WHERE rowid > ? AND rowid < ? "  # noqa: S608
            "AND topic IN (SELECT value FROM json_each(?)) LIMIT 1"
        )
        self._excerpts_statement = (
            "SELECT rowid, recorded_at, CASE WHEN instr(state, :marker) > 0 "  # noqa: S608
            "THEN substr(state, instr(state, :marker) + :skip, :length) END "
            f"FROM {table} WHERE rowid > :after "
            "AND topic IN (SELECT value FROM json_each(:topics)) "
            "ORDER BY rowid LIMIT :limit"
        )
        self.chain_table_name = f"{table}_chain"
        self.checkpoints_table_name = f"{table}_checkpoints"
        chain, checkpoints = self.chain_table_name, self.checkpoints_table_name
        self._head_statement = (
            f"SELECT notification_id, previous_id, chain_hash FROM {chain} "  # noqa: S608
            "ORDER BY notification_id DESC LIMIT 1"
        )
        self._insert_link_statement = f"INSERT INTO {chain} VALUES (?, ?, ?)"  # noqa: S608
        self._insert_checkpoint_statement = (
            f"INSERT OR IGNORE INTO {checkpoints} VALUES (?, ?, {_NOW})"  # noqa: S608
        )
        self._select_links_prefix = (
            f"SELECT notification_id, previous_id, chain_hash FROM {chain}"  # noqa: S608
        )
        self._select_checkpoints_statement = (
            f"SELECT notification_id, chain_hash, taken_at FROM {checkpoints} "  # noqa: S608
            "ORDER BY notification_id"
        )
        self._extent_statement = (
            f"SELECT (SELECT max(rowid) FROM {table}), "  # noqa: S608
            f"(SELECT max(notification_id) FROM {chain})"
        )
        self._holds_anything_statement = (
            f"SELECT EXISTS (SELECT 1 FROM {table}) OR EXISTS (SELECT 1 FROM {chain}) "  # noqa: S608
            f"OR EXISTS (SELECT 1 FROM {checkpoints})"
        )
        self._restore_event_statement = (
            f"INSERT INTO {table} "  # noqa: S608
            "(rowid, originator_id, originator_version, topic, state, recorded_at) "
            "VALUES (?, ?, ?, ?, ?, ?)"
        )

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
            f"CREATE TABLE IF NOT EXISTS {table}_chain ("
            "notification_id INTEGER PRIMARY KEY, "
            "previous_id INTEGER NOT NULL, "
            "chain_hash BLOB NOT NULL)",
            f"CREATE TABLE IF NOT EXISTS {table}_checkpoints ("
            "notification_id INTEGER PRIMARY KEY, "
            "chain_hash BLOB NOT NULL, "
            "taken_at TEXT NOT NULL)",
            *sqlite_guard_statements([table, f"{table}_chain", f"{table}_checkpoints"]),
        ]

    # Appending: each event is inserted and chained in the one transaction of the append.

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent],
        unchanged: Sequence[Unchanged] = (), **_: Any
    ) -> Sequence[int] | None:
        appended, after, after_hash = [], 0, GENESIS
        for event in stored_events:
            c.execute(self.insert_events_statement, (
                event.originator_id.hex if isinstance(event.originator_id, UUID)
                else event.originator_id,
                event.originator_version, event.topic, event.state,
            ))
            position, recorded_at, head, head_hash = c.fetchall()[0]
            if not appended and head is not None:
                after, after_hash = head, bytes(head_hash)
            appended.append(Appended(position, _parse(recorded_at), event.originator_id,
                                     event.originator_version, event.topic, event.state))
        if unchanged and appended:
            # checked once the first insert holds the write lock (a deferred transaction's
            # earlier read could be overtaken), over the rows before this append's own
            first = appended[0].position
            check_unchanged(
                unchanged,
                lambda pairs: self._first(c, self._changed_statement, (json.dumps(
                    [[aggregate_id.hex, version] for aggregate_id, version in pairs]), first)),
                lambda after, topics: self._found(
                    c, self._facts_since_statement, (after, first, json.dumps(list(topics)))))
        links = chain_links(after, after_hash, appended)
        rows = [(link.position, link.previous, link.chain_hash) for link in links]
        if len(rows) == 1:
            c.execute(self._insert_link_statement, rows[0])
        elif rows:
            c.executemany(self._insert_link_statement, rows)
        if crosses_checkpoint(after, links, self.checkpoint_every):
            c.execute(self._insert_checkpoint_statement, (links[-1].position, links[-1].chain_hash))
        return [event.position for event in appended]

    @staticmethod
    def _found(c: SQLiteCursor, statement: str, params: Sequence[Any]) -> bool:
        c.execute(statement, params)
        return bool(c.fetchall())

    @staticmethod
    def _first(c: SQLiteCursor, statement: str, params: Sequence[Any]) -> UUID | None:
        """The id the statement's first row names, if any."""
        c.execute(statement, params)
        rows = c.fetchall()
        return UUID(rows[0][0]) if rows else None

    # The chain, read back.

    def chain_head(self) -> ChainLink | None:
        with self.datastore.transaction(commit=False) as c:
            c.execute(self._head_statement)
            return _link(c.fetchone())

    def select_links(self, after: int, limit: int, stop: int | None = None) -> list[ChainLink]:
        statement = f"{self._select_links_prefix} WHERE notification_id > ?"
        params: list[int] = [after]
        if stop is not None:
            statement += " AND notification_id <= ?"
            params.append(stop)
        statement += " ORDER BY notification_id LIMIT ?"
        params.append(limit)
        with self.datastore.transaction(commit=False) as c:
            c.execute(statement, params)
            return [_link(row) for row in c.fetchall()]  # type: ignore[misc]

    def select_link(self, position: int) -> ChainLink | None:
        found = self.select_links(position - 1, 1, stop=position)
        return found[0] if found else None

    def select_checkpoints(self) -> list[Checkpoint]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(self._select_checkpoints_statement)
            return [Checkpoint(row[0], bytes(row[1]), _parse(row[2])) for row in c.fetchall()]

    def write_checkpoint(self) -> Checkpoint | None:
        head = self.chain_head()
        if head is None:
            return None
        with self.datastore.transaction(commit=True) as c:
            c.execute(self._insert_checkpoint_statement, (head.position, head.chain_hash))
        return next(point for point in self.select_checkpoints()
                    if point.position == head.position)

    def log_extent(self) -> tuple[int, int]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(self._extent_statement)
            events, links = c.fetchone()
            return events or 0, links or 0

    def restore(self, events: Iterator[RestoredEvent], checkpoints: Sequence[Checkpoint]) -> int:
        """Rows are written as exported, bypassing the append statement: the rowid and the
        record time are given explicitly, so restored events keep their original positions
        and record times (the append's max(now, last) rule keeps later ones after them)."""
        count = 0
        with self.datastore.transaction(commit=True) as c:
            c.execute(self._holds_anything_statement)
            if c.fetchone()[0]:
                raise RestoreRefusedError(NOT_EMPTY)
            while batch := list(islice(events, 1000)):
                c.executemany(self._restore_event_statement, [(
                    e.position,
                    e.originator_id.hex if isinstance(e.originator_id, UUID)
                    else e.originator_id,
                    e.originator_version, e.topic, e.state, _format_restored(e.recorded_at),
                ) for e in batch])
                c.executemany(self._insert_link_statement,
                              [(e.position, e.previous, e.chain_hash) for e in batch])
                count += len(batch)
            c.executemany(
                self._insert_checkpoint_statement.replace(_NOW, "?"),
                [(p.position, p.chain_hash, _format_restored(p.taken_at)) for p in checkpoints],
            )
        return count

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

    def select_excerpts(self, after: int, limit: int, topics: Sequence[str], marker: bytes,
                        length: int) -> list[Excerpt]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(self._excerpts_statement,
                      {"marker": marker, "skip": len(marker), "length": length, "after": after,
                       "topics": json.dumps(list(topics)), "limit": limit})
            return [Excerpt(row[0], _parse(row[1]), row[2]) for row in c.fetchall()]

    def has_table(self) -> bool:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                "SELECT 1 FROM sqlite_master WHERE type='table' AND name=?",
                (self.events_table_name,),
            )
            return c.fetchone() is not None


class Factory(SQLiteFactory):
    application_recorder_class = TallySQLiteApplicationRecorder

    def __init__(self, env: Environment | EnvType | None):
        super().__init__(env)
        self.checkpoint_every = checkpoint_every(self.env)

    def application_recorder(self) -> ApplicationRecorder:
        recorder = super().application_recorder()
        recorder.checkpoint_every = self.checkpoint_every  # type: ignore[attr-defined]
        return recorder
