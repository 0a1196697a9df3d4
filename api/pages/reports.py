"""Score reports as pages: rankings, quota progress, the scoring ledger, "why these points",
and the exports page. Each is assembled once by ``api.reports`` and downloads as Excel or CSV
(``?format=xlsx|csv``); each takes an as-of day."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from api import reports
from api.deps import PagePrincipal, ServicesDep
from api.pages.common import as_of_day, latest_year, period_label, score_reports, today
from api.pages.rendering import download_report, output_format, render
from api.policy import Principal, allow, check_officer_scope
from api.services import Services
from domain import inputs
from domain.errors import InvalidInputError, NotFoundError
from domain.period import Period
from domain.standings import ORDERS
from domain.values import Channel, HolderKind, Level

router = APIRouter(include_in_schema=False)


def holder(by: str | None) -> str:
    return inputs.choice("by", HolderKind, by or "officer").value


@dataclass(frozen=True)
class Scope:
    """What a report page was asked for: html or a download, as of which day, which period
    (the latest year by default), by officer or unit."""

    file_format: str
    as_of: str | None
    period: str
    by: str

    @property
    def download(self) -> bool:
        return self.file_format != "html"


def report_scope(principal: Principal, services: Services, period: str | None, by: str | None,
                 as_of: str | None, format: str | None) -> Scope:  # noqa: A002
    """Check the reader (and the exporter, before anything is read) and read the scope."""
    allow(principal, "read_reports")
    file_format = output_format(format)
    if file_format != "html":
        allow(principal, "export")
    day = as_of_day(as_of)
    return Scope(file_format, day, period_label(period, latest_year(services, day)), holder(by))


def answer(request: Request, report: reports.Report, scope: Scope, template: str,
           context: dict[str, Any]) -> Response:
    if scope.download:
        return download_report(report, scope.file_format,
                               f"{report.name}-{scope.period}-{scope.by}")
    return render(request, template, {"period": scope.period, "by": scope.by,
                                      "as_of": scope.as_of, **context})


@router.get("/rankings", response_class=HTMLResponse)
def rankings(request: Request, principal: PagePrincipal, services: ServicesDep,
             period: str | None = None, by: str | None = None, channel: str | None = None,
             level: str | None = None, order: str | None = None, as_of: str | None = None,
             format: str | None = None) -> Response:  # noqa: A002
    """Officers or units ranked for a period, by channel and level, as known at a day."""
    scope = report_scope(principal, services, period, by, as_of, format)
    channel = inputs.choice("channel", Channel, channel).value if channel else None
    level = inputs.choice("level", Level, level).value if level else None
    order = order or "points"
    if order not in ORDERS:
        raise InvalidInputError(f"must be one of: {', '.join(ORDERS)}", field="order")
    report = reports.ranking(score_reports(services), scope.period, scope.by, scope.as_of,
                             channel, level, order)
    return answer(request, report, scope, "rankings.html", {
        "user": principal, "channel": channel or "", "level": level or "", "order": order,
        "rows": report.document, "report": report})


@router.get("/quota", response_class=HTMLResponse)
def quota(request: Request, principal: PagePrincipal, services: ServicesDep,
          period: str | None = None, by: str | None = None, as_of: str | None = None,
          format: str | None = None) -> Response:  # noqa: A002
    """Each officer's or unit's target and items done, month by month, and who is behind."""
    scope = report_scope(principal, services, period, by, as_of, format)
    report = reports.quota(score_reports(services), scope.period, scope.by, scope.as_of)
    return answer(request, report, scope, "quota.html",
                  {"user": principal, "progress": report.document})


@router.get("/ledger", response_class=HTMLResponse)
def ledger(request: Request, principal: PagePrincipal, services: ServicesDep,
           period: str | None = None, by: str | None = None, as_of: str | None = None,
           format: str | None = None) -> Response:  # noqa: A002
    """Every scoring line of a period behind each officer's or unit's points."""
    scope = report_scope(principal, services, period, by, as_of, format)
    report = reports.ledger(score_reports(services), scope.period, scope.by, scope.as_of)
    return answer(request, report, scope, "ledger.html",
                  {"user": principal, "rows": report.document})


@router.get("/changes", response_class=HTMLResponse)
def changes(request: Request, principal: PagePrincipal, services: ServicesDep,
            period: str | None = None, by: str | None = None, before: str | None = None,
            after: str | None = None, format: str | None = None) -> Response:  # noqa: A002
    """What changed in a period's results between two days as known (by default: since the
    period's last day, until now), and the facts learned in between that did it."""
    scope = report_scope(principal, services, period, by, None, format)
    until = inputs.day("after", after).isoformat() if after else None
    since = (inputs.day("before", before) if before
             else min(Period.parse(scope.period).end, today(services))).isoformat()
    if until is not None and until < since:
        raise InvalidInputError(f"must not be before {since}", field="after")
    report = reports.difference(score_reports(services), scope.period, since, until, scope.by)
    return answer(request, report, scope, "changes.html", {
        "user": principal, "before": since, "after": until, "document": report.document})


@router.get("/explain", response_class=HTMLResponse)
def explain(request: Request, principal: PagePrincipal, services: ServicesDep,
            officer: str | None = None, period: str | None = None,
            as_of: str | None = None) -> Response:
    """Why an officer has these points: every fact and the method clause behind it."""
    allow(principal, "explain")
    day = as_of_day(as_of)
    span = period_label(period, latest_year(services, day))
    officers = services.view("catalog").officers(services.tally.today())
    code = officer or principal.officer_code
    standing = None
    if code:
        code = inputs.code("officer", code)
        found = next((o for o in officers if o["code"] == code), None)
        if found is None:
            raise NotFoundError(f"no officer {code}", field="officer")
        check_officer_scope(principal, code, found["unit_code"])
        standing = score_reports(services).standing(code, span, "officer", day)
    if not principal.sees_whole_office:  # the choice offered: only whom they may see
        officers = [o for o in officers if o["code"] == principal.officer_code
                    or (principal.has("approver") and o["unit_code"] == principal.unit_code)]
    lines = sorted(standing.lines, key=lambda x: (x.valid_on, x.clause)) if standing else []
    return render(request, "explain.html", {
        "user": principal, "officer": code or "", "period": span, "as_of": day,
        "officers": officers, "standing": standing, "lines": lines})


@router.get("/exports", response_class=HTMLResponse)
def exports(request: Request, principal: PagePrincipal, services: ServicesDep,
            period: str | None = None, as_of: str | None = None) -> Response:
    """Every report's downloads for a period, and the printable bulletin."""
    allow(principal, "export")
    day = as_of_day(as_of)
    span = period_label(period, latest_year(services, day))
    return render(request, "exports.html", {"user": principal, "period": span, "as_of": day})
