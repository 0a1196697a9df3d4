"""Items: the submissions board, an item's page, and the officer's and approver's forms
(draft, revise, submit, withdraw; approve, return). Officers act on their own items only,
approvers in their unit only; each form carries the session's CSRF token."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import PagePrincipal, ServicesDep, command_meta
from api.pages.common import CSRF, Field, Key, as_of_day, back_to, today, unit_scope
from api.pages.rendering import download, output_format, render
from api.policy import Principal, allow, can, check_draft_authors, check_item
from api.report_columns import SUBMISSION_COLUMNS
from api.report_output import Sheet
from api.services import Services
from domain import inputs
from domain.errors import NotFoundError
from projections.audit import AuditTrail

router = APIRouter(include_in_schema=False)


def item_facts(services: Services, submission_id: str) -> dict[str, Any]:
    """An item's unit and authors from the audit trail's read model, for the checks."""
    try:
        key = str(UUID(submission_id))
    except ValueError:
        raise NotFoundError(f"no item {submission_id}", field="submission_id") from None
    found = services.view("audit").item(key)
    if found is None:
        raise NotFoundError(f"no item {submission_id}", field="submission_id")
    return {"id": key, "ref": found["ref"], "title": found["title"],
            "unit_id": found["unit_id"],
            "authors": [{"officer_id": officer} for officer in found["authors"].split()]}


def checked_item(principal: Principal, services: Services, submission_id: str,
                 action: str) -> dict[str, Any]:
    """The item's facts, once the principal may take ``action`` on it (officers: their own;
    approvers: their unit's); refused with 403 before anything is written."""
    allow(principal, action)
    facts = item_facts(services, submission_id)
    check_item(principal, action, facts)
    return facts


def own(principal: Principal, services: Services, submission_id: str, action: str) -> str:
    """The id of an item the principal may take ``action`` on."""
    return str(checked_item(principal, services, submission_id, action)["id"])


def board_row(services: Services, facts: dict[str, Any]) -> dict[str, Any]:
    rows = services.view("boards").submissions(today(services), unit_id=facts["unit_id"])
    for row in rows:
        if row["id"] == facts["id"]:
            return row
    raise NotFoundError(f"no item {facts['id']}", field="submission_id")


@router.get("/submissions", response_class=HTMLResponse)
def board(request: Request, principal: PagePrincipal, services: ServicesDep,
          status: str | None = None, unit: str | None = None,
          format: str | None = None) -> Response:  # noqa: A002
    """The submissions board: every item, or the unit's for an officer or approver."""
    allow(principal, "read_items")
    file_format = output_format(format)
    if file_format != "html":  # refused before anything is read
        allow(principal, "export")
    boards = services.view("boards")
    unit_id = unit_scope(principal)
    if unit_id is None and unit:
        unit_id = boards.unit_id(inputs.code("unit", unit))
        if unit_id is None:
            raise NotFoundError(f"no unit {unit}", field="unit")
    rows = boards.submissions(today(services), unit_id=unit_id, status=status or None)
    if file_format != "html":
        return download([Sheet("稿件台账", rows, SUBMISSION_COLUMNS)], file_format, "submissions")
    return render(request, "board.html", {
        "user": principal, "rows": rows, "status": status or "", "unit": unit or "",
        "whole_office": principal.sees_whole_office})


@router.get("/submissions/new", response_class=HTMLResponse)
def new_item(request: Request, principal: PagePrincipal, services: ServicesDep) -> Response:
    """The form an officer drafts an item with."""
    allow(principal, "draft_submission")
    day = today(services)
    asked = services.view("boards").commissions(day, unit_id=unit_scope(principal))
    return render(request, "item_form.html", {
        "user": principal, "item": None, "authors": principal.officer_code or "",
        "today": day.isoformat(),
        "commissions": [row for row in asked if row["state"] in ("open", "overdue")]})


@router.post("/submissions", dependencies=CSRF)
def draft(principal: PagePrincipal, services: ServicesDep,
          title: Field = "", channel: Field = "",
          category: Field = "", authors: Field = "",
          event_date: Field = "", ref: Field = "",
          commission: Field = "", research: Field = "",
          idempotency_key: Key = None) -> Response:
    """Draft an item (the officer must be one of its authors)."""
    allow(principal, "draft_submission")
    shares = inputs.author_shares("authors", authors)
    check_draft_authors(principal, [code for code, _ in shares])
    item = services.tally.draft_submission(
        title, channel, category, authors, event_date, commission=commission or None,
        research=bool(research), ref=ref or None,
        meta=command_meta(principal, idempotency_key or None))
    return back_to(f"/submissions/{item}", done="drafted")


@router.get("/submissions/{submission_id}", response_class=HTMLResponse)
def item_page(request: Request, submission_id: str, principal: PagePrincipal,
              services: ServicesDep, as_of: str | None = None,
              done: str | None = None) -> Response:
    """An item with its authors, outlets, adoptions, instructions and audit trail."""
    facts = checked_item(principal, services, submission_id, "read_items")
    day = as_of_day(as_of)
    authored = principal.officer_id in {a["officer_id"] for a in facts["authors"]}
    trail = None
    # The item's own history: for the audit roles, its authors and its unit's approver.
    if can(principal, "read_audit") or authored or principal.has("approver"):
        trail = AuditTrail(services.view("audit"), services.tally.zone).entries(
            item=facts["id"], as_of=day, commands=False, limit=500)
    return render(request, "item.html", {
        "user": principal, "item": board_row(services, facts), "trail": trail, "as_of": day,
        "appeals": services.view("boards").appeals(facts["id"]),
        "done": done, "authored": authored, "today": today(services).isoformat(),
        "outlets": known_outlets(services) if can(principal, "record_adoption") else []})


