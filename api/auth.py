"""Who is asking: passwords (argon2, through argon2-cffi), API bearer tokens, login throttling.

Accounts and roles are events in the log; password hashes and token digests are kept in
``store.credentials``, never in the log. A principal is rebuilt from the account aggregate on
each request, so a revoked role or a closed account takes effect at once."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
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

_HASHER = PasswordHasher()
# Verifying against this when the account is unknown costs the same time as a real check.
_DUMMY_HASH = _HASHER.hash("not a password of anyone")


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Authenticator:
    """Checks passwords and tokens against the credentials store and the accounts in the log."""

    def __init__(self, tally: Tally, credentials: object,
                 clock: Callable[[], datetime] | None = None) -> None:
        self.tally = tally
        self.credentials = credentials
        self.clock = clock or (lambda: datetime.now(UTC))

    # Passwords -----------------------------------------------------------------------

    def set_password(self, username: str, password: str) -> None:
        username = inputs.code("username", username)
        if not isinstance(password, str) or not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
            raise InvalidInputError(
                f"must have {MIN_PASSWORD} to {MAX_PASSWORD} characters", field="password")
        account = self.tally._account("username", username)  # NotFoundError names the field
        account.check_open()
        self.credentials.set_password_hash(  # type: ignore[attr-defined]
            username, _HASHER.hash(password), self.clock())
        self.credentials.revoke_tokens(username, self.clock())  # type: ignore[attr-defined]

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

    def token_principal(self, token: str) -> Principal:
        username = self.credentials.token_owner(token_digest(token), self.clock())  # type: ignore[attr-defined]
        if username is None:
            raise NotAuthenticatedError("the bearer token is unknown, expired or revoked",
                                        field="authorization")
        return self.principal(username)

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
