"""Commissions (约稿): what the office asked of which units by when, and how each unit's part
stands; editors issue one, and record the parts past their deadline as lapsed."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import PagePrincipal, ServicesDep, command_meta
from api.pages.common import CSRF, Field, Key, back_to, today, unit_scope
from api.pages.rendering import render
from api.policy import allow, can
from workflows.reminders import record_lapses

router = APIRouter(include_in_schema=False)


def grouped(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The board's rows (one per commissioned unit) as commissions, each with its units."""
    found: dict[str, dict[str, Any]] = {}
    for row in rows:
        commission = found.setdefault(row["commission_id"], {
            "id": row["commission_id"], "ref": row["ref"], "topic": row["topic"],
            "issued_on": row["issued_on"], "deadline": row["deadline"], "units": []})
        commission["units"].append(row)
    return list(found.values())


@router.get("/commissions", response_class=HTMLResponse)
def commission_list(request: Request, principal: PagePrincipal, services: ServicesDep,
                    done: str | None = None) -> Response:
    """Every commission (an officer's or approver's unit's only), latest deadline first, and
    the editor's forms."""
    allow(principal, "read_items")
    day = today(services)
    rows = services.view("boards").commissions(day, unit_id=unit_scope(principal))
    editor = can(principal, "issue_commission")
    return render(request, "commissions.html", {
        "user": principal, "commissions": grouped(rows), "done": done,
        "today": day.isoformat(),
        "overdue": sum(1 for row in rows if row["state"] == "overdue"),
        "units": services.view("catalog").units(day) if editor else []})


@router.post("/commissions", dependencies=CSRF)
def issue(principal: PagePrincipal, services: ServicesDep,
          topic: Field = "", units: Annotated[list[str] | None, Form()] = None,
          issued_on: Field = "", deadline: Field = "",
          ref: Field = "", idempotency_key: Key = None) -> Response:
    """Commission items on a topic from units by a deadline."""
    allow(principal, "issue_commission")
    services.tally.issue_commission(topic, units or [], issued_on, deadline, ref or None,
                                    meta=command_meta(principal, idempotency_key or None))
    return back_to("/commissions", done="commissioned")


@router.post("/commissions/lapses", dependencies=CSRF)
def lapse_overdue(principal: PagePrincipal, services: ServicesDep,
                  idempotency_key: Key = None) -> Response:
    """Record every unit's part past its deadline as lapsed (the day after it), once."""
    allow(principal, "record_lapse")
    boards = services.current()["boards"].view
    record_lapses(services.tally, boards, today(services),
                  command_meta(principal, idempotency_key or None))
    return back_to("/commissions", done="lapsed")
