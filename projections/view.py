"""Views: tracking recorders whose rows commit in the same transaction as their position."""

from __future__ import annotations

import re
from abc import abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from eventsourcing.persistence import Tracking, TrackingRecorder
from eventsourcing.postgres import PostgresTrackingRecorder
from eventsourcing.sqlite import SQLiteTrackingRecorder

Statement = tuple[str, Sequence[Any]]

_PLACEHOLDER = re.compile(r"\?")


@lru_cache(maxsize=512)
def _postgres_sql(sql: str) -> str:
    """``?`` placeholders as psycopg's ``%s`` (the views' statements are a few constants)."""
    return _PLACEHOLDER.sub("%s", sql)


class SQLView(TrackingRecorder):
    """A read model written with SQL that both backends accept; ``?`` marks a parameter."""

    #: CREATE statements of the view's own tables.
    schema: Sequence[str] = ()
    #: The view's tables, emptied by a rebuild.
    tables: Sequence[str] = ()

    _batch: list[Statement] | None = None
    _batch_tracking: Tracking | None = None

    def write(self, tracking: Tracking | None, statements: Sequence[Statement]) -> None:
        """Run ``statements`` and record ``tracking`` in one transaction (or in the batch's)."""
        if self._batch is None:
            self.commit(tracking, statements)
            return
        self._batch.extend(statements)
        if tracking is not None:
            self._batch_tracking = tracking

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Writes inside commit together, with the last position, when the block ends well.

        Only for projections whose handlers never read their own view while writing."""
        self._batch, self._batch_tracking = [], None
        try:
            yield
            if self._batch or self._batch_tracking is not None:
                self.commit(self._batch_tracking, self._batch)
        finally:
            self._batch, self._batch_tracking = None, None

    @abstractmethod
    def commit(self, tracking: Tracking | None, statements: Sequence[Statement]) -> None:
        """Run ``statements`` and record ``tracking`` in one transaction."""

    @abstractmethod
    def query(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        """Rows of a read-only query, as dicts."""

    @abstractmethod
    def reset(self, tracking_name: str) -> None:
        """Empty the view's tables and forget its position, in one transaction."""


class SQLiteView(SQLiteTrackingRecorder, SQLView):
    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(), *self.schema]

    def commit(self, tracking: Tracking | None, statements: Sequence[Statement]) -> None:
        with self.datastore.transaction(commit=True) as c:
            for sql, params in statements:
                c.execute(sql, params)
            if tracking is not None:
                self._insert_tracking(c, tracking)

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(sql, params)
            return [dict(row) for row in c.fetchall()]

    def reset(self, tracking_name: str) -> None:
        with self.datastore.transaction(commit=True) as c:
            for table in self.tables:
                c.execute(f"DELETE FROM {table}")  # noqa: S608 (a constant table name)
            c.execute("DELETE FROM tracking WHERE application_name = ?", (tracking_name,))


class PostgresView(PostgresTrackingRecorder, SQLView):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from psycopg.sql import SQL

        self.sql_create_statements.extend(SQL(statement) for statement in self.schema)  # type: ignore[arg-type]

    def _create_table(self, curs: Any) -> None:
        curs.execute(f'SET LOCAL search_path TO "{self.datastore.schema}"')
        super()._create_table(curs)

    @contextmanager
    def _cursor(self, *, commit: bool) -> Iterator[Any]:
        with self.datastore.transaction(commit=commit) as curs:
            curs.execute(f'SET LOCAL search_path TO "{self.datastore.schema}"')
            yield curs

    def commit(self, tracking: Tracking | None, statements: Sequence[Statement]) -> None:
        with self._cursor(commit=True) as curs:
            # A batch's statements go in one pipeline: no round trip per statement. The
            # pipeline syncs (and raises any error) before the tracking row and the commit.
            with curs.connection.pipeline():
                for sql, params in statements:
                    curs.execute(_postgres_sql(sql), params)
            if tracking is not None:
                self._insert_tracking(curs, tracking)

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        with self._cursor(commit=False) as curs:
            curs.execute(_postgres_sql(sql), params)
            return [dict(row) for row in curs.fetchall()]

    def reset(self, tracking_name: str) -> None:
        with self._cursor(commit=True) as curs:
            for table in self.tables:
                curs.execute(f"DELETE FROM {table}")  # noqa: S608 (a constant table name)
            curs.execute(
                f'DELETE FROM "{self.tracking_table_name}" WHERE application_name = %s',  # noqa: S608
                (tracking_name,),
            )
