"""Views: tracking recorders whose rows commit in the same transaction as their position."""

from __future__ import annotations

import re
import weakref
from abc import abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from itertools import count, groupby
from typing import Any, Protocol

from eventsourcing.persistence import ProgrammingError, Tracking, TrackingRecorder
from eventsourcing.postgres import PostgresTrackingRecorder
from eventsourcing.sqlite import SQLiteTrackingRecorder
from psycopg import ClientCursor, errors
from psycopg.rows import tuple_row

from store.postgres import within_timeout

Statement = tuple[str, Sequence[Any]]

#: A statement whose one parameter is a step to run inside the commit's transaction, in its
#: place among the statements: ``step(run)``, where ``run`` reads and writes in that
#: transaction (``TransactionRun``). For work that must read what the statements before it
#: wrote and is too large to build in memory first (a rewind's span marks).
THEN = "-- then"


class TransactionRun(Protocol):
    postgres: bool

    def rows(self, sql: str, params: Sequence[Any] = ()) -> Iterator[tuple[Any, ...]]:
        """The rows of a query, streamed (``?`` placeholders)."""

    def write(self, statements: Sequence[Statement]) -> None:
        """Run statements (plain inserts go by ``COPY`` on PostgreSQL)."""

_PLACEHOLDER = re.compile(r"\?")


#: A plain ``INSERT INTO table (columns) VALUES (?, ...)``: nothing conflicts, nothing is read.
_PLAIN_INSERT = re.compile(r"INSERT INTO (\w+) \(([\w, ]+)\) VALUES \(\?(?:, \?)*\)")

_CREATE_INDEX = re.compile(r"CREATE INDEX IF NOT EXISTS (\w+) ON ")

#: A table takes its batch's rows by ``COPY`` from this many rows up (fewer are not worth it).
COPY_FROM = 16


@lru_cache(maxsize=512)
def _postgres_sql(sql: str) -> str:
    """``?`` placeholders as psycopg's ``%s`` (the views' statements are a few constants)."""
    return _PLACEHOLDER.sub("%s", sql)


@lru_cache(maxsize=512)
def _plain_insert(sql: str) -> tuple[str, str] | None:
    """The table and columns of a plain insert, or None for any other statement."""
    match = _PLAIN_INSERT.fullmatch(sql)
    return (match[1], match[2]) if match else None


@lru_cache(maxsize=4096)
def _mentions(sql: str, table: str) -> bool:
    return re.search(rf"\b{table}\b", sql) is not None


def runs(statements: Iterable[Statement]) -> Iterator[tuple[str, list[Sequence[Any]]]]:
    """Consecutive statements with the same SQL, as one statement and its parameter rows."""
    sql: str | None = None
    rows: list[Sequence[Any]] = []
    for next_sql, params in statements:
        if next_sql != sql and sql is not None:
            yield sql, rows
            rows = []
        sql = next_sql
        rows.append(params)
    if sql is not None:
        yield sql, rows


def copyable(statements: Sequence[Statement]) -> tuple[dict[tuple[str, str], list[Sequence[Any]]],
                                                       list[Statement]]:
    """Split a batch into rows to ``COPY`` per table and the statements to run in order.

    A table's plain inserts may all go first, out of order with the rest, when no other
    statement of the batch names that table: nothing else in the batch reads or changes it."""
    inserts: dict[str, dict[str, list[Sequence[Any]]]] = {}
    for sql, params in statements:
        plain = _plain_insert(sql)
        if plain is not None:
            inserts.setdefault(plain[0], {}).setdefault(plain[1], []).append(params)
    tables = {table for table, by_columns in inserts.items()
              if sum(map(len, by_columns.values())) >= COPY_FROM}
    if not tables:
        return {}, list(statements)
    others = {sql for sql, _ in statements if _plain_insert(sql) is None}
    tables = {table for table in tables if not any(_mentions(sql, table) for sql in others)}
    copies = {(table, columns): rows for table in sorted(tables)
              for columns, rows in inserts[table].items()}
    rest = [(sql, params) for sql, params in statements
            if (_plain_insert(sql) or ("",))[0] not in tables]
    return copies, rest


class HeldRow:
    """A row inserted in the open batch: its values change in place until the batch commits."""

    def __init__(self, row: dict[str, Any]) -> None:
        self.columns = {column: index for index, column in enumerate(row)}
        self.values = list(row.values())

    def __getitem__(self, column: str) -> Any:
        return self.values[self.columns[column]]

    def update(self, **changes: Any) -> None:
        for column, value in changes.items():
            self.values[self.columns[column]] = value


