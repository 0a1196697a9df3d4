"""Chasing (催报): who is behind, which commissions are due or overdue, which instructions
await feedback, which appeals await a decision, as of a day."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import PagePrincipal, ServicesDep
from api.pages.rendering import render
from api.policy import allow
from domain import inputs
from projections.scores import ScoreReports
from workflows.reminders import reminders

router = APIRouter(include_in_schema=False)


@router.get("/reminders", response_class=HTMLResponse)
def reminder_list(request: Request, principal: PagePrincipal, services: ServicesDep,
                  as_of: str | None = None) -> Response:
    """Who to chase (催报): quotas behind, commissions due or overdue, feedback awaited,
    appeals undecided."""
    allow(principal, "read_reminders")
    projections = services.current()
    tally = services.tally
    day = inputs.day("as_of", as_of) if as_of else tally.today()
    found = reminders(ScoreReports(projections["ledger"].view, tally.zone),
                      projections["boards"].view, day)
    return render(request, "reminders.html",
                  {"user": principal, "day": day.isoformat(),
                   "reminders": [r.as_dict() for r in found]})
