"""Findings (通报扣分) as a page: a period's findings in force as known at a day, each with
the points the method in force deducts, to read and download; administrators record one
against an officer or unit, and withdraw one with the reason."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from api import reports
from api.deps import PagePrincipal, ServicesDep, command_meta
from api.pages.common import CSRF, Field, Key, back_to, score_reports, today
from api.pages.reports import answer, report_scope
from api.policy import allow

router = APIRouter(include_in_schema=False)


@router.get("/findings", response_class=HTMLResponse)
def finding_list(request: Request, principal: PagePrincipal, services: ServicesDep,
                 period: str | None = None, as_of: str | None = None,
                 format: str | None = None, done: str | None = None) -> Response:  # noqa: A002
    """A period's findings in force (the latest year by default), by the day found."""
    scope = report_scope(principal, services, period, None, as_of, format)
    report = reports.findings(score_reports(services), scope.period, None, None, scope.as_of)
    return answer(request, report, scope, "findings.html", {
        "user": principal, "rows": report.document, "done": done,
        "today": today(services).isoformat()})


@router.post("/findings", dependencies=CSRF)
def record_finding(principal: PagePrincipal, services: ServicesDep, kind: Field = "",
                   holder_kind: Field = "", holder: Field = "", found_on: Field = "",
                   reason: Field = "", ref: Field = "", period: Field = "",
                   idempotency_key: Key = None) -> Response:
    """Record a finding against an officer or unit (deducted as the method says)."""
    allow(principal, "record_finding")
    services.tally.record_finding(kind, holder_kind, holder, found_on, reason, None,
                                  ref or None,
                                  meta=command_meta(principal, idempotency_key or None))
    return back_to("/findings", period=period or None, done="finding_recorded")


@router.post("/findings/{finding_id}/withdraw", dependencies=CSRF)
def withdraw_finding(finding_id: str, principal: PagePrincipal, services: ServicesDep,
                     reason: Field = "", period: Field = "",
                     idempotency_key: Key = None) -> Response:
    """Withdraw a finding, with the reason: from then on it deducts nothing."""
    allow(principal, "withdraw_finding")
    services.tally.withdraw_finding(finding_id, reason,
                                    meta=command_meta(principal, idempotency_key or None))
    return back_to("/findings", period=period or None, done="finding_withdrawn")
