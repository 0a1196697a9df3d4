"""One documented variable, ``TALLY_DATABASE_URL``, mapped onto the eventsourcing settings.

* ``sqlite:///tally.db`` (the default: a file in the working directory, no server), or
  ``sqlite:////abs/path/tally.db``, or ``sqlite://:memory:`` for throw-away stores;
* ``postgresql://user:password@host:port/dbname?schema=name`` for PostgreSQL.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

DEFAULT_URL = "sqlite:///tally.db"
URL_VARIABLE = "TALLY_DATABASE_URL"


class DatabaseURLError(ValueError):
    """The database URL cannot be understood."""


@dataclass(frozen=True)
class DatabaseSettings:
    url: str

    @classmethod
    def from_environment(cls) -> DatabaseSettings:
        return cls(os.environ.get(URL_VARIABLE) or DEFAULT_URL)

    @property
    def backend(self) -> str:
        scheme = urlsplit(self.url).scheme
        if scheme == "sqlite":
            return "sqlite"
        if scheme in ("postgresql", "postgres"):
            return "postgres"
        raise DatabaseURLError(
            f"{URL_VARIABLE}: unknown scheme {scheme!r}; use sqlite:/// or postgresql://"
        )

    def eventsourcing_env(self, *, create_table: bool = False) -> dict[str, str]:
        """The environment the eventsourcing library reads to build its infrastructure."""
        env = {"CREATE_TABLE": "y" if create_table else "n"}
        if self.backend == "sqlite":
            env.update(PERSISTENCE_MODULE="store.sqlite:Factory", SQLITE_DBNAME=self.sqlite_path)
            env["SQLITE_LOCK_TIMEOUT"] = "30"
            return env
        parts = urlsplit(self.url)
        if not parts.path.strip("/"):
            raise DatabaseURLError(f"{URL_VARIABLE}: the PostgreSQL URL names no database")
        query = parse_qs(parts.query)
        env.update(
            PERSISTENCE_MODULE="store.postgres:Factory",
            POSTGRES_DBNAME=unquote(parts.path.lstrip("/")),
            POSTGRES_HOST=parts.hostname or "127.0.0.1",
            POSTGRES_PORT=str(parts.port or 5432),
            POSTGRES_USER=unquote(parts.username or "postgres"),
            POSTGRES_PASSWORD=unquote(parts.password or ""),
            POSTGRES_SCHEMA=query.get("schema", ["public"])[0],
            # A request waits at most this long for a connection, then answers 503.
            POSTGRES_CONNECT_TIMEOUT=query.get("connect_timeout", ["5"])[0],
            # Check a pooled connection before use, so one broken by a server restart is
            # replaced instead of failing the request.
            POSTGRES_PRE_PING=query.get("pre_ping", ["y"])[0],
            # Connections open when needed: every view has a pool of its own.
            POSTGRES_POOL_SIZE=query.get("pool_size", ["1"])[0],
            POSTGRES_MAX_OVERFLOW=query.get("max_overflow", ["9"])[0],
            POSTGRES_LOCK_TIMEOUT="10",
        )
        return env

    @property
    def sqlite_path(self) -> str:
        rest = self.url[len("sqlite://"):]
        if rest in (":memory:", "/:memory:"):
            # A named shared-cache memory database, so every pooled connection sees it.
            return f"file:tally-{id(self)}?mode=memory&cache=shared"
        if not rest.startswith("/"):
            raise DatabaseURLError(f"{URL_VARIABLE}: write sqlite:///relative.db or sqlite:////abs.db")
        path = rest[1:]
        if not path:
            raise DatabaseURLError(f"{URL_VARIABLE}: the SQLite URL names no file")
        return path
