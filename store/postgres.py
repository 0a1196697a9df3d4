"""PostgreSQL recorders whose events carry a database-assigned, monotonic ``recorded_at``, and are
chained by hash (store/chain.py) in the transaction of the append."""

from __future__ import annotations

import functools
import time
from collections.abc import Iterator, Sequence
from datetime import datetime
from itertools import islice
from typing import Any

import psycopg
import psycopg_pool
from eventsourcing.persistence import ApplicationRecorder, ProgrammingError, StoredEvent
from eventsourcing.postgres import (
    PostgresApplicationRecorder,
    PostgresDatastore,
    PostgresFactory,
)
from eventsourcing.utils import Environment, EnvType
from psycopg import Cursor
from psycopg.rows import DictRow, tuple_row
from psycopg.sql import SQL, Identifier

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
from store.guard import (
    postgres_guard_statements,
    postgres_lock_function_statements,
)
from store.recorded import (
    Excerpt,
    RecordedNotification,
    RecordTimeRecorder,
    as_utc,
    check_unchanged,
)

#: Failures a fresh connection may cure: a connection broken by a server restart, a pool with
#: no connection to give within its timeout.
RETRYABLE = (psycopg.InterfaceError, psycopg.OperationalError)
RETRY_WAIT_SECONDS = 0.2


def within_timeout(library_method: Any) -> Any:
    """The library's method without its own retry, retried instead only while the pool's
    timeout lasts. The library tries ten times, and each try may wait the pool's whole timeout
    for a connection: more than twenty seconds while the server is down, so a request rode
    through an outage instead of answering 503 within the bounded wait the API promises."""
    attempt = library_method.__wrapped__

    @functools.wraps(attempt)
    def bounded(self: Any, *args: Any, **kwargs: Any) -> Any:
        deadline = time.monotonic() + self.datastore.pool.timeout
        while True:
            try:
                return attempt(self, *args, **kwargs)
            except RETRYABLE:
                if time.monotonic() + RETRY_WAIT_SECONDS >= deadline:
                    raise
                time.sleep(RETRY_WAIT_SECONDS)

    return bounded


