"""The suite's pool of PostgreSQL schemas (tests/schema_pool.py) hands a test a store as empty
as a new one, and never one a test changed the shape of."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from psycopg import sql

from store.bootstrap import open_tally
from store.settings import DatabaseSettings
from tests.conftest import PG_ADMIN, _drop_schema, _make_schema, event_count
from tests.report_history import office_history
from tests.schema_pool import SchemaPool

pytestmark = pytest.mark.postgres


@pytest.fixture
def pool(postgres_available: bool) -> Iterator[SchemaPool]:
    if not postgres_available:
        pytest.skip("PostgreSQL is not reachable (it never skips with CI=true)")
    pool = SchemaPool(PG_ADMIN, _make_schema, _drop_schema)
    yield pool
    for schema in list(pool.made):
        _drop_schema(schema)


def settings(schema: str) -> DatabaseSettings:
    return DatabaseSettings(f"{PG_ADMIN}?schema={schema}")


def exists(schema: str) -> bool:
    with psycopg.connect(PG_ADMIN) as conn:
        return conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s",
                            (schema,)).fetchone() is not None


def rows(schema: str, table: str) -> list[tuple[object, ...]]:
    with psycopg.connect(PG_ADMIN) as conn:
        return conn.execute(sql.SQL("SELECT * FROM {} ORDER BY 1").format(
            sql.Identifier(schema, table))).fetchall()


def test_a_schema_given_back_is_taken_again_as_empty_as_a_new_one(pool: SchemaPool) -> None:
    schema = pool.take()
    layouts = rows(schema, "view_layouts")
    app = open_tally(settings(schema))
    office_history(app)
    first = event_count(app)
    app.close()
    pool.give_back(schema)

    assert pool.take() == schema
    assert rows(schema, "view_layouts") == layouts
    app = open_tally(settings(schema))
    assert event_count(app) == 0
    office_history(app)
    assert event_count(app) == first  # the notification ids start again at 1
    app.close()


@pytest.mark.parametrize("change", [
    'ALTER TABLE "{schema}".tally_events DISABLE TRIGGER ALL',
    'ALTER TABLE "{schema}".view_layouts ADD COLUMN extra TEXT',
    'CREATE INDEX extra ON "{schema}".view_layouts ((1))',
    'GRANT SELECT ON "{schema}".view_layouts TO PUBLIC',
])
def test_a_schema_whose_shape_a_test_changed_is_dropped_not_reused(
        pool: SchemaPool, change: str) -> None:
    schema = pool.take()
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(change.format(schema=schema))
    pool.give_back(schema)

    assert not exists(schema)
    assert pool.take() != schema