def known_outlets(services: Services) -> list[dict[str, Any]]:
    """The outlets items were sent to or adopted by so far, for the editor's form (a new
    outlet is typed by its code)."""
    seen: dict[str, dict[str, Any]] = {}
    for row in services.view("boards").submissions(today(services)):
        for outlet in row["outlets"]:
            seen.setdefault(outlet["code"], {"code": outlet["code"], "name": outlet["name"],
                                             "level": outlet["level"]})
    return sorted(seen.values(), key=lambda o: o["code"])


def author_codes(services: Services, facts: dict[str, Any]) -> str:
    audit = services.view("audit")
    names = [audit.name(a["officer_id"]) for a in facts["authors"]]
    return ";".join(name["code"] for name in names if name)


@router.get("/submissions/{submission_id}/edit", response_class=HTMLResponse)
def edit_item(request: Request, submission_id: str, principal: PagePrincipal,
              services: ServicesDep) -> Response:
    """The form an author revises a draft or returned item with."""
    facts = checked_item(principal, services, submission_id, "revise_submission")
    return render(request, "item_form.html", {
        "user": principal, "item": board_row(services, facts),
        "authors": author_codes(services, facts), "today": today(services).isoformat()})


@router.post("/submissions/{submission_id}/revise", dependencies=CSRF)
def revise(submission_id: str, principal: PagePrincipal, services: ServicesDep,
           title: Field = "", category: Field = "",
           authors: Field = "", event_date: Field = "",
           research: Field = "", idempotency_key: Key = None) -> Response:
    """Revise one's own item."""
    item = own(principal, services, submission_id, "revise_submission")
    services.tally.revise_submission(item, title, category, authors, event_date,
                                     research=bool(research),
                                     meta=command_meta(principal, idempotency_key or None))
    return back_to(f"/submissions/{item}", done="revised")


@router.post("/submissions/{submission_id}/submit", dependencies=CSRF)
def submit(submission_id: str, principal: PagePrincipal, services: ServicesDep,
           submitted_on: Field = "", idempotency_key: Key = None) -> Response:
    """Submit one's own item for the unit's sign-off."""
    item = own(principal, services, submission_id, "submit")
    services.tally.submit(item, submitted_on or today(services).isoformat(),
                          meta=command_meta(principal, idempotency_key or None))
    return back_to(f"/submissions/{item}", done="submitted")


@router.post("/submissions/{submission_id}/withdraw", dependencies=CSRF)
def withdraw(submission_id: str, principal: PagePrincipal, services: ServicesDep,
             reason: Field = "", idempotency_key: Key = None) -> Response:
    """Withdraw one's own item, with a reason."""
    item = own(principal, services, submission_id, "withdraw")
    services.tally.withdraw(item, reason, meta=command_meta(principal, idempotency_key or None))
    return back_to(f"/submissions/{item}", done="withdrawn")


@router.post("/submissions/{submission_id}/appeal", dependencies=CSRF)
def appeal(submission_id: str, principal: PagePrincipal, services: ServicesDep,
           filed_on: Field = "", reason: Field = "",
           idempotency_key: Key = None) -> Response:
    """Appeal one's own item's score, with the reason."""
    item = own(principal, services, submission_id, "file_appeal")
    services.tally.file_appeal(item, principal.officer_code or "", filed_on, reason,
                               meta=command_meta(principal, idempotency_key or None))
    return back_to(f"/submissions/{item}", done="appealed")


@router.get("/approvals", response_class=HTMLResponse)
def approvals(request: Request, principal: PagePrincipal, services: ServicesDep) -> Response:
    """The approver's queue: the unit's items awaiting sign-off, longest waiting first."""
    allow(principal, "approve")
    rows = services.view("boards").submissions(today(services), unit_id=principal.unit_id,
                                               status="submitted")
    rows.sort(key=lambda row: -(row["waiting_days"] or 0))
    return render(request, "approvals.html", {"user": principal, "rows": rows})


@router.post("/submissions/{submission_id}/approve", dependencies=CSRF)
def approve(submission_id: str, principal: PagePrincipal, services: ServicesDep,
            idempotency_key: Key = None) -> Response:
    """Sign an item of one's unit off."""
    item = own(principal, services, submission_id, "approve")
    services.tally.approve(item, principal.username, services.tally.clock().isoformat(),
                           meta=command_meta(principal, idempotency_key or None))
    return back_to("/approvals", done="approved")


@router.post("/submissions/{submission_id}/return", dependencies=CSRF)
def return_item(submission_id: str, principal: PagePrincipal, services: ServicesDep,
                reason: Field = "", idempotency_key: Key = None) -> Response:
    """Return an item of one's unit for revision, with a reason."""
    item = own(principal, services, submission_id, "return_submission")
    services.tally.return_submission(item, reason,
                                     meta=command_meta(principal, idempotency_key or None))
    return back_to("/approvals", done="returned")
