"""User accounts and their roles."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import InvalidInputError, WrongStateError
from domain.identity import derived_id
from domain.values import Cause, Role


class Account(Aggregate):
    @staticmethod
    def create_id(username: str, **_: Any) -> UUID:
        return derived_id("account", username)

    @event("Opened")
    def __init__(
        self,
        username: str,
        display_name: str,
        roles: list[Role],
        officer_id: UUID | None,
        unit_id: UUID | None,
        cause: Cause,
    ):
        self.username = username
        self.display_name = display_name
        self.roles = list(roles)
        self.officer_id = officer_id
        self.unit_id = unit_id
        self.closed = False

    def has_role(self, role: Role) -> bool:
        return not self.closed and role in self.roles

    def grant(self, role: Role, cause: Cause) -> None:
        self.check_open()
        if role in self.roles:
            raise InvalidInputError(f"{self.username} already has role {role.value}", field="role")
        self._granted(role=role, cause=cause)

    @event("RoleGranted")
    def _granted(self, role: Role, cause: Cause) -> None:
        self.roles.append(role)

    def revoke(self, role: Role, reason: str, cause: Cause) -> None:
        self.check_open()
        if role not in self.roles:
            raise InvalidInputError(f"{self.username} has no role {role.value}", field="role")
        self._revoked(role=role, reason=reason, cause=cause)

    @event("RoleRevoked")
    def _revoked(self, role: Role, reason: str, cause: Cause) -> None:
        self.roles.remove(role)

    def close(self, reason: str, cause: Cause) -> None:
        self.check_open()
        self._closed(reason=reason, cause=cause)

    @event("Closed")
    def _closed(self, reason: str, cause: Cause) -> None:
        self.closed = True

    def check_open(self) -> None:
        if self.closed:
            raise WrongStateError(f"account {self.username} is closed", field="username")
