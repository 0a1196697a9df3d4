"""Who is asking: passwords (argon2, through argon2-cffi), API bearer tokens, login throttling.

Accounts and roles are events in the log; password hashes and token digests are kept in
``store.credentials``, never in the log. A principal is rebuilt from the account aggregate
(with its officer and unit) when a session's page asks; a bearer token's principal is kept for
``PRINCIPAL_SECONDS`` within the process, so a token revoked, an account closed or a role changed
by another process takes effect within that bound, and at once when this process made the
change."""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from api.policy import Principal
from domain import inputs
from domain.account import Account
from domain.application import Tally
from domain.errors import (
    InvalidInputError,
    NotAuthenticatedError,
    NotFoundError,
    TooManyAttemptsError,
)
from domain.officer import Officer
from domain.unit import Unit

MIN_PASSWORD = 8
MAX_PASSWORD = 256
#: Failed logins allowed per account within the window before further tries are refused.
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
TOKEN_DAYS = 30
TOKEN_PREFIX = "tly_"
#: How long a bearer token's principal is reused within one process before the token and the
#: account are read again: the bound on a revocation or a role change made by another process.
PRINCIPAL_SECONDS = 5.0
#: Principals kept at most; beyond that the cache starts again empty.
MAX_CACHED_PRINCIPALS = 10_000

_HASHER = PasswordHasher()
# Verifying against this when the account is unknown costs the same time as a real check.
_DUMMY_HASH = _HASHER.hash("not a password of anyone")


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class _Checked:
    """A token's principal as read at ``at`` (the office clock and the monotonic one)."""

    principal: Principal
    at: datetime
    tick: float
    directory: int

    def fresh(self, now: datetime, tick: float, directory: int, seconds: float) -> bool:
        return (directory == self.directory and 0 <= tick - self.tick < seconds
                and 0 <= (now - self.at).total_seconds() < seconds)


class Authenticator:
    """Checks passwords and tokens against the credentials store and the accounts in the log."""

    def __init__(self, tally: Tally, credentials: object,
                 clock: Callable[[], datetime] | None = None,
                 principal_seconds: float = PRINCIPAL_SECONDS) -> None:
        self.tally = tally
        self.credentials = credentials
        self.clock = clock or (lambda: datetime.now(UTC))
        self.principal_seconds = principal_seconds
        self._checked: dict[str, _Checked] = {}

    # Passwords -----------------------------------------------------------------------

    @staticmethod
    def check_password(password: str) -> None:
        """Refuse a password of the wrong length, naming the field."""
        if not isinstance(password, str) or not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
            raise InvalidInputError(
                f"must have {MIN_PASSWORD} to {MAX_PASSWORD} characters", field="password")

    def set_password(self, username: str, password: str) -> None:
        username = inputs.code("username", username)
        self.check_password(password)
        account = self.tally._account("username", username)  # NotFoundError names the field
        account.check_open()
        self.credentials.set_password_hash(  # type: ignore[attr-defined]
            username, _HASHER.hash(password), self.clock())
        self.credentials.revoke_tokens(username, self.clock())  # type: ignore[attr-defined]
        self._checked.clear()

    def login(self, username: str, password: str) -> Principal:
        """The principal of a correct username and password; refusals never say which was
        wrong. After ``MAX_FAILURES`` failures within ``FAILURE_WINDOW`` the account waits."""
        username = inputs.text("username", username, max_length=64)
        password = inputs.text("password", password, max_length=MAX_PASSWORD)
        now = self.clock()
        store = self.credentials
        if store.failures_since(username, now - FAILURE_WINDOW) >= MAX_FAILURES:  # type: ignore[attr-defined]
            raise TooManyAttemptsError(
                "too many failed logins for this account; try again in 15 minutes",
                field="username")
        stored = store.password_hash(username)  # type: ignore[attr-defined]
        if not self._verifies(stored, password):
            store.record_failure(username, now)  # type: ignore[attr-defined]
            raise NotAuthenticatedError("wrong username or password", field="password")
        try:
            principal = self.principal(username)
        except NotAuthenticatedError:
            store.record_failure(username, now)  # type: ignore[attr-defined]
            raise
        store.clear_failures(username)  # type: ignore[attr-defined]
        if _HASHER.check_needs_rehash(stored):  # type: ignore[arg-type]
            store.set_password_hash(username, _HASHER.hash(password), now)  # type: ignore[attr-defined]
        return principal

    @staticmethod
    def _verifies(stored: str | None, password: str) -> bool:
        try:
            return _HASHER.verify(stored or _DUMMY_HASH, password) and stored is not None
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    # Tokens --------------------------------------------------------------------------

    def issue_token(self, username: str, password: str, label: str = "api",
                    days: int = TOKEN_DAYS) -> tuple[str, datetime]:
        """A new bearer token for a correct username and password, and when it expires."""
        principal = self.login(username, password)
        label = inputs.text("label", label, max_length=100)
        if not 1 <= days <= 366:
            raise InvalidInputError("must be 1 to 366 days", field="days")
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        now = self.clock()
        expires = now + timedelta(days=days)
        self.credentials.add_token(  # type: ignore[attr-defined]
            token_digest(token), principal.username, label, now, expires)
        return token, expires

    def checked_principal(self, token: str) -> Principal | None:
        """The token's principal as read within ``principal_seconds`` (by the office clock and
        the monotonic one) if this process saved no account, officer or unit since
        (``Tally.directory_saves``); None when it must be read again. Reads nothing."""
        checked = self._checked.get(token_digest(token))
        if checked is None or not checked.fresh(self.clock(), time.monotonic(),
                                                self.tally.directory_saves,
                                                self.principal_seconds):
            return None
        return checked.principal

    def token_principal(self, token: str) -> Principal:
        """The token's principal: ``checked_principal``, else the token and the account read
        again."""
        found = self.checked_principal(token)
        if found is not None:
            return found
        digest = token_digest(token)
        now, tick, directory = self.clock(), time.monotonic(), self.tally.directory_saves
        self._checked.pop(digest, None)
        username = self.credentials.token_owner(digest, now)  # type: ignore[attr-defined]
        if username is None:
            raise NotAuthenticatedError("the bearer token is unknown, expired or revoked",
                                        field="authorization")
        principal = self.principal(username)
        if len(self._checked) >= MAX_CACHED_PRINCIPALS:
            self._checked.clear()
        self._checked[digest] = _Checked(principal, now, tick, directory)
        return principal

    # Principals ----------------------------------------------------------------------

    def principal(self, username: str) -> Principal:
        account = self._account(username)
        officer = unit = None
        if account.officer_id is not None:
            officer = self.tally.repository.get(account.officer_id)
            assert isinstance(officer, Officer)
        unit_id = account.unit_id or (
            officer.unit_on(self.tally.today()) if officer is not None else None)
        if unit_id is not None:
            unit = self.tally.repository.get(unit_id)
            assert isinstance(unit, Unit)
        return Principal(
            username=account.username,
            display_name=account.display_name,
            roles=frozenset(role.value for role in account.roles),
            officer_id=str(officer.id) if officer else None,
            unit_id=str(unit.id) if unit else None,
            officer_code=officer.code if officer else None,
            unit_code=unit.code if unit else None,
        )

    def _account(self, username: str) -> Account:
        try:
            account = self.tally._account("username", username)
        except NotFoundError:
            raise NotAuthenticatedError("wrong username or password", field="username") from None
        if account.closed:
            raise NotAuthenticatedError(f"account {username} is closed", field="username")
        return account
