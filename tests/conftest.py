"""Fixtures shared by the suite: every store-backed test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest

from domain.application import CommandMeta, Tally
from store.bootstrap import init_database, open_tally
from store.settings import DatabaseSettings
from tests.schema_pool import SchemaPool

PG_ADMIN = os.environ.get("TALLY_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def postgres_reachable() -> bool:
    try:
        with psycopg.connect(PG_ADMIN, connect_timeout=3):
            return True
    except psycopg.OperationalError:
        return False


@pytest.fixture(scope="session")
def postgres_available() -> bool:
    if postgres_reachable():
        return True
    if IN_CI:
        pytest.fail(f"CI=true but PostgreSQL is unreachable at {PG_ADMIN}")
    return False


def _drop_schema(schema: str) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def _make_schema(schema: str) -> None:
    init_database(DatabaseSettings(f"{PG_ADMIN}?schema={schema}"))


#: This test process's PostgreSQL stores, made once and emptied between tests.
SCHEMAS = SchemaPool(PG_ADMIN, _make_schema, _drop_schema)


@contextmanager
def fresh_store(backend: str, request: pytest.FixtureRequest,
                tmp_path: Path) -> Iterator[DatabaseSettings]:
    """Settings of a fresh, initialised store: a SQLite file or a PostgreSQL schema."""
    if backend == "sqlite":
        settings = DatabaseSettings(f"sqlite:///{tmp_path / 'tally.db'}")
        init_database(settings)
        yield settings
        return
    if not request.getfixturevalue("postgres_available"):
        pytest.skip("PostgreSQL is not reachable (it never skips with CI=true)")
    schema = SCHEMAS.take()
    try:
        yield DatabaseSettings(f"{PG_ADMIN}?schema={schema}")
    finally:
        SCHEMAS.give_back(schema)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[DatabaseSettings]:
    """A fresh store on each backend: the test runs once on SQLite, once on PostgreSQL."""
    with fresh_store(request.param, request, tmp_path) as settings:
        yield settings


@pytest.fixture
def postgres_database(request: pytest.FixtureRequest,
                      tmp_path: Path) -> Iterator[DatabaseSettings]:
    """A fresh PostgreSQL store, for what only a server can show (several processes)."""
    with fresh_store("postgres", request, tmp_path) as settings:
        yield settings


@pytest.fixture
def app(database: DatabaseSettings) -> Iterator[Tally]:
    tally = open_tally(database)
    yield tally
    tally.close()


@pytest.fixture
def meta() -> CommandMeta:
    return CommandMeta(actor="admin")


class ModuleStores:
    """Initialised stores that live as long as a module's fixture: a SQLite file or a
    PostgreSQL schema each, the schemas given back to the pool on ``close``."""

    def __init__(self, folder: Path, prefix: str) -> None:
        self.folder = folder
        self.prefix = prefix
        self.schemas: list[str] = []

    def fresh(self, backend: str) -> DatabaseSettings:
        if backend == "sqlite":
            settings = DatabaseSettings(f"sqlite:///{self.folder / f'{self.prefix}.db'}")
        else:
            schema = SCHEMAS.take()
            self.schemas.append(schema)
            return DatabaseSettings(f"{PG_ADMIN}?schema={schema}")
        init_database(settings)
        return settings

    def close(self) -> None:
        for schema in self.schemas:
            SCHEMAS.give_back(schema)


def event_count(app: Tally) -> int:
    return app.recorder.max_notification_id() or 0


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The files that hold long tests (marked ``slow``) first, each file's tests in their own
    order: with ``--dist loadfile --no-loadscope-reorder`` (scripts/test) a worker takes a
    whole file, so its module-scoped stores are built once, and the long files start early
    instead of leaving one worker to finish the suite alone (xdist's own reorder puts the
    files with the most tests first, and the single long tests last)."""
    slow_files = {item.path for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.path not in slow_files)


#: The catalogs every store's schema adds rows to and its drop leaves dead.
CATALOGS = ("pg_class", "pg_attribute", "pg_attrdef", "pg_constraint", "pg_depend", "pg_index",
            "pg_type", "pg_namespace", "pg_sequence", "pg_trigger", "pg_proc", "pg_description",
            "pg_statistic", "pg_shdepend")


def vacuum_catalogs() -> None:
    """The suite creates and drops a schema for almost every store, a few thousand a run.
    Where autovacuum is off (as on this project's CI machines), the catalogs' dead rows pile
    up run after run, and every CREATE and DROP of the suite slows with them (one run left
    1.5 million dead rows in pg_attribute; the next runs took 25 % longer). Vacuuming them
    before and after a run keeps that bounded; without the right (not a superuser) the
    server skips them with a warning, and an unreachable server is the tests' to report."""
    try:
        with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3) as conn:
            conn.execute("SET client_min_messages = error")
            conn.execute("VACUUM " + ", ".join(f"pg_catalog.{name}" for name in CATALOGS))
    except psycopg.Error:
        pass


def pytest_sessionstart(session: pytest.Session) -> None:
    if not hasattr(session.config, "workerinput"):  # once, in the controlling process
        vacuum_catalogs()


def pytest_sessionfinish(session: pytest.Session) -> None:
    SCHEMAS.close()
    if not hasattr(session.config, "workerinput"):
        vacuum_catalogs()