class TallyPostgresApplicationRecorder(PostgresApplicationRecorder, RecordTimeRecorder,
                                       ChainRecorder):
    insert_events = within_timeout(PostgresApplicationRecorder.insert_events)
    select_events = within_timeout(PostgresApplicationRecorder.select_events)
    max_notification_id = within_timeout(PostgresApplicationRecorder.max_notification_id)

    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events"):
        super().__init__(datastore, events_table_name=events_table_name)
        if datastore.enable_db_functions:
            raise ProgrammingError("Tally's recorder does not use POSTGRES_ENABLE_DB_FUNCTIONS")
        self.chain_table_name = f"{self.events_table_name}_chain"
        self.checkpoints_table_name = f"{self.events_table_name}_checkpoints"
        names = {
            "schema": Identifier(self.datastore.schema),
            "table": Identifier(self.events_table_name),
            "chain": Identifier(self.chain_table_name),
            "checkpoints": Identifier(self.checkpoints_table_name),
            "lock": Identifier(f"{self.events_table_name}_lock"),
            "stored_event_type": Identifier(self.stored_event_type_name),
            "originator_id_type": Identifier(self.datastore.originator_id_type),
            "recorded_at_index": Identifier(f"{self.events_table_name}_recorded_at_idx"),
        }
        self.sql_create_statements[self.create_table_statement_index] = SQL(
            "CREATE TABLE IF NOT EXISTS {schema}.{table} ("
            "originator_id {originator_id_type} NOT NULL, "
            "originator_version bigint NOT NULL, "
            "topic text, "
            "state bytea, "
            "notification_id bigserial, "
            "recorded_at timestamptz NOT NULL, "
            "PRIMARY KEY (originator_id, originator_version))"
        ).format(**names)
        # The library's insert function does not know the record-time column.
        del self.sql_create_statements[self.create_insert_function_statement_index]
        self.sql_create_statements.append(
            SQL(
                "CREATE INDEX IF NOT EXISTS {recorded_at_index} "
                "ON {schema}.{table} (recorded_at)"
            ).format(**names)
        )
        self.sql_create_statements.extend([
            SQL(
                "CREATE TABLE IF NOT EXISTS {schema}.{chain} ("
                "notification_id bigint PRIMARY KEY, "
                "previous_id bigint NOT NULL, "
                "chain_hash bytea NOT NULL)"
            ).format(**names),
            SQL(
                "CREATE TABLE IF NOT EXISTS {schema}.{checkpoints} ("
                "notification_id bigint PRIMARY KEY, "
                "chain_hash bytea NOT NULL, "
                "taken_at timestamptz NOT NULL DEFAULT clock_timestamp())"
            ).format(**names),
            *postgres_lock_function_statements(self.datastore.schema, self.events_table_name),
            *postgres_guard_statements(self.datastore.schema, self.events_table_name,
                                       self.guarded_tables),
        ])
        # The application role may not LOCK TABLE in EXCLUSIVE mode (that needs UPDATE, DELETE
        # or TRUNCATE rights, which it lacks): it takes the same lock through <events>_lock().
        self.lock_table_statements = [
            self.lock_table_statements[0],
            SQL("SELECT {schema}.{lock}()").format(**names),
        ]
        # Inserts run under the library's EXCLUSIVE table lock, so the previous record time
        # read here is the latest committed one; greatest() keeps record time monotonic with
        # the notification id even if the server's clock steps back. The same statement reads
        # the chain head (committed under the same lock), so chaining costs no extra round trip.
        self.insert_events_statement = SQL(
            "WITH head AS (SELECT notification_id, chain_hash FROM {schema}.{chain} "
            "ORDER BY notification_id DESC LIMIT 1), "
            "inserted AS (INSERT INTO {schema}.{table} AS t "
            "(originator_id, originator_version, topic, state, recorded_at) "
            "SELECT originator_id, originator_version, topic, state, "
            "greatest(clock_timestamp(), (SELECT max(recorded_at) FROM {schema}.{table})) "
            "FROM unnest(%b::{originator_id_type}[], %b::bigint[], %b::text[], %b::bytea[]) "
            "AS e(originator_id, originator_version, topic, state) "
            "RETURNING notification_id, originator_id, originator_version, recorded_at) "
            "SELECT i.*, h.notification_id AS head_id, h.chain_hash AS head_hash "
            "FROM inserted i LEFT JOIN head h ON true "
            "ORDER BY i.notification_id"
        ).format(**names)
        self._changed_statement = SQL(
            "SELECT originator_id FROM {schema}.{table} "
            "WHERE (originator_id, originator_version) IN "
            "(SELECT * FROM unnest(%s::{originator_id_type}[], %s::bigint[])) LIMIT 1"
        ).format(**names)
        self._facts_since_statement = SQL(
            "SELECT 1 FROM {schema}.{table} WHERE notification_id > %s "
            "AND topic = ANY(%s) LIMIT 1").format(**names)
        self._insert_links_statement = SQL(
            "INSERT INTO {schema}.{chain} (notification_id, previous_id, chain_hash) "
            "SELECT * FROM unnest(%b::bigint[], %b::bigint[], %b::bytea[])"
        ).format(**names)
        self._insert_checkpoint_statement = SQL(
            "INSERT INTO {schema}.{checkpoints} (notification_id, chain_hash) VALUES (%s, %s) "
            "ON CONFLICT (notification_id) DO NOTHING"
        ).format(**names)
        self._head_statement = SQL(
            "SELECT notification_id, previous_id, chain_hash FROM {schema}.{chain} "
            "ORDER BY notification_id DESC LIMIT 1"
        ).format(**names)
        self._select_links_statement = SQL(
            "SELECT notification_id, previous_id, chain_hash FROM {schema}.{chain} "
            "WHERE notification_id > %s AND notification_id <= %s "
            "ORDER BY notification_id LIMIT %s"
        ).format(**names)
        self._select_checkpoints_statement = SQL(
            "SELECT notification_id, chain_hash, taken_at FROM {schema}.{checkpoints} "
            "ORDER BY notification_id"
        ).format(**names)
        self._extent_statement = SQL(
            "SELECT (SELECT max(notification_id) FROM {schema}.{table}) AS events, "
            "(SELECT max(notification_id) FROM {schema}.{chain}) AS links"
        ).format(**names)
        self._holds_anything_statement = SQL(
            "SELECT EXISTS (SELECT 1 FROM {schema}.{table}) "
            "OR EXISTS (SELECT 1 FROM {schema}.{chain}) "
            "OR EXISTS (SELECT 1 FROM {schema}.{checkpoints}) AS found"
        ).format(**names)
        self._restore_events_statement = SQL(
            "INSERT INTO {schema}.{table} "
            "(notification_id, originator_id, originator_version, topic, state, recorded_at) "
            "SELECT * FROM unnest(%b::bigint[], %b::{originator_id_type}[], %b::bigint[], "
            "%b::text[], %b::bytea[], %b::timestamptz[])"
        ).format(**names)
        self._restore_checkpoints_statement = SQL(
            "INSERT INTO {schema}.{checkpoints} (notification_id, chain_hash, taken_at) "
            "VALUES (%s, %s, %s)"
        ).format(**names)
        self._advance_sequence_statement = SQL(
            "SELECT setval(pg_get_serial_sequence(%s, 'notification_id'), %s)"
        )
        self._select_notifications_prefix = SQL(
            "SELECT notification_id, originator_id, originator_version, topic, state, "
            "recorded_at FROM {schema}.{table}"
        ).format(**names)
        self._max_id_at_statement = SQL(
            "SELECT notification_id FROM {schema}.{table} WHERE recorded_at <= %s "
            "ORDER BY recorded_at DESC, notification_id DESC LIMIT 1"
        ).format(**names)
        self._recorded_at_statement = SQL(
            "SELECT recorded_at FROM {schema}.{table} WHERE notification_id = %s"
        ).format(**names)
        self._excerpts_statement = SQL(
            "SELECT notification_id, recorded_at, CASE WHEN position(%(marker)s IN state) > 0 "
            "THEN substring(state FROM position(%(marker)s IN state) + %(skip)s "
            "FOR %(length)s) END FROM {schema}.{table} "
            "WHERE notification_id > %(after)s AND topic = ANY(%(topics)s) "
            "ORDER BY notification_id LIMIT %(limit)s"
        ).format(**names)

    @property
    def guarded_tables(self) -> list[str]:
        """The append-only tables: the log, its chain and the checkpoints."""
        return [self.events_table_name, f"{self.events_table_name}_chain",
                f"{self.events_table_name}_checkpoints"]

    # Appending: the library runs the insert (which also read the chain head), then this, in
    # one transaction under its EXCLUSIVE lock; the links go in with one more statement.

    def _insert_stored_events(self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent],
                              unchanged: Sequence[Unchanged] = (), **_: Any) -> None:
        """The library's insert, with the events as four arrays sent in binary: dumping a
        composite-type array as text took half of a bulk import's write phase. The
        placeholders say so (``%b``); ``binary=True`` asks only for the rows back in binary,
        and with ``%s`` psycopg sent the ids and topics as text arrays, escaping every
        element with a regular expression (2 of the 4 s of the write at 100k events)."""
        self._lock_table(curs)
        if unchanged:  # before anything is written, so a refusal leaves nothing to commit
            check_unchanged(
                unchanged,
                lambda pairs: self._first(curs, self._changed_statement, (
                    [aggregate_id for aggregate_id, _ in pairs],
                    [version for _, version in pairs])),
                lambda after, topics: self._found(
                    curs, self._facts_since_statement, (after, list(topics))))
        self._notify_channel(curs)
        curs.execute(self.insert_events_statement, (
            [e.originator_id for e in stored_events], [e.originator_version for e in stored_events],
            [e.topic for e in stored_events], [e.state for e in stored_events],
        ), binary=True)

    def _fetch_ids_after_insert_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **_: Any
    ) -> Sequence[int] | None:
        rows = curs.fetchall()
        if len(rows) != len(stored_events):
            raise ProgrammingError(f"appended {len(stored_events)} events, got {len(rows)} ids")
        # The rows come back in position order, which is the order they were sent in (the
        # usual case, checked here); otherwise each row is matched to its event by key.
        matched: Sequence[StoredEvent] = stored_events
        if not all(row["originator_version"] == e.originator_version
                   and row["originator_id"] == e.originator_id
                   for row, e in zip(rows, stored_events, strict=True)):
            events = {(str(e.originator_id), e.originator_version): e for e in stored_events}
            matched = [events[(str(row["originator_id"]), row["originator_version"])]
                       for row in rows]
        appended = [Appended(row["notification_id"], row["recorded_at"], e.originator_id,
                             e.originator_version, e.topic, e.state)
                    for row, e in zip(rows, matched, strict=True)]
        after, after_hash = 0, GENESIS
        if rows and rows[0]["head_id"] is not None:
            after, after_hash = rows[0]["head_id"], bytes(rows[0]["head_hash"])
        links = chain_links(after, after_hash, appended)
        curs.execute(self._insert_links_statement, (
            [link.position for link in links], [link.previous for link in links],
            [link.chain_hash for link in links],
        ), binary=True)
        if crosses_checkpoint(after, links, self.checkpoint_every):
            curs.execute(self._insert_checkpoint_statement,
                         (links[-1].position, links[-1].chain_hash))
        if matched is stored_events:
            return [e.position for e in appended]
        positions = {(str(e.originator_id), e.originator_version): e.position for e in appended}
        return [positions[(str(e.originator_id), e.originator_version)] for e in stored_events]

    @staticmethod
    def _found(curs: Cursor[DictRow], statement: Any, params: Sequence[Any]) -> bool:
        curs.execute(statement, params)
        return curs.fetchone() is not None

    @staticmethod
    def _first(curs: Cursor[DictRow], statement: Any, params: Sequence[Any]) -> Any:
        """The first column of the statement's first row, if any."""
        curs.execute(statement, params)
        row = curs.fetchone()
        return None if row is None else next(iter(row.values()))

    def select_events_in(self, curs: Cursor[DictRow], originator_id: Any) -> list[StoredEvent]:
        """One aggregate's events as seen by an open transaction (a bulk import reads back
        what it appended earlier in the same transaction)."""
        curs.execute(self.select_events_statement + SQL(" ORDER BY originator_version"),
                     (originator_id,), prepare=True)
        return [StoredEvent(originator_id=row["originator_id"],
                            originator_version=row["originator_version"],
                            topic=row["topic"], state=bytes(row["state"]))
                for row in curs.fetchall()]

    # The chain, read back.

    def chain_head(self) -> ChainLink | None:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self._head_statement, prepare=True)
            return _link(curs.fetchone())

    def select_links(self, after: int, limit: int, stop: int | None = None) -> list[ChainLink]:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self._select_links_statement,
                         (after, stop if stop is not None else 2**63 - 1, limit), prepare=True)
            return [_link(row) for row in curs.fetchall()]  # type: ignore[misc]

    def select_link(self, position: int) -> ChainLink | None:
        found = self.select_links(position - 1, 1, stop=position)
        return found[0] if found else None

    def select_checkpoints(self) -> list[Checkpoint]:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self._select_checkpoints_statement)
            return [Checkpoint(row["notification_id"], bytes(row["chain_hash"]), row["taken_at"])
                    for row in curs.fetchall()]

    def write_checkpoint(self) -> Checkpoint | None:
        head = self.chain_head()
        if head is None:
            return None
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(self._insert_checkpoint_statement, (head.position, head.chain_hash))
        return next(point for point in self.select_checkpoints()
                    if point.position == head.position)

    def log_extent(self) -> tuple[int, int]:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self._extent_statement)
            row = curs.fetchone()
            assert row is not None
            return row["events"] or 0, row["links"] or 0

    def restore(self, events: Iterator[RestoredEvent], checkpoints: Sequence[Checkpoint]) -> int:
        """Rows are written as exported, bypassing the append statement: notification_id and
        recorded_at are given explicitly, so restored events keep their original positions and
        record times; then the sequence moves past the last position, and the append's
        greatest(now, last) rule keeps every later record time after the restored ones."""
        count, last = 0, 0
        with self.datastore.transaction(commit=True) as curs:
            self._lock_table(curs)
            curs.execute(self._holds_anything_statement)
            row = curs.fetchone()
            if row and row["found"]:
                raise RestoreRefusedError(NOT_EMPTY)
            while batch := list(islice(events, 1000)):
                curs.execute(self._restore_events_statement, (
                    [e.position for e in batch], [e.originator_id for e in batch],
                    [e.originator_version for e in batch], [e.topic for e in batch],
                    [e.state for e in batch], [e.recorded_at for e in batch],
                ))
                curs.execute(self._insert_links_statement, (
                    [e.position for e in batch], [e.previous for e in batch],
                    [e.chain_hash for e in batch],
                ))
                count, last = count + len(batch), batch[-1].position
            for point in checkpoints:
                curs.execute(self._restore_checkpoints_statement,
                             (point.position, point.chain_hash, point.taken_at))
            if last:
                table = f'"{self.datastore.schema}"."{self.events_table_name}"'
                curs.execute(self._advance_sequence_statement, (table, last))
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
        clauses = []
        params: list[object] = []
        if start is not None:
            operator = ">=" if inclusive_of_start else ">"
            clauses.append(SQL("notification_id " + operator + " %s"))
            params.append(start)
        if stop is not None:
            clauses.append(SQL("notification_id <= %s"))
            params.append(stop)
        if topics:
            clauses.append(SQL("topic = ANY(%s)"))
            params.append(list(topics))
        statement = self._select_notifications_prefix
        if clauses:
            statement += SQL(" WHERE ") + SQL(" AND ").join(clauses)
        statement += SQL(" ORDER BY notification_id LIMIT %s")
        params.append(limit)
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            # rows back in binary: the states' bytes as they are, not hex to decode (a page of
            # 5,000 read 25 % faster)
            curs.execute(statement, params, prepare=True, binary=True)
            return [
                RecordedNotification(
                    id=row["notification_id"],
                    originator_id=row["originator_id"],
                    originator_version=row["originator_version"],
                    topic=row["topic"],
                    state=bytes(row["state"]),
                    recorded_at=row["recorded_at"],
                )
                for row in curs.fetchall()
            ]

    def max_notification_id_at(self, when: datetime) -> int:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self._max_id_at_statement, (as_utc(when),), prepare=True)
            row = curs.fetchone()
            return row["notification_id"] if row else 0

    def recorded_at(self, notification_id: int) -> datetime | None:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self._recorded_at_statement, (notification_id,), prepare=True)
            row = curs.fetchone()
            return row["recorded_at"] if row else None

    def select_excerpts(self, after: int, limit: int, topics: Sequence[str], marker: bytes,
                        length: int) -> list[Excerpt]:
        with self.datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as curs:
            curs.execute(self._excerpts_statement,
                         {"marker": marker, "skip": len(marker), "length": length,
                          "after": after, "topics": list(topics), "limit": limit},
                         prepare=True, binary=True)
            return [Excerpt(position, recorded_at, None if part is None else bytes(part))
                    for position, recorded_at, part in curs.fetchall()]

    def has_table(self) -> bool:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(
                "SELECT to_regclass(%s) AS found",
                (f'"{self.datastore.schema}"."{self.events_table_name}"',),
            )
            row = curs.fetchone()
            return bool(row and row["found"])


