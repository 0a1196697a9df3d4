"""Accounts: open, grant and revoke roles, close, set a password (by an administrator), list
them, look one up."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from api.auth import MAX_PASSWORD, MIN_PASSWORD
from api.deps import ApiMeta, ApiPrincipal, ServicesDep
from api.policy import allow
from api.v1.common import Code, CommandResult, OnQuery, Reason, Role, on_day
from domain.errors import NotAuthenticatedError, NotFoundError

router = APIRouter(prefix="/accounts", tags=["accounts"])


class AccountCreate(BaseModel):
    username: Code
    display_name: Annotated[str, Field(min_length=1, max_length=50)]
    roles: Annotated[list[Role], Field(min_length=1, max_length=6)]
    officer: Code | None = None
    unit: Code | None = None


class RoleGrant(BaseModel):
    role: Role


class RoleRevoke(BaseModel):
    reason: Reason


class PasswordSet(BaseModel):
    password: Annotated[str, Field(min_length=MIN_PASSWORD, max_length=MAX_PASSWORD)]


@router.post("", response_model=CommandResult, status_code=201, summary="Open an account")
def open_account(body: AccountCreate, principal: ApiPrincipal, meta: ApiMeta,
                 services: ServicesDep) -> CommandResult:
    allow(principal, "open_account")
    account_id = services.tally.open_account(body.username, body.display_name, body.roles,
                                             body.officer, body.unit, meta=meta)
    return CommandResult(id=str(account_id))


@router.post("/{username}/roles", response_model=CommandResult, summary="Grant a role")
def grant_role(username: str, body: RoleGrant, principal: ApiPrincipal, meta: ApiMeta,
               services: ServicesDep) -> CommandResult:
    allow(principal, "grant_role")
    return CommandResult(id=str(services.tally.grant_role(username, body.role, meta=meta)))


@router.post("/{username}/roles/{role}/revoke", response_model=CommandResult,
             summary="Revoke a role, with the reason")
def revoke_role(username: str, role: Role, body: RoleRevoke, principal: ApiPrincipal,
                meta: ApiMeta, services: ServicesDep) -> CommandResult:
    allow(principal, "revoke_role")
    return CommandResult(id=str(services.tally.revoke_role(username, role, body.reason,
                                                           meta=meta)))


class AccountClose(BaseModel):
    reason: Reason


@router.post("/{username}/close", response_model=CommandResult,
             summary="Close an account, with the reason: it signs in no more")
def close_account(username: str, body: AccountClose, principal: ApiPrincipal, meta: ApiMeta,
                  services: ServicesDep) -> CommandResult:
    allow(principal, "close_account")
    return CommandResult(id=str(services.tally.close_account(username, body.reason,
                                                             meta=meta)))


@router.put("/{username}/password", response_model=CommandResult,
            summary="Set an account's password (its API tokens are revoked)")
def set_password(username: str, body: PasswordSet, principal: ApiPrincipal,
                 services: ServicesDep) -> CommandResult:
    """Kept beside the log, never in it, so no idempotency key is needed: setting the same
    password twice leaves the same state."""
    allow(principal, "set_password")
    services.auth.set_password(username, body.password)
    return CommandResult(id=username)


@router.get("", summary="Every open account (and closed ones if asked): roles, officer, unit")
def list_accounts(principal: ApiPrincipal, services: ServicesDep,
                  closed: Annotated[bool, Query(description="closed accounts too, with why")]
                  = False, on: OnQuery = None) -> list[dict[str, Any]]:
    """A list of {username, display_name, roles, officer, officer_name, unit, unit_name,
    closed, closed_reason} by username; ``unit`` is an approver's own unit, else the unit its
    officer serves in on the day (today unless ``on`` is given)."""
    allow(principal, "read_accounts")
    day = on_day(services, on)
    return services.view("catalog").accounts(day, closed=closed)  # type: ignore[no-any-return]


@router.get("/{username}", summary="An account: roles, officer and unit")
def get_account(username: str, principal: ApiPrincipal,
                services: ServicesDep) -> dict[str, Any]:
    allow(principal, "read_accounts")
    try:
        account = services.auth.principal(username)
    except NotAuthenticatedError:  # unknown or closed: for this reader, simply not there
        raise NotFoundError(f"no open account {username}", field="username") from None
    return {"username": account.username, "display_name": account.display_name,
            "roles": sorted(account.roles), "officer": account.officer_code,
            "unit": account.unit_code}