class Change:
    """One row's changes in an open batch: the last value set of each column, and the sum
    added to each number column since it was last set."""

    __slots__ = ("adds", "sets")

    def __init__(self) -> None:
        self.sets: dict[str, str | None] = {}
        self.adds: dict[str, int] = {}

    def merge(self, sets: dict[str, str | None], adds: dict[str, int]) -> None:
        for column, value in sets.items():
            self.sets[column] = value
            self.adds.pop(column, None)
        for column, n in adds.items():
            if column in self.sets:
                raise ValueError(f"{column} is set as text and added to as a number")
            self.adds[column] = self.adds.get(column, 0) + n


class Upsert:
    """One key's upserts in an open batch: the first one's row, with what later ones (and
    updates) set; and every column any of them sets where the key exists already."""

    __slots__ = ("row", "update")

    def __init__(self, row: dict[str, str | None], update: tuple[str, ...]) -> None:
        self.row = dict(row)
        self.update = set(update)

    def set(self, values: dict[str, str | None]) -> None:
        self.row.update(values)
        self.update.update(values)


@lru_cache(maxsize=256)
def _upsert_sql(table: str, key_columns: tuple[str, ...], columns: tuple[str, ...],
                update: tuple[str, ...]) -> str:
    marks = ", ".join("?" * len(columns))
    names = ", ".join(columns)
    keys = ", ".join(key_columns)
    set_sql = ("DO UPDATE SET " + ", ".join(f"{c} = excluded.{c}" for c in update)
               if update else "DO NOTHING")
    return (f"INSERT INTO {table} ({names}) VALUES ({marks}) "  # noqa: S608 (code's names)
            f"ON CONFLICT ({keys}) {set_sql}")


def _upsert(table: str, key_columns: tuple[str, ...], columns: tuple[str, ...],
            update: tuple[str, ...], params: Sequence[Any]) -> Statement:
    return _upsert_sql(table, key_columns, columns, update), params


@lru_cache(maxsize=256)
def _update_sql(table: str, key_column: str, sets: tuple[str, ...],
                adds: tuple[str, ...]) -> str:
    set_sql = ", ".join([*(f"{c} = ?" for c in sets), *(f"{c} = {c} + ?" for c in adds)])
    key_sql = f"{key_column} = ?"
    return f"UPDATE {table} SET {set_sql} WHERE {key_sql}"  # noqa: S608 (code's names)


def _update(table: str, key_column: str, sets: tuple[str, ...], adds: tuple[str, ...],
            params: Sequence[Any]) -> Statement:
    return _update_sql(table, key_column, sets, adds), params


