"""The one place that wires settings, the event store and the application together."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from domain.application import Tally
from store.settings import DatabaseSettings


def open_tally(
    settings: DatabaseSettings | None = None,
    *,
    clock: Callable[[], datetime] | None = None,
    extra_env: dict[str, str] | None = None,
) -> Tally:
    """The write model on the configured database; the tables must exist (``tally db init``)."""
    settings = settings or DatabaseSettings.from_environment()
    env = settings.eventsourcing_env()
    env.update(extra_env or {})
    return Tally(env=env, clock=clock)


def init_database(settings: DatabaseSettings | None = None) -> None:
    """Create every table Tally needs; run once, before any worker starts."""
    settings = settings or DatabaseSettings.from_environment()
    if settings.backend == "postgres":
        _create_schema(settings)
    app = Tally(env=settings.eventsourcing_env(create_table=True))
    app.close()
    from projections.registry import PROJECTIONS
    from projections.runner import open_view

    for _projection_class, views in PROJECTIONS:
        open_view(settings, views, create_table=True).datastore.close()  # type: ignore[attr-defined]


def _create_schema(settings: DatabaseSettings) -> None:
    import psycopg
    from psycopg import sql

    env = settings.eventsourcing_env()
    with psycopg.connect(
        dbname=env["POSTGRES_DBNAME"], host=env["POSTGRES_HOST"], port=env["POSTGRES_PORT"],
        user=env["POSTGRES_USER"], password=env["POSTGRES_PASSWORD"], autocommit=True,
    ) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(
            sql.Identifier(env["POSTGRES_SCHEMA"])))
