"""An attacker with full rights on the database, for the integrity tests: turns the guard off
(drops SQLite's triggers; on PostgreSQL, a superuser's session skips triggers) and rewrites the
stored log behind the application's back."""

from __future__ import annotations

import sqlite3
import uuid
from datetime import UTC, datetime
from typing import Any

import psycopg

from store.chain import chain_hash
from store.settings import DatabaseSettings
from tests.conftest import PG_ADMIN


class Attacker:
    def __init__(self, settings: DatabaseSettings) -> None:
        self.backend = settings.backend
        self.conn: Any
        if self.backend == "sqlite":
            self.conn = sqlite3.connect(settings.sqlite_path, isolation_level=None)
            self.events, self.id = "stored_events", "rowid"
            triggers = self.conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall()
            for (name,) in triggers:
                self.conn.execute(f"DROP TRIGGER {name}")
        else:
            self.conn = psycopg.connect(PG_ADMIN, autocommit=True)
            schema = settings.eventsourcing_env()["POSTGRES_SCHEMA"]
            self.conn.execute(f'SET search_path TO "{schema}"')
            self.conn.execute("SET session_replication_role = replica")
            self.events, self.id = "tally_events", "notification_id"
        self.chain, self.checkpoints = f"{self.events}_chain", f"{self.events}_checkpoints"

    def close(self) -> None:
        self.conn.close()

    def sql(self, statement: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        if self.backend == "postgres":
            statement = statement.replace("?", "%s")
        cursor = self.conn.execute(statement, params)
        return list(cursor.fetchall()) if cursor.description else []

    def event(self, position: int) -> tuple[Any, ...]:
        return self.sql(f"SELECT originator_id, originator_version, topic, state, recorded_at "  # noqa: S608
                        f"FROM {self.events} WHERE {self.id} = ?", (position,))[0]

    def flip_a_byte_of_state(self, position: int) -> None:
        state = bytearray(self.event(position)[3])
        state[len(state) // 2] ^= 0x01
        self.sql(f"UPDATE {self.events} SET state = ? WHERE {self.id} = ?",  # noqa: S608
                 (bytes(state), position))

    def move_record_time(self, position: int, to: str) -> None:
        self.sql(f"UPDATE {self.events} SET recorded_at = ? WHERE {self.id} = ?",  # noqa: S608
                 (to, position))

    def remove(self, position: int, *, with_link: bool = False) -> None:
        self.sql(f"DELETE FROM {self.events} WHERE {self.id} = ?", (position,))  # noqa: S608
        if with_link:
            self.sql(f"DELETE FROM {self.chain} WHERE notification_id = ?", (position,))  # noqa: S608

    def swap(self, first: int, second: int) -> None:
        """Exchange two rows' places in the log (each keeps its content and record time)."""
        for old, new in ((first, -1), (second, first), (-1, second)):
            self.sql(f"UPDATE {self.events} SET {self.id} = ? WHERE {self.id} = ?",  # noqa: S608
                     (new, old))

    def forge(self, position: int, *, chained: bool = False) -> None:
        """Insert a made-up event at ``position`` (a copy of event 1 under a new id), and, if
        ``chained``, a link for it computed from its predecessor as the recorder would."""
        _, _, topic, state, _ = self.event(1)
        before = self.sql(f"SELECT notification_id, chain_hash FROM {self.chain} "  # noqa: S608
                          "WHERE notification_id < ? ORDER BY notification_id DESC LIMIT 1",
                          (position,))[0]
        recorded_at = self.event(before[0])[4]
        originator = uuid.uuid4()
        stored_id = originator.hex if self.backend == "sqlite" else originator
        self.sql(f"INSERT INTO {self.events} ({self.id}, originator_id, originator_version, "  # noqa: S608
                 "topic, state, recorded_at) VALUES (?, ?, 1, ?, ?, ?)",
                 (position, stored_id, topic, state, recorded_at))
        if chained:
            when = (datetime.fromisoformat(recorded_at).replace(tzinfo=UTC)
                    if isinstance(recorded_at, str) else recorded_at)
            link = chain_hash(bytes(before[1]), position, when, originator, 1, topic, state)
            self.sql(f"INSERT INTO {self.chain} VALUES (?, ?, ?)", (position, before[0], link))  # noqa: S608

    def rewrite_checkpoint(self, position: int) -> None:
        self.sql(f"UPDATE {self.checkpoints} SET chain_hash = ? WHERE notification_id = ?",  # noqa: S608
                 (bytes(32), position))
