"""The database guard: the log, its chain and checkpoints refuse UPDATE and DELETE (and TRUNCATE
on PostgreSQL), also for the application role, while the read models stay writable."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from domain.application import Tally
from projections.registry import open_projections
from projections.runner import catch_up, rebuild
from store.bootstrap import grant_app_role, open_tally
from store.guard import AppRoleError
from store.settings import DatabaseSettings
from store.verify import verify_chain
from tests.conftest import PG_ADMIN
from tests.test_integrity import record_units, tally_command

GUARDED = {"sqlite": ["stored_events", "stored_events_chain", "stored_events_checkpoints"],
           "postgres": ["tally_events", "tally_events_chain", "tally_events_checkpoints"]}
CHANGES = ["UPDATE {table} SET notification_id = notification_id",
           "DELETE FROM {table}"]


def owner_connection(settings: DatabaseSettings) -> Any:
    if settings.backend == "sqlite":
        return sqlite3.connect(settings.sqlite_path, isolation_level=None)
    conn = psycopg.connect(PG_ADMIN, autocommit=True)
    conn.execute(f'SET search_path TO "{settings.eventsourcing_env()["POSTGRES_SCHEMA"]}"')
    return conn


def change(statement: str, table: str, backend: str) -> str:
    if table.endswith("events") and backend == "sqlite":
        statement = statement.replace("notification_id", "rowid")
    return statement.format(table=table)


def test_the_log_its_chain_and_checkpoints_refuse_update_and_delete(
    app: Tally, database: DatabaseSettings
) -> None:
    record_units(app, 3)
    app.recorder.write_checkpoint()
    refused = sqlite3.IntegrityError if database.backend == "sqlite" else \
        psycopg.errors.InsufficientPrivilege
    conn = owner_connection(database)
    for table in GUARDED[database.backend]:
        for statement in CHANGES:
            with pytest.raises(refused, match="append-only"):
                conn.execute(change(statement, table, database.backend))
    conn.close()
    assert verify_chain(app.recorder).events == 3


@pytest.mark.postgres
def test_truncate_is_refused_on_postgresql(postgres_database: DatabaseSettings) -> None:
    conn = owner_connection(postgres_database)
    for table in GUARDED["postgres"]:
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="TRUNCATE refused"):
            conn.execute(f"TRUNCATE {table}")
    conn.close()


def test_read_models_are_not_guarded_they_update_and_rebuild(
    app: Tally, database: DatabaseSettings
) -> None:
    record_units(app, 3)
    for projection in open_projections(database).values():
        assert catch_up(app, projection) == 3
        assert rebuild(app, projection) == 3
        projection.view.datastore.close()  # type: ignore[attr-defined]


# The application role ----------------------------------------------------------------------------


@pytest.fixture
def app_role(postgres_database: DatabaseSettings) -> Iterator[tuple[str, DatabaseSettings]]:
    """A fresh application role, and the store's settings connecting as that role."""
    role, password = f"tally_app_{uuid.uuid4().hex[:10]}", "app-secret"
    assert grant_app_role(postgres_database, role, password) is True
    parts = urlsplit(postgres_database.url)
    netloc = f"{role}:{password}@{parts.hostname}:{parts.port or 5432}"
    try:
        yield role, DatabaseSettings(urlunsplit(parts._replace(netloc=netloc)))
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP OWNED BY "{role}"')
            conn.execute(f'DROP ROLE "{role}"')


@pytest.mark.postgres
def test_the_application_role_appends_and_projects_but_cannot_rewrite_the_log(
    app_role: tuple[str, DatabaseSettings],
) -> None:
    role, as_role = app_role
    app = open_tally(as_role)
    record_units(app, 4)
    assert app.recorder.write_checkpoint() is not None
    for projection in open_projections(as_role).values():
        assert rebuild(app, projection) == 4
        projection.view.datastore.close()  # type: ignore[attr-defined]
    assert verify_chain(app.recorder).events == 4
    app.close()

    schema = as_role.eventsourcing_env()["POSTGRES_SCHEMA"]
    with psycopg.connect(PG_ADMIN.replace("postgres@", f"{role}:app-secret@", 1),
                         autocommit=True) as conn:
        assert conn.execute("SELECT current_user").fetchone() == (role,)
        conn.execute(f'SET search_path TO "{schema}"')
        for table in GUARDED["postgres"]:
            for statement in [*CHANGES, "TRUNCATE {table}"]:
                with pytest.raises(psycopg.errors.InsufficientPrivilege,
                                   match="permission denied"):
                    conn.execute(change(statement, table, "postgres"))
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="must be owner"):
                conn.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("SET session_replication_role = replica")
        assert conn.execute("SELECT count(*) FROM tally_events").fetchone() == (4,)


@pytest.mark.postgres
def test_an_application_role_made_before_it_could_truncate_still_rebuilds(
    app_role: tuple[str, DatabaseSettings],
) -> None:
    """A rebuild empties the read models with TRUNCATE; a role granted by an earlier release
    may only delete their rows, and does."""
    role, as_role = app_role
    app = open_tally(as_role)
    record_units(app, 3)
    schema = as_role.eventsourcing_env()["POSTGRES_SCHEMA"]
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'REVOKE TRUNCATE ON ALL TABLES IN SCHEMA "{schema}" FROM "{role}"')
    for projection in open_projections(as_role).values():
        assert catch_up(app, projection) == 3
        rows = {table: projection.view.query(f"SELECT * FROM {table}")  # noqa: S608
                for table in projection.view.tables}
        assert rebuild(app, projection) == 3
        assert {table: projection.view.query(f"SELECT * FROM {table}")  # noqa: S608
                for table in projection.view.tables} == rows  # emptied, then filled once
        projection.view.datastore.close()  # type: ignore[attr-defined]
    app.close()


@pytest.mark.postgres
def test_grant_app_role_command_gives_no_rewrite_privilege(
    postgres_database: DatabaseSettings,
) -> None:
    role = f"tally_app_{uuid.uuid4().hex[:10]}"
    result = tally_command("db", "grant-app-role", role, url=postgres_database.url)
    schema = postgres_database.eventsourcing_env()["POSTGRES_SCHEMA"]
    try:
        assert result.returncode == 0, result.stdout + result.stderr
        with psycopg.connect(PG_ADMIN) as conn:
            def may(table: str, privilege: str) -> bool:
                row = conn.execute("SELECT has_table_privilege(%s, %s, %s)",
                                   (role, f'"{schema}".{table}', privilege)).fetchone()
                return bool(row and row[0])

            for table in GUARDED["postgres"]:
                assert may(table, "SELECT") and may(table, "INSERT")
                assert not any(may(table, p) for p in ("UPDATE", "DELETE", "TRUNCATE"))
            for table in ("notification_tracking", "ledger"):
                assert all(may(table, p) for p in ("SELECT", "INSERT", "UPDATE", "DELETE",
                                                   "TRUNCATE"))
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP OWNED BY "{role}"')
            conn.execute(f'DROP ROLE IF EXISTS "{role}"')


def test_an_application_role_is_refused_on_sqlite_and_for_a_superuser(
    database: DatabaseSettings,
) -> None:
    if database.backend == "sqlite":
        with pytest.raises(AppRoleError, match="SQLite has no roles"):
            grant_app_role(database, "tally_app")
    else:
        with pytest.raises(AppRoleError, match="superuser"):
            grant_app_role(database, "postgres")
