"""PostgreSQL schemas made once per test process and emptied between tests.

Making a store's schema costs the server 0.25-0.5 s (45 tables, their indexes and triggers),
and the suite takes a fresh store on PostgreSQL some 380 times (the rest share a module's
stores). Emptying a schema a test is done with costs about 0.03 s: every table's rows are
deleted (the append-only triggers are bypassed by ``session_replication_role = replica``,
which takes a superuser, as the suite's server gives), the sequences start again, and the
rows ``init_database`` wrote are put back.

A schema is reused only if the test left it as it was made: its tables, columns, indexes,
constraints, triggers (and whether each is enabled), functions, owners and grants are compared
with what they were after ``init_database``. A test that changed any of these, or wrote many
rows (their dead tuples would slow later tests where autovacuum is off), or whose schema
cannot be emptied (a lock held too long), has its schema dropped, as before there was a pool.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import sql

#: Rows a reused schema may have had deleted over its life before it is dropped instead:
#: without autovacuum (as on CI) their dead tuples and index entries stay.
ROWS_PER_SCHEMA = 20_000

#: What makes a schema the same as the one ``init_database`` made, as one sorted text.
SHAPE = """
SELECT string_agg(line, E'\\n' ORDER BY line) FROM (
  SELECT 'n:' || pg_get_userbyid(n.nspowner) || ':' || coalesce(n.nspacl::text, '') AS line
    FROM pg_namespace n WHERE n.oid = %(schema)s::regnamespace
  UNION ALL
  SELECT 'c:' || c.relname || ':' || c.relkind::text || ':' || pg_get_userbyid(c.relowner) || ':'
         || coalesce(c.relacl::text, '')
    FROM pg_class c WHERE c.relnamespace = %(schema)s::regnamespace
  UNION ALL
  SELECT 'a:' || c.relname || ':' || a.attnum || ':' || a.attname || ':'
         || format_type(a.atttypid, a.atttypmod) || ':' || a.attnotnull || ':' || a.attisdropped
         || ':' || coalesce(pg_get_expr(d.adbin, d.adrelid), '')
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
   WHERE c.relnamespace = %(schema)s::regnamespace AND a.attnum > 0
  UNION ALL
  SELECT 'i:' || pg_get_indexdef(i.indexrelid)
    FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
   WHERE c.relnamespace = %(schema)s::regnamespace
  UNION ALL
  SELECT 'k:' || c.relname || ':' || k.conname || ':' || pg_get_constraintdef(k.oid)
    FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
   WHERE k.connamespace = %(schema)s::regnamespace
  UNION ALL
  SELECT 't:' || c.relname || ':' || t.tgname || ':' || t.tgenabled::text || ':'
         || pg_get_triggerdef(t.oid)
    FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
   WHERE c.relnamespace = %(schema)s::regnamespace
  UNION ALL
  SELECT 'p:' || p.proname || ':' || md5(pg_get_functiondef(p.oid)) || ':'
         || coalesce(p.proacl::text, '')
    FROM pg_proc p WHERE p.pronamespace = %(schema)s::regnamespace
) AS shape
"""

TABLES = "SELECT tablename FROM pg_tables WHERE schemaname = %s ORDER BY tablename"

RESTART_SEQUENCES = """
SELECT setval(format('%%I.%%I', schemaname, sequencename)::regclass, start_value, false)
  FROM pg_sequences WHERE schemaname = %s
"""


@dataclass
class Made:
    """A pooled schema as ``init_database`` left it."""

    shape: str
    tables: list[str]
    rows: dict[str, tuple[list[str], list[tuple[Any, ...]]]]
    deleted: int = field(default=0)


class SchemaPool:
    """Schemas of one test process: ``take`` one made and empty, ``give_back`` it after."""

    def __init__(self, admin_url: str, make: Callable[[str], None],
                 drop: Callable[[str], None]) -> None:
        self.admin_url = admin_url
        self.make = make
        self.drop = drop
        self.free: list[str] = []
        self.made: dict[str, Made] = {}
        self.enabled: bool | None = None

    def take(self) -> str:
        if self.free:
            return self.free.pop()
        schema = f"t_{uuid.uuid4().hex[:12]}"
        self.make(schema)
        if self._may_pool():
            with psycopg.connect(self.admin_url, autocommit=True) as conn:
                self.made[schema] = Made(self._shape(conn, schema), *self._rows(conn, schema))
        return schema

    def give_back(self, schema: str) -> None:
        made = self.made.get(schema)
        if made is None or not self._emptied(schema, made):
            self.made.pop(schema, None)
            self.drop(schema)
            return
        self.free.append(schema)

    def close(self) -> None:
        for schema in self.free:
            self.drop(schema)
        self.free.clear()
        self.made.clear()

    def _may_pool(self) -> bool:
        if self.enabled is None:
            with psycopg.connect(self.admin_url, autocommit=True) as conn:
                found = conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user"
                                     ).fetchone()
            self.enabled = bool(found and found[0])
        return self.enabled

    @staticmethod
    def _shape(conn: psycopg.Connection[Any], schema: str) -> str:
        found = conn.execute(SHAPE, {"schema": schema}).fetchone()
        return found[0] if found else ""

    @staticmethod
    def _rows(conn: psycopg.Connection[Any], schema: str
              ) -> tuple[list[str], dict[str, tuple[list[str], list[tuple[Any, ...]]]]]:
        tables = [name for (name,) in conn.execute(TABLES, (schema,))]
        rows = {}
        for table in tables:
            cursor = conn.execute(sql.SQL("SELECT * FROM {}").format(sql.Identifier(schema, table)))
            found = cursor.fetchall()
            if found:
                rows[table] = ([column.name for column in cursor.description or ()], found)
        return tables, rows

    def _emptied(self, schema: str, made: Made) -> bool:
        """Empty ``schema`` as ``init_database`` left it; False if it may not be reused."""
        try:
            with psycopg.connect(self.admin_url, autocommit=True) as conn, conn.transaction():
                conn.execute("SET LOCAL lock_timeout = '5s'")
                if self._shape(conn, schema) != made.shape:
                    return False
                conn.execute("SET LOCAL session_replication_role = replica")
                for table in made.tables:
                    deleted = conn.execute(
                        sql.SQL("DELETE FROM {}").format(sql.Identifier(schema, table)))
                    made.deleted += deleted.rowcount
                made.deleted -= sum(len(rows) for _, rows in made.rows.values())
                if made.deleted > ROWS_PER_SCHEMA:
                    return False
                conn.execute(RESTART_SEQUENCES, (schema,))
                for table, (columns, rows) in made.rows.items():
                    insert = sql.SQL("INSERT INTO {} ({}) VALUES ({})").format(
                        sql.Identifier(schema, table),
                        sql.SQL(", ").join(map(sql.Identifier, columns)),
                        sql.SQL(", ").join(sql.Placeholder() * len(columns)))
                    conn.cursor().executemany(insert, rows)
        except psycopg.Error:
            return False
        return True
