"""The database guard: the event log and its hash chain are append-only, in the database itself.

On both backends triggers refuse UPDATE and DELETE on the events, chain and checkpoint tables;
on PostgreSQL a statement-level trigger refuses TRUNCATE too, and ``grant_app_role`` makes a
role for the running application that may read and append to those tables but holds no UPDATE,
DELETE or TRUNCATE privilege on them (it keeps full rights on the tracking and read-model tables,
which projections update and ``tally rebuild`` empties). Someone with full rights on the database
can still drop a trigger; the hash chain (``tally verify``) is what catches that.
"""

from __future__ import annotations

from collections.abc import Sequence

from psycopg import sql


class AppRoleError(Exception):
    """The application role cannot be made as asked."""


REFUSAL = "is append-only: the event log and its hash chain are never updated or deleted"


def sqlite_guard_statements(tables: Sequence[str]) -> list[str]:
    """Triggers that refuse UPDATE and DELETE on each of ``tables`` (constant names)."""
    statements = []
    for table in tables:
        for operation in ("UPDATE", "DELETE"):
            statements.append(
                f"CREATE TRIGGER IF NOT EXISTS {table}_no_{operation.lower()} "
                f"BEFORE {operation} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{operation} refused: {table} {REFUSAL}'); END"
            )
    return statements


def postgres_guard_statements(schema: str, events_table: str,
                              tables: Sequence[str]) -> list[sql.Composed]:
    """A function that refuses, and one statement-level trigger per table that calls it before
    any UPDATE, DELETE or TRUNCATE (statement-level, so it fires even when no row matches)."""
    function = sql.Identifier(schema, f"{events_table}_refuse_change")
    statements = [
        sql.SQL(
            "CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $guard$ "
            "BEGIN RAISE EXCEPTION '% refused: %.% {refusal}', "
            "TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege'; "
            "END $guard$"
        ).format(function=function, refusal=sql.SQL(REFUSAL))
    ]
    for table in tables:
        statements.append(
            sql.SQL(
                "CREATE OR REPLACE TRIGGER {trigger} BEFORE UPDATE OR DELETE OR TRUNCATE "
                "ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
            ).format(trigger=sql.Identifier(f"{table}_append_only"),
                     table=sql.Identifier(schema, table), function=function)
        )
    return statements


def postgres_lock_function_statements(schema: str, events_table: str) -> list[sql.Composed]:
    """``<events>_lock()``: takes the library's EXCLUSIVE lock on the events table for the caller.

    PostgreSQL lets a role take an EXCLUSIVE lock only if it may UPDATE, DELETE or TRUNCATE the
    table; the application role may not, so it takes the lock through this function, which runs
    with its owner's rights (SECURITY DEFINER, with a fixed search path). The lock is held until
    the caller's transaction ends, as the library's own LOCK TABLE is."""
    function = sql.Identifier(schema, f"{events_table}_lock")
    return [
        sql.SQL(
            "CREATE OR REPLACE FUNCTION {function}() RETURNS void LANGUAGE plpgsql "
            "SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $lock$ "
            "BEGIN LOCK TABLE {table} IN EXCLUSIVE MODE; END $lock$"
        ).format(function=function, table=sql.Identifier(schema, events_table)),
        sql.SQL("REVOKE ALL ON FUNCTION {function}() FROM PUBLIC").format(function=function),
    ]


def grant_app_role_statements(schema: str, events_table: str, guarded: Sequence[str],
                              other_tables: Sequence[str], role: str) -> list[sql.Composed]:
    """Privileges of the application role: read and append on the log and its chain; read and
    write on everything else in the schema (tracking and read models)."""
    who = sql.Identifier(role)
    names = sql.SQL(", ").join(sql.Identifier(schema, table) for table in guarded)
    statements = [
        sql.SQL("GRANT USAGE ON SCHEMA {schema} TO {who}").format(
            schema=sql.Identifier(schema), who=who),
        sql.SQL("REVOKE ALL ON {names} FROM {who}").format(names=names, who=who),
        sql.SQL("GRANT SELECT, INSERT ON {names} TO {who}").format(names=names, who=who),
        sql.SQL("GRANT EXECUTE ON FUNCTION {function}() TO {who}").format(
            function=sql.Identifier(schema, f"{events_table}_lock"), who=who),
        # nextval() for the notification id needs USAGE only; setval() (restore) needs UPDATE.
        sql.SQL("GRANT USAGE ON SEQUENCE {sequence} TO {who}").format(
            sequence=sql.Identifier(schema, f"{events_table}_notification_id_seq"), who=who),
    ]
    if other_tables:
        others = sql.SQL(", ").join(sql.Identifier(schema, table) for table in other_tables)
        # TRUNCATE: a rebuild empties the read models so (``SQLView.reset``)
        statements.append(sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON {others} "
                                  "TO {who}")
                          .format(others=others, who=who))
    return statements
