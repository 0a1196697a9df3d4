"""The audit trail of the whole office, an item, an officer or a unit, as known at a day."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import PagePrincipal, ServicesDep
from api.pages.common import as_of_day
from api.pages.rendering import download, output_format, render
from api.policy import allow
from api.report_columns import AUDIT_COLUMNS
from api.report_output import Sheet
from domain import inputs
from projections.audit import AuditTrail

router = APIRouter(include_in_schema=False)
PAGE = 200


@router.get("/audit", response_class=HTMLResponse)
def audit_trail(request: Request, principal: PagePrincipal, services: ServicesDep,
                item: str | None = None, officer: str | None = None, unit: str | None = None,
                as_of: str | None = None, page: str | None = None,
                format: str | None = None) -> Response:  # noqa: A002
    """Every event, who caused it, when it was recorded and known, and why."""
    allow(principal, "read_audit")
    file_format = output_format(format)
    if file_format != "html":  # refused before anything is read
        allow(principal, "export")
    day = as_of_day(as_of)
    number = inputs.whole("page", page or 1, minimum=1)
    trail = AuditTrail(services.view("audit"), services.tally.zone)
    if file_format != "html":
        rows = trail.entries(item=item or None, officer=officer or None, unit=unit or None,
                             as_of=day, limit=100_000)
        return download([Sheet("审计记录", rows, AUDIT_COLUMNS)], file_format, "audit")
    rows = trail.entries(item=item or None, officer=officer or None, unit=unit or None,
                         as_of=day, limit=PAGE, offset=(number - 1) * PAGE, commands=False)
    return render(request, "audit.html", {
        "user": principal, "trail": rows, "item": item or "", "officer": officer or "",
        "unit": unit or "", "as_of": day, "page": number, "more": len(rows) == PAGE})
