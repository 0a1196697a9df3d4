"""The one place that maps domain errors to HTTP statuses and to command-line messages."""

from __future__ import annotations

import sqlite3

import psycopg
from eventsourcing.persistence import PersistenceError
from psycopg_pool import PoolTimeout

from domain.errors import (
    AlreadyExistsError,
    ConflictError,
    IdempotencyKeyReusedError,
    InvalidInputError,
    InvariantError,
    NotAuthenticatedError,
    NotAuthorisedError,
    NotFoundError,
    StoreNotInitialisedError,
    TallyError,
    TooManyAttemptsError,
)
from store.chain import RestoreRefusedError
from store.guard import AppRoleError
from store.logfile import LogFileError
from store.settings import DatabaseURLError

# The first matching class decides, so subclasses come before their bases.
HTTP_STATUS: tuple[tuple[type[Exception], int], ...] = (
    (InvalidInputError, 422),
    (NotFoundError, 404),
    (AlreadyExistsError, 409),
    (ConflictError, 409),
    (IdempotencyKeyReusedError, 409),
    (InvariantError, 409),
    (NotAuthenticatedError, 401),
    (NotAuthorisedError, 403),
    (TooManyAttemptsError, 429),
    (StoreNotInitialisedError, 503),
    (TallyError, 400),
)


def http_status(error: TallyError) -> int:
    for error_type, status in HTTP_STATUS:
        if isinstance(error, error_type):
            return status
    return 400


#: Failures of the database itself (down, restarting, unreachable, pool exhausted): the request
#: answers 503 within the pool's bounded wait, and a command may be retried with its key.
UNAVAILABLE: tuple[type[Exception], ...] = (
    PersistenceError, psycopg.OperationalError, psycopg.InterfaceError, PoolTimeout,
    sqlite3.OperationalError,
)
UNAVAILABLE_MESSAGE = (
    "the database is not answering; try again shortly. A command sent with an Idempotency-Key "
    "can be repeated safely: it is recorded at most once")


def unavailable_body() -> dict[str, str | None]:
    return {"error": "DatabaseUnavailableError", "field": None, "message": UNAVAILABLE_MESSAGE}


def cli_message(error: Exception) -> str:
    """One line for the terminal, naming the field where there is one."""
    if isinstance(error, TallyError):
        where = f" [{error.field}]" if error.field else ""
        return f"{type(error).__name__}{where}: {error.message}"
    if isinstance(error, DatabaseURLError):
        return f"DatabaseURLError: {error}"
    return f"{type(error).__name__}: {error}"


CLI_ERRORS: tuple[type[Exception], ...] = (TallyError, DatabaseURLError, LogFileError,
                                           RestoreRefusedError, AppRoleError)