class SQLView(TrackingRecorder):
    """A read model written with SQL that both backends accept; ``?`` marks a parameter."""

    #: CREATE statements of the view's own tables.
    schema: Sequence[str] = ()
    #: The view's tables, emptied by a rebuild.
    tables: Sequence[str] = ()
    #: Whether the view's rows are derived from the log alone (a projection's): then a commit
    #: lost with the server's last moments is lost with its tracking position, projected
    #: again, and need not wait for the disk. Views that keep facts of their own (passwords,
    #: tokens, a workflow's decisions) are not.
    derived = False

    _batch: list[Statement] | None = None
    _batch_tracking: Tracking | None = None
    _held: dict[tuple[str, str], HeldRow] | None = None
    #: The open batch's changes of rows it did not insert, by (table, key column), then key:
    #: the columns it sets and the numbers it adds, merged in event order (``change``).
    _changes: dict[tuple[str, str], dict[str, Change]] | None = None
    #: The open batch's upserts, by (table, key columns), then key: the row to insert and
    #: the columns to set when it exists, merged in event order (``upsert``).
    _upserts: dict[tuple[str, tuple[str, ...]], dict[tuple[str, ...], Upsert]] | None = None

    def insert(self, table: str, key: str, row: dict[str, Any]) -> Statement:
        """The statement that inserts ``row``; while a batch is open the row stays ``held``
        until the batch commits."""
        held = HeldRow(row)
        if self._held is not None:
            self._held[(table, key)] = held
        return (f"INSERT INTO {table} ({', '.join(row)}) "  # noqa: S608 (constant names)
                f"VALUES ({', '.join('?' * len(row))})", held.values)

    def held(self, table: str, key: str) -> HeldRow | None:
        """The row the open batch inserts into ``table`` under ``key``, not written yet: a
        change to it replaces an UPDATE of that row (the batch's handlers never read it)."""
        return self._held.get((table, key)) if self._held is not None else None

    def change(self, table: str, key_column: str, key: str, sets: dict[str, str | None],
               adds: dict[str, int] | None = None) -> list[Statement]:
        """Set text columns (``sets``) and add to number columns (``adds``) of the row whose
        ``key_column`` is ``key``: in the held row if the open batch inserts it; else merged
        with the batch's other changes of that row, all of them sent together when the batch
        commits (after its other statements: only for a table whose rows the batch otherwise
        only inserts); outside a batch, as an UPDATE now."""
        adds = adds or {}
        held = self.held(table, key)
        if held is not None:
            held.update(**sets, **{column: held[column] + n for column, n in adds.items()})
            return []
        if self._changes is not None:
            change = self._changes.setdefault((table, key_column), {}).setdefault(key, Change())
            change.merge(sets, adds)
            return []
        return [_update(table, key_column, tuple(sets), tuple(adds),
                        (*sets.values(), *adds.values(), key))]

    def upsert(self, table: str, key_columns: tuple[str, ...], row: dict[str, str | None],
               update: tuple[str, ...]) -> list[Statement]:
        """Insert ``row`` (text values, its key in ``key_columns``), or set its ``update``
        columns where the key exists. In a batch, merged with the batch's other upserts and
        updates (``update_keyed``) of that key, and sent with them when it commits."""
        key = tuple(row[column] or "" for column in key_columns)
        if self._upserts is None:
            return [_upsert(table, key_columns, tuple(row), update, tuple(row.values()))]
        by_key = self._upserts.setdefault((table, key_columns), {})
        found = by_key.get(key)
        if found is None:
            by_key[key] = Upsert(row, update)
        else:
            found.set({column: row[column] for column in update})
        return []

    def update_keyed(self, table: str, key_columns: tuple[str, ...], key: tuple[str, ...],
                     sets: dict[str, str | None], sql: str, params: Sequence[Any],
                     ) -> list[Statement]:
        """``sql`` with ``params`` (an UPDATE of ``sets`` where the key is ``key``), unless
        the open batch upserts that key: then merged with its upsert."""
        found = (self._upserts or {}).get((table, key_columns), {}).get(key)
        if found is None:
            return [(sql, params)]
        found.set(sets)
        return []

    def changed_rows(self) -> list[Statement]:
        """The statements of the open batch's merged changes: one per table and set of
        columns (``set_rows``)."""
        statements: list[Statement] = []
        for (table, key_column), by_key in (self._changes or {}).items():
            shapes: dict[tuple[tuple[str, ...], tuple[str, ...]], list[Sequence[Any]]] = {}
            for key, change in by_key.items():
                shape = (tuple(sorted(change.sets)), tuple(sorted(change.adds)))
                shapes.setdefault(shape, []).append(
                    (key, *(change.sets[c] for c in shape[0]),
                     *(change.adds[c] for c in shape[1])))
            for (sets, adds), rows in shapes.items():
                statements.extend(self.set_rows(table, key_column, sets, adds, rows))
        for (table, key_columns), upserts in (self._upserts or {}).items():
            by_shape: dict[tuple[tuple[str, ...], tuple[str, ...]], list[Sequence[Any]]] = {}
            for upsert in upserts.values():
                columns = tuple(sorted(upsert.row))
                by_shape.setdefault((columns, tuple(sorted(upsert.update))), []).append(
                    tuple(upsert.row[column] for column in columns))
            for (columns, update), rows in by_shape.items():
                statements.extend(self.upsert_rows(table, key_columns, columns, update, rows))
        return statements

    def upsert_rows(self, table: str, key_columns: tuple[str, ...], columns: tuple[str, ...],
                    update: tuple[str, ...], rows: list[Sequence[Any]]) -> list[Statement]:
        """Merged upserts as statements: one per row here; PostgreSQL sends one for all (no
        key twice: each key's upserts were merged into one)."""
        return [_upsert(table, key_columns, columns, update, row) for row in rows]

    def set_rows(self, table: str, key_column: str, sets: tuple[str, ...],
                 adds: tuple[str, ...], rows: list[Sequence[Any]]) -> list[Statement]:
        """Rows of (key, set values..., added numbers...) as statements: one UPDATE per row
        here (SQLite runs them with executemany); PostgreSQL sends one for all."""
        return [_update(table, key_column, sets, adds, (*row[1:], row[0])) for row in rows]

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
        self._batch, self._batch_tracking, self._held, self._changes = [], None, {}, {}
        self._upserts = {}
        try:
            yield
            changes = self.changed_rows()
            if self._batch or changes or self._batch_tracking is not None:
                self.commit(self._batch_tracking, self._batch, changes)
        finally:
            self._batch, self._batch_tracking, self._held, self._changes = None, None, None, None
            self._upserts = None

    @property
    def indexes(self) -> dict[str, str]:
        """The view's secondary indexes by name: the CREATE INDEX statements of its schema."""
        return {match[1]: sql for sql in self.schema if (match := _CREATE_INDEX.match(sql))}

    @contextmanager
    def without_indexes(self) -> Iterator[None]:
        """For a load into empty tables: drop the secondary indexes, and create them again
        after, even if the load fails (``tally db init`` creates any that are missing).

        A role that does not own the indexes (the application role of ``tally db
        grant-app-role`` may write rows but not alter tables) loads with them in place."""
        try:
            self.commit(None, [(f"DROP INDEX IF EXISTS {name}", ()) for name in self.indexes])
        except ProgrammingError:  # not the owner: keep the indexes, load more slowly
            yield
            return
        try:
            yield
        finally:
            self.commit(None, [(sql, ()) for sql in self.indexes.values()])
            self.refresh_statistics()

    def refresh_statistics(self) -> None:
        """After a load: let the database learn the tables' new contents (the planner's
        statistics, and on PostgreSQL the visibility map that index-only scans need), instead
        of the first queries planning for empty tables until autovacuum comes round."""

    @abstractmethod
    def commit(self, tracking: Tracking | None, statements: Sequence[Statement],
               changes: Sequence[Statement] = ()) -> None:
        """Run ``statements``, then a batch's merged ``changes``, and record ``tracking`` in
        one transaction."""

    @abstractmethod
    def query(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        """Rows of a read-only query, as dicts."""

    @abstractmethod
    def tuples(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Rows of a read-only query, as tuples in the order of its columns: for the reports
        that read thousands of rows per request (a dict per row was most of their time)."""

    @abstractmethod
    def stream(self, sql: str, params: Sequence[Any] = ()) -> Iterator[tuple[Any, ...]]:
        """Rows of a read-only query, as tuples, read from the server a page at a time while
        the caller goes through them (for reads too large to hold at once: read them to the
        end, or close the iterator)."""

    @abstractmethod
    def reset(self, tracking_name: str) -> None:
        """Empty the view's tables and forget its position, in one transaction."""


#: The first statement of a SQLite view's commit: it takes the write lock, waiting (up to
#: ``SQLITE_LOCK_TIMEOUT``) while another process holds it. The library begins a deferred
#: transaction; where two commits' steps read first (``THEN``: the ledger's deferred scoring),
#: the one that read before the other wrote could not write after it: it was refused
#: "database is locked" at once instead of waiting for the other's commit.
_TAKE_WRITE_LOCK = "UPDATE tracking SET notification_id = notification_id WHERE 0"


class SQLiteView(SQLiteTrackingRecorder, SQLView):
    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(), *self.schema]

    def commit(self, tracking: Tracking | None, statements: Sequence[Statement],
               changes: Sequence[Statement] = ()) -> None:
        with self.datastore.transaction(commit=True) as c:
            c.execute(_TAKE_WRITE_LOCK)
            run = _SQLiteRun(c)
            for sql, rows in runs([*statements, *changes]):
                if sql == THEN:
                    for (step,) in rows:
                        step(run)
                else:
                    c.executemany(sql, rows)
            if tracking is not None:
                self._insert_tracking(c, tracking)

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(sql, params)
            return [dict(row) for row in c.fetchall()]

    def tuples(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(sql, params)
            return [tuple(row) for row in c.fetchall()]

    def stream(self, sql: str, params: Sequence[Any] = ()) -> Iterator[tuple[Any, ...]]:
        with self.datastore.transaction(commit=False) as c:
            yield from _SQLiteRun(c).rows(sql, params)

    def reset(self, tracking_name: str) -> None:
        with self.datastore.transaction(commit=True) as c:
            for table in self.tables:
                c.execute(f"DELETE FROM {table}")  # noqa: S608 (a constant table name)
            c.execute("DELETE FROM tracking WHERE application_name = ?", (tracking_name,))


@lru_cache(maxsize=256)
def _set_rows_sql(table: str, key_column: str, sets: tuple[str, ...],
                  adds: tuple[str, ...]) -> str:
    columns = ", ".join(("k", *sets, *adds))
    arrays_sql = ", ".join(["CAST(? AS TEXT[])"] * (1 + len(sets))
                           + ["CAST(? AS BIGINT[])"] * len(adds))
    set_sql = ", ".join([*(f"{c} = v.{c}" for c in sets),
                         *(f"{c} = t.{c} + v.{c}" for c in adds)])
    key_sql = f"t.{key_column} = v.k"
    return (f"UPDATE {table} AS t SET {set_sql} "  # noqa: S608 (the code's own names)
            f"FROM unnest({arrays_sql}) AS v({columns}) WHERE {key_sql}")


@lru_cache(maxsize=256)
def _upsert_rows_sql(table: str, key_columns: tuple[str, ...], columns: tuple[str, ...],
                     update: tuple[str, ...]) -> str:
    names = ", ".join(columns)
    arrays_sql = ", ".join(["CAST(? AS TEXT[])"] * len(columns))
    keys = ", ".join(key_columns)
    set_sql = ("DO UPDATE SET " + ", ".join(f"{c} = excluded.{c}" for c in update)
               if update else "DO NOTHING")
    return (f"INSERT INTO {table} ({names}) SELECT * FROM unnest({arrays_sql}) "  # noqa: S608
            f"ON CONFLICT ({keys}) {set_sql}")


class PostgresView(PostgresTrackingRecorder, SQLView):
    max_tracking_id = within_timeout(PostgresTrackingRecorder.max_tracking_id)
    has_tracking_id = within_timeout(PostgresTrackingRecorder.has_tracking_id)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from psycopg.sql import SQL

        self.sql_create_statements.extend(SQL(statement) for statement in self.schema)  # type: ignore[arg-type]
        #: The pool's connections whose session already reads the view's schema first.
        self._on_path: weakref.WeakSet[Any] = weakref.WeakSet()

    def _create_table(self, curs: Any) -> None:
        curs.execute(f'SET LOCAL search_path TO "{self.datastore.schema}"')
        super()._create_table(curs)

    def refresh_statistics(self) -> None:
        from psycopg import sql

        with self.datastore.get_connection() as conn:  # autocommit: VACUUM needs it
            for table in self.tables:
                conn.execute(sql.SQL("VACUUM (ANALYZE) {}").format(
                    sql.Identifier(self.datastore.schema, table)))

    @contextmanager
    def _connection(self) -> Iterator[Any]:
        """A connection of the view's pool (autocommit) whose session reads the view's schema
        first: set once per connection, so a read is its one statement, with no transaction
        opened and closed around it (three round trips of four)."""
        with self.datastore.get_connection() as conn:
            if conn not in self._on_path:
                conn.execute(f'SET search_path TO "{self.datastore.schema}"')
                self._on_path.add(conn)
            yield conn

    @contextmanager
    def _cursor(self, *, commit: bool) -> Iterator[Any]:
        with self._connection() as conn, conn.transaction(force_rollback=not commit):
            yield conn.cursor()

    def commit(self, tracking: Tracking | None, statements: Sequence[Statement],
               changes: Sequence[Statement] = ()) -> None:
        copies, rest = copyable(statements)
        rest = [*rest, *changes]  # after every insert, COPY or not: they change those rows
        with self._connection() as conn:
            # Append-only rows go by COPY, a table at a time; the rest in one round trip, bound
            # with psycopg's own quoting and sent as one script that the server runs in order
            # (a statement at a time, even pipelined, cost a client wait each). The script is
            # bound before the transaction opens: binding a rewind's hundreds of thousands of
            # statements takes seconds, and the server ends a session idle in a transaction
            # that long (the library's idle-in-transaction timeout, 5 s).
            client = ClientCursor(conn)
            parts: list[str | Callable[[TransactionRun], None]] = []
            for then, group in groupby(rest, key=lambda statement: statement[0] == THEN):
                if then:
                    parts.extend(params[0] for _, params in group)
                else:
                    parts.append(";\n".join(client.mogrify(_postgres_sql(sql), params)
                                             for sql, params in group))
            with conn.transaction():
                curs = conn.cursor()
                if self.derived:  # its WAL need not reach the disk first (see ``derived``)
                    curs.execute("SET LOCAL synchronous_commit TO off")
                _copy(curs, copies)
                for part in parts:
                    if isinstance(part, str):
                        curs.execute(part)
                    else:
                        part(_PostgresRun(curs))
                if tracking is not None:
                    self._insert_tracking(curs, tracking)

    def set_rows(self, table: str, key_column: str, sets: tuple[str, ...],
                 adds: tuple[str, ...], rows: list[Sequence[Any]]) -> list[Statement]:
        # One UPDATE … FROM unnest(arrays) for the lot: the server plans it once, instead of
        # an UPDATE per row (most of a rebuild's statements).
        return [(_set_rows_sql(table, key_column, sets, adds),
                 [list(column) for column in zip(*rows, strict=True)])]

    def upsert_rows(self, table: str, key_columns: tuple[str, ...], columns: tuple[str, ...],
                    update: tuple[str, ...], rows: list[Sequence[Any]]) -> list[Statement]:
        return [(_upsert_rows_sql(table, key_columns, columns, update),
                 [list(column) for column in zip(*rows, strict=True)])]

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        with self._connection() as conn:  # one statement: no transaction around it
            return conn.execute(_postgres_sql(sql), params).fetchall()  # a dict per row

    def tuples(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._connection() as conn:
            curs = conn.cursor(row_factory=tuple_row)
            return curs.execute(_postgres_sql(sql), params).fetchall()

    def stream(self, sql: str, params: Sequence[Any] = ()) -> Iterator[tuple[Any, ...]]:
        with self._cursor(commit=False) as curs:  # a server-side cursor lives in a transaction
            yield from _PostgresRun(curs).rows(sql, params)

    def reset(self, tracking_name: str) -> None:
        """``TRUNCATE``: a delete of every row (the ledger's 7 million at 1M events) took
        seconds and left as many dead rows for the rebuild's vacuum. It holds the tables' lock
        until the commit, which follows at once. A role without the privilege (the
        application role as ``tally db grant-app-role`` made it before it granted that) deletes
        the rows."""
        tables = ", ".join(self.tables)  # the view's own constant names
        with self._cursor(commit=True) as curs:
            try:
                with curs.connection.transaction():  # a savepoint
                    curs.execute(f"TRUNCATE {tables}")  # noqa: S608
            except errors.InsufficientPrivilege:
                for table in self.tables:
                    curs.execute(f"DELETE FROM {table}")  # noqa: S608 (a constant table name)
            curs.execute(
                f'DELETE FROM "{self.tracking_table_name}" WHERE application_name = %s',  # noqa: S608
                (tracking_name,),
            )


def _copy(curs: Any, copies: dict[tuple[str, str], list[Sequence[Any]]]) -> None:
    for (table, columns), rows in copies.items():
        with curs.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


_CURSOR_NAMES = count()


class _PostgresRun:
    """Reads and writes inside a PostgreSQL commit's transaction (for ``THEN`` steps)."""

    postgres = True

    def __init__(self, curs: Any) -> None:
        self.curs = curs

    def rows(self, sql: str, params: Sequence[Any] = ()) -> Iterator[tuple[Any, ...]]:
        # a server-side cursor: a step may read more rows than it should hold at once
        name = f"then_rows_{next(_CURSOR_NAMES)}"  # each read its own, even if one is left open
        with self.curs.connection.cursor(name=name, row_factory=tuple_row) as named:
            named.itersize = 5000
            named.execute(_postgres_sql(sql), params)
            yield from named

    def write(self, statements: Sequence[Statement]) -> None:
        copies, rest = copyable(statements)
        _copy(self.curs, copies)
        for sql, params in rest:
            self.curs.execute(_postgres_sql(sql), params)


class _SQLiteRun:
    """Reads and writes inside a SQLite commit's transaction (for ``THEN`` steps)."""

    postgres = False

    def __init__(self, cursor: Any) -> None:
        self.connection = getattr(cursor, "sqlite_cursor", cursor).connection

    def rows(self, sql: str, params: Sequence[Any] = ()) -> Iterator[tuple[Any, ...]]:
        for row in self.connection.execute(sql, params):
            yield tuple(row)

    def write(self, statements: Sequence[Statement]) -> None:
        for sql, rows in runs(statements):
            self.connection.executemany(sql, rows)
