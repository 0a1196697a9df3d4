"""The directory: units, officers, outlets and (for those who may read them) accounts as they
stand on a day; and the administrators' work on it: units registered, renamed, reclassified and
closed, officers enrolled, transferred and leaving, outlets registered and renamed, accounts
opened, their roles granted and revoked, their passwords set and accounts closed. Each form
posts here and returns to the directory."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import PagePrincipal, ServicesDep, command_meta
from api.pages.common import CSRF, Field, Key, back_to
from api.pages.rendering import render
from api.policy import allow, can

router = APIRouter(include_in_schema=False)


def back_to_directory(what: str) -> Response:
    return back_to("/directory", done=what)


@router.get("/directory", response_class=HTMLResponse)
def directory(request: Request, principal: PagePrincipal, services: ServicesDep,
              done: str | None = None) -> Response:
    """The units and officers, and the accounts for those who may read them."""
    allow(principal, "read_directory")
    catalog, today = services.view("catalog"), services.tally.today()
    return render(request, "directory.html", {
        "user": principal, "counts": catalog.counts(), "units": catalog.units(today),
        "officers": catalog.officers(today), "outlets": catalog.outlets(), "done": done,
        "today": today.isoformat(),
        "accounts": catalog.accounts(today) if can(principal, "read_accounts") else None,
    })


@router.post("/directory/units", dependencies=CSRF)
def register_unit(principal: PagePrincipal, services: ServicesDep, code: Field = "",
                  name: Field = "", unit_class: Field = "", registered_on: Field = "",
                  idempotency_key: Key = None) -> Response:
    allow(principal, "register_unit")
    services.tally.register_unit(code, name, unit_class, registered_on,
                                 meta=command_meta(principal, idempotency_key or None))
    return back_to_directory("unit_registered")


@router.post("/directory/units/rename", dependencies=CSRF)
def rename_unit(principal: PagePrincipal, services: ServicesDep, unit: Field = "",
                name: Field = "", effective_on: Field = "", reason: Field = "",
                idempotency_key: Key = None) -> Response:
    allow(principal, "rename_unit")
    services.tally.rename_unit(unit, name, effective_on, reason,
                               meta=command_meta(principal, idempotency_key or None))
    return back_to_directory("unit_renamed")


@router.post("/directory/units/reclassify", dependencies=CSRF)
def reclassify_unit(principal: PagePrincipal, services: ServicesDep, unit: Field = "",
                    unit_class: Field = "", reason: Field = "",
                    idempotency_key: Key = None) -> Response:
    allow(principal, "reclassify_unit")
    services.tally.reclassify_unit(unit, unit_class, reason,
                                   meta=command_meta(principal, idempotency_key or None))
    return back_to_directory("unit_reclassified")


@router.post("/directory/outlets", dependencies=CSRF)
def register_outlet(principal: PagePrincipal, services: ServicesDep, code: Field = "",
                    name: Field = "", channel: Field = "", level: Field = "",
                    idempotency_key: Key = None) -> Response:
    allow(principal, "register_outlet")
    services.tally.register_outlet(code, name, channel, level,
                                   meta=command_meta(principal, idempotency_key or None))
    return back_to_directory("outlet_registered")


@router.post("/directory/outlets/rename", dependencies=CSRF)
def rename_outlet(principal: PagePrincipal, services: ServicesDep, outlet: Field = "",
                  name: Field = "", reason: Field = "", idempotency_key: Key = None) -> Response:
    allow(principal, "rename_outlet")
    services.tally.rename_outlet(outlet, name, reason,
                                 meta=command_meta(principal, idempotency_key or None))
    return back_to_directory("outlet_renamed")


@router.post("/directory/units/close", dependencies=CSRF)
def close_unit(principal: PagePrincipal, services: ServicesDep, unit: Field = "",
               closed_on: Field = "", successor: Field = "", reason: Field = "",
               idempotency_key: Key = None) -> Response:
    allow(principal, "close_unit")
    services.tally.close_unit(unit, closed_on, reason, successor or None,
                              meta=command_meta(principal, idempotency_key or None))
    return back_to_directory("unit_closed")


@router.post("/directory/officers", dependencies=CSRF)
def enrol_officer(principal: PagePrincipal, services: ServicesDep, code: Field = "",
                  name: Field = "", unit: Field = "", enrolled_on: Field = "",
                  idempotency_key: Key = None) -> Response:
    allow(principal, "enrol_officer")
    services.tally.enrol_officer(code, name, unit, enrolled_on,
                                 meta=command_meta(principal, idempotency_key or None))
    return back_to_directory("officer_enrolled")


@router.post("/directory/officers/transfer", dependencies=CSRF)
def transfer_officer(principal: PagePrincipal, services: ServicesDep, officer: Field = "",
                     to_unit: Field = "", effective_on: Field = "", reason: Field = "",
                     idempotency_key: Key = None) -> Response:
    allow(principal, "transfer_officer")
    services.tally.transfer_officer(officer, to_unit, effective_on, reason,
                                    meta=command_meta(principal, idempotency_key or None))
    return back_to_directory("officer_transferred")


@router.post("/directory/officers/leave", dependencies=CSRF)
def record_leaving(principal: PagePrincipal, services: ServicesDep, officer: Field = "",
                   left_on: Field = "", reason: Field = "",
                   idempotency_key: Key = None) -> Response:
    allow(principal, "record_leaving")
    services.tally.record_leaving(officer, left_on, reason,
                                  meta=command_meta(principal, idempotency_key or None))
    return back_to_directory("officer_left")


@router.post("/directory/accounts", dependencies=CSRF)
def open_account(principal: PagePrincipal, services: ServicesDep, username: Field = "",
                 display_name: Field = "", roles: Annotated[list[str] | None, Form()] = None,
                 officer: Field = "", unit: Field = "", password: Field = "",
                 idempotency_key: Key = None) -> Response:
    """Open an account with its roles (an officer's tied to their officer, an approver's to
    their unit) and, if given, its first password."""
    allow(principal, "open_account")
    if password:
        allow(principal, "set_password")
        services.auth.check_password(password)  # refused before the account is opened
    services.tally.open_account(username, display_name, roles or [], officer or None,
                                unit or None,
                                meta=command_meta(principal, idempotency_key or None))
    if password:
        services.auth.set_password(username, password)
    return back_to_directory("account_opened")


@router.post("/directory/accounts/grant", dependencies=CSRF)
def grant_role(principal: PagePrincipal, services: ServicesDep, username: Field = "",
               role: Field = "", idempotency_key: Key = None) -> Response:
    allow(principal, "grant_role")
    services.tally.grant_role(username, role,
                              meta=command_meta(principal, idempotency_key or None))
    return back_to_directory("role_granted")


@router.post("/directory/accounts/revoke", dependencies=CSRF)
def revoke_role(principal: PagePrincipal, services: ServicesDep, username: Field = "",
                role: Field = "", reason: Field = "", idempotency_key: Key = None) -> Response:
    allow(principal, "revoke_role")
    services.tally.revoke_role(username, role, reason,
                               meta=command_meta(principal, idempotency_key or None))
    return back_to_directory("role_revoked")


@router.post("/directory/accounts/password", dependencies=CSRF)
def set_password(principal: PagePrincipal, services: ServicesDep, username: Field = "",
                 password: Field = "") -> Response:
    """Set an account's password (its API tokens and sessions end)."""
    allow(principal, "set_password")
    services.auth.set_password(username, password)
    return back_to_directory("password_set")


@router.post("/directory/accounts/close", dependencies=CSRF)
def close_account(principal: PagePrincipal, services: ServicesDep, username: Field = "",
                  reason: Field = "", idempotency_key: Key = None) -> Response:
    allow(principal, "close_account")
    services.tally.close_account(username, reason,
                                 meta=command_meta(principal, idempotency_key or None))
    return back_to_directory("account_closed")
