"""Secrets that must never enter the event log: password hashes, API tokens and failed logins.

The log is immutable and exported whole (``tally export-log``), so a password hash written there
could never be changed or erased. Accounts and their roles are events (``domain.account``); what
proves who someone is lives here, in plain tables beside the read models, written with
parameters only. Tokens are kept as SHA-256 digests: the token itself is shown once."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from projections.view import PostgresView, SQLiteView, SQLView
from store.settings import DatabaseSettings

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS tally_credentials ("
    " username TEXT PRIMARY KEY, password_hash TEXT NOT NULL, changed_at TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS tally_api_tokens ("
    " token_digest TEXT PRIMARY KEY, username TEXT NOT NULL, label TEXT NOT NULL,"
    " created_at TEXT NOT NULL, expires_at TEXT NOT NULL, revoked_at TEXT)",
    "CREATE INDEX IF NOT EXISTS tally_api_tokens_user ON tally_api_tokens (username)",
    "CREATE TABLE IF NOT EXISTS tally_login_failures ("
    " username TEXT NOT NULL, failed_at TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS tally_login_failures_user"
    " ON tally_login_failures (username, failed_at)",
)


def utc_stamp(moment: datetime) -> str:
    """UTC instants as fixed-width ISO text, so that text order is time order on both backends."""
    if moment.tzinfo is None:
        raise ValueError("credential times must carry a time zone")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Credentials(SQLView):
    """Password hashes, API token digests and recent failed logins, by username."""

    schema = SCHEMA
    tables = ()  # never emptied by a rebuild: nothing here comes from the log

    def password_hash(self, username: str) -> str | None:
        rows = self.query("SELECT password_hash FROM tally_credentials WHERE username = ?",
                          (username,))
        return rows[0]["password_hash"] if rows else None

    def set_password_hash(self, username: str, password_hash: str, at: datetime) -> None:
        self.commit(None, [
            ("DELETE FROM tally_credentials WHERE username = ?", (username,)),
            ("INSERT INTO tally_credentials (username, password_hash, changed_at)"
             " VALUES (?, ?, ?)", (username, password_hash, utc_stamp(at))),
        ])

    def add_token(self, digest: str, username: str, label: str, created_at: datetime,
                  expires_at: datetime) -> None:
        self.commit(None, [(
            "INSERT INTO tally_api_tokens"
            " (token_digest, username, label, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
            (digest, username, label, utc_stamp(created_at), utc_stamp(expires_at)),
        )])

    def token_owner(self, digest: str, at: datetime) -> str | None:
        rows = self.query(
            "SELECT username FROM tally_api_tokens WHERE token_digest = ?"
            " AND revoked_at IS NULL AND expires_at > ?", (digest, utc_stamp(at)))
        return rows[0]["username"] if rows else None

    def revoke_tokens(self, username: str, at: datetime) -> None:
        self.commit(None, [(
            "UPDATE tally_api_tokens SET revoked_at = ? WHERE username = ? AND revoked_at IS NULL",
            (utc_stamp(at), username),
        )])

    def record_failure(self, username: str, at: datetime) -> None:
        self.commit(None, [("INSERT INTO tally_login_failures (username, failed_at)"
                            " VALUES (?, ?)", (username, utc_stamp(at)))])

    def failures_since(self, username: str, since: datetime) -> int:
        rows = self.query("SELECT COUNT(*) AS n FROM tally_login_failures"
                          " WHERE username = ? AND failed_at > ?", (username, utc_stamp(since)))
        return int(rows[0]["n"])

    def clear_failures(self, username: str) -> None:
        self.commit(None, [("DELETE FROM tally_login_failures WHERE username = ?", (username,))])


class SQLiteCredentials(SQLiteView, Credentials):
    pass


class PostgresCredentials(PostgresView, Credentials):
    pass


CREDENTIALS: dict[str, type[SQLView]] = {"sqlite": SQLiteCredentials,
                                         "postgres": PostgresCredentials}


def open_credentials(settings: DatabaseSettings, *, create_table: bool = False) -> Any:
    from projections.runner import open_view

    return open_view(settings, CREDENTIALS, create_table=create_table)
