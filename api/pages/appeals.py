"""Appeals (申诉) as a queue: every appeal of the office (an officer's or approver's unit's
only), the pending ones first with the days they have waited, then the decided; each links
to its item, where an editor decides it."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import PagePrincipal, ServicesDep
from api.pages.common import today, unit_scope
from api.pages.rendering import render
from api.policy import allow

router = APIRouter(include_in_schema=False)


@router.get("/appeals", response_class=HTMLResponse)
def appeal_list(request: Request, principal: PagePrincipal, services: ServicesDep) -> Response:
    """The appeals, pending first."""
    allow(principal, "read_items")
    rows = services.view("boards").all_appeals(today(services), unit_id=unit_scope(principal))
    return render(request, "appeals.html", {
        "user": principal, "pending": [row for row in rows if row["upheld"] is None],
        "decided": [row for row in rows if row["upheld"] is not None]})