def _link(row: DictRow | None) -> ChainLink | None:
    if row is None:
        return None
    return ChainLink(row["notification_id"], row["previous_id"], bytes(row["chain_hash"]))


#: A pooled connection used this recently is handed out without a ping.
PING_AFTER_IDLE_SECONDS = 1.0


def ping_when_idle(conn: Any) -> None:
    """The pool's pre-ping, for connections idle a while only: a ping before every checkout
    was a third of a command's time under load (a command checks a connection out about nine
    times). A connection broken while busy still fails its statement, which the library's
    recorder retries on a fresh one."""
    now = time.monotonic()
    if now - getattr(conn, "tally_checked_out", 0.0) > PING_AFTER_IDLE_SECONDS:
        psycopg_pool.ConnectionPool.check_connection(conn)
    conn.tally_checked_out = now


class Factory(PostgresFactory):
    application_recorder_class = TallyPostgresApplicationRecorder

    def __init__(self, env: Environment | EnvType | None):
        super().__init__(env)
        self.checkpoint_every = checkpoint_every(self.env)
        if self.datastore.pre_ping:
            self.datastore.pool._check = ping_when_idle  # noqa: SLF001

    def application_recorder(self) -> ApplicationRecorder:
        recorder = super().application_recorder()
        recorder.checkpoint_every = self.checkpoint_every  # type: ignore[attr-defined]
        return recorder
