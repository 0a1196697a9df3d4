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


def init_database(settings: DatabaseSettings | None = None) -> list[str]:
    """Create every table Tally needs; run once, before any worker starts, and again after
    an upgrade. Returns the projections whose tables an earlier release made otherwise: they
    are emptied, to be projected again (``tally rebuild``)."""
    settings = settings or DatabaseSettings.from_environment()
    if settings.backend == "postgres":
        _create_schema(settings)
    app = Tally(env=settings.eventsourcing_env(create_table=True))
    app.close()
    from projections.registry import PROJECTIONS
    from projections.runner import renew_changed

    renewed = [projection_class.name for projection_class, views in PROJECTIONS
               if renew_changed(settings, projection_class.name, views)]
    from store.credentials import open_credentials
    from store.import_runs import open_import_runs

    open_credentials(settings, create_table=True).datastore.close()
    open_import_runs(settings, create_table=True).datastore.close()
    return renewed


def grant_app_role(settings: DatabaseSettings, role: str, password: str | None = None) -> bool:
    """Create (if need be) a PostgreSQL login role for the running application, that may read
    and append to the event log and its chain but never update, delete or truncate them, and
    may read and write the tracking and read-model tables. Returns whether it was created.

    Run it as the tables' owner after ``tally db init`` (again after an init adds tables)."""
    import psycopg
    from psycopg import sql

    from store.guard import AppRoleError, grant_app_role_statements

    if settings.backend != "postgres":
        raise AppRoleError("SQLite has no roles: protect the database file with file permissions")
    if not role or len(role) > 63:
        raise AppRoleError("a role name has 1 to 63 characters")
    app = open_tally(settings)
    guarded = app.recorder.guarded_tables  # type: ignore[attr-defined]
    app.close()
    env = settings.eventsourcing_env()
    schema = env["POSTGRES_SCHEMA"]
    with psycopg.connect(
        dbname=env["POSTGRES_DBNAME"], host=env["POSTGRES_HOST"], port=env["POSTGRES_PORT"],
        user=env["POSTGRES_USER"], password=env["POSTGRES_PASSWORD"],
    ) as conn, conn.transaction():
        found = conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s",
                             (role,)).fetchone()
        if found and found[0]:
            raise AppRoleError(f"{role} is a superuser, which no trigger or grant can restrain: "
                               "name an ordinary role")
        if found is None:
            create = sql.SQL("CREATE ROLE {role} LOGIN").format(role=sql.Identifier(role))
            if password:
                create += sql.SQL(" PASSWORD {password}").format(password=sql.Literal(password))
            conn.execute(create)
        tables = [name for (name,) in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = %s ORDER BY tablename", (schema,))]
        others = [name for name in tables if name not in guarded]
        for statement in grant_app_role_statements(schema, guarded[0], guarded, others, role):
            conn.execute(statement)
    return found is None


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
