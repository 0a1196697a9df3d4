"""PostgreSQL recorders whose events carry a database-assigned, monotonic ``recorded_at``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from eventsourcing.persistence import ProgrammingError
from eventsourcing.postgres import (
    PostgresApplicationRecorder,
    PostgresDatastore,
    PostgresFactory,
)
from psycopg.sql import SQL, Identifier

from store.recorded import RecordedNotification, RecordTimeRecorder, as_utc


class TallyPostgresApplicationRecorder(PostgresApplicationRecorder, RecordTimeRecorder):
    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events"):
        super().__init__(datastore, events_table_name=events_table_name)
        if datastore.enable_db_functions:
            raise ProgrammingError("Tally's recorder does not use POSTGRES_ENABLE_DB_FUNCTIONS")
        names = {
            "schema": Identifier(self.datastore.schema),
            "table": Identifier(self.events_table_name),
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
        # Inserts run under the library's EXCLUSIVE table lock, so the previous record time
        # read here is the latest committed one; greatest() keeps record time monotonic with
        # the notification id even if the server's clock steps back.
        self.insert_events_statement = SQL(
            "INSERT INTO {schema}.{table} AS t "
            "(originator_id, originator_version, topic, state, recorded_at) "
            "SELECT originator_id, originator_version, topic, state, "
            "greatest(clock_timestamp(), (SELECT max(recorded_at) FROM {schema}.{table})) "
            "FROM unnest(%s::{schema}.{stored_event_type}[]) "
            "RETURNING notification_id"
        ).format(**names)
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
            curs.execute(statement, params, prepare=True)
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

    def has_table(self) -> bool:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(
                "SELECT to_regclass(%s) AS found",
                (f'"{self.datastore.schema}"."{self.events_table_name}"',),
            )
            row = curs.fetchone()
            return bool(row and row["found"])


class Factory(PostgresFactory):
    application_recorder_class = TallyPostgresApplicationRecorder
