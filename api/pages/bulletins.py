"""Bulletins (通报): any period's as known at a day, and the published ones as they were
published (pinned to their log position); both print cleanly and download as Excel or CSV."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api import reports
from api.deps import PagePrincipal, ServicesDep, command_meta
from api.pages.common import (
    CSRF,
    Field,
    Key,
    as_of_day,
    latest_year,
    period_label,
    score_reports,
    today,
)
from api.pages.rendering import download, download_report, output_format, render
from api.policy import allow, can
from api.report_sheets import bulletin_sheets
from domain import inputs
from domain.errors import InvalidInputError, WrongStateError
from domain.method import HONOUR_CATEGORIES
from domain.period import Period
from domain.publication_commands import period_kind
from domain.values import HolderKind
from workflows.publication import close_period, reissue

router = APIRouter(include_in_schema=False)


def periods_of(year: int) -> list[str]:
    """Every period that closes within a year: its months, quarters, halves and the year."""
    return ([f"{year}-{month:02d}" for month in range(1, 13)]
            + [f"{year}-Q{quarter}" for quarter in range(1, 5)]
            + [f"{year}-H1", f"{year}-H2", str(year)])


@router.get("/bulletins", response_class=HTMLResponse)
def bulletin_list(request: Request, principal: PagePrincipal, services: ServicesDep,
                  year: str | None = None, period: str | None = None,
                  as_of: str | None = None) -> Response:
    """The bulletins published in a year, and a form to see any period's."""
    allow(principal, "read_bulletins")
    if period:  # the form asks for a period's bulletin
        day = as_of_day(as_of)
        return RedirectResponse(f"/bulletins/{period_label(period, period)}"
                                + (f"?as_of={day}" if day else ""), status_code=303)
    shown = inputs.whole("year", year or latest_year(services), minimum=2000, maximum=2100)
    tally = services.tally
    published = [tally.published_bulletin(p) for p in periods_of(shown) if tally.is_published(p)]
    awaiting = ([(p, period_kind(Period.parse(p))) for p in periods_of(shown)
                 if has_ended(p, today(services)) and not tally.is_published(p)]
                if can(principal, "close_period") else [])
    return render(request, "bulletins.html", {
        "user": principal, "year": shown, "published": published, "awaiting": awaiting})


def has_ended(period: str, day: date) -> bool:
    """Whether the period's last day is behind ``day``: only then is its bulletin published."""
    return Period.parse(period).end < day


@router.post("/bulletins/{period}/publish", dependencies=CSRF)
def publish(period: str, principal: PagePrincipal, services: ServicesDep,
            confirm: Field = "",
            idempotency_key: Key = None) -> Response:
    """Close an ended period: its bulletin published as the log stands now, pinned to its
    position; its rewards granted, and a year's honours. Publishing again changes nothing."""
    allow(principal, "close_period")
    span = period_label(period, period)
    ends = Period.parse(span).end
    if not has_ended(span, today(services)):
        raise WrongStateError(f"{span} ends on {ends.isoformat()}: its bulletin is published "
                              f"after that", field="period")
    if confirm != "yes":
        raise InvalidInputError("confirm that the bulletin is to be published as it stands",
                                field="confirm")
    with services.exclusive() as projections:
        close_period(services.tally, projections["ledger"], span,
                     meta=command_meta(principal, idempotency_key or None))
    return RedirectResponse(f"/bulletins/{span}/published", status_code=303)


def by_table(by: str | None) -> str:
    return inputs.choice("by", HolderKind, by or "officer").value


@router.get("/bulletins/{period}", response_class=HTMLResponse)
def bulletin_page(request: Request, period: str, principal: PagePrincipal,
                  services: ServicesDep, as_of: str | None = None, by: str | None = None,
                  format: str | None = None) -> Response:  # noqa: A002
    """A period's bulletin as known at the end of a day (now, by default), to print."""
    allow(principal, "read_bulletins")
    file_format = output_format(format)
    if file_format != "html":  # refused before anything is read
        allow(principal, "export")
    day = as_of_day(as_of)
    span = period_label(period, period)
    report = reports.bulletin(score_reports(services), span, by_table(by), day)
    if file_format != "html":
        return download_report(report, file_format, f"bulletin-{span}")
    published = services.tally.is_published(span)
    return render(request, "bulletin.html", {
        "user": principal, "content": report.document, "as_of": day, "period": span,
        "pinned": None, "published": published,
        "publishable": not published and has_ended(span, today(services))})


@router.get("/bulletins/{period}/published", response_class=HTMLResponse)
def published_bulletin(request: Request, period: str, principal: PagePrincipal,
                       services: ServicesDep, by: str | None = None,
                       format: str | None = None) -> Response:  # noqa: A002
    """A published bulletin recomputed at its pinned log position: the same bytes as issued,
    checked against its digest."""
    allow(principal, "read_bulletins")
    file_format = output_format(format)
    if file_format != "html":  # refused before anything is read
        allow(principal, "export")
    span = period_label(period, period)
    record: dict[str, Any] = services.tally.published_bulletin(span)
    services.current()
    issue = reissue(services.tally, services.projections["ledger"], span)
    if file_format != "html":
        table = 3 if by_table(by) == "officer" else 2
        return download(bulletin_sheets(issue.content), file_format, f"bulletin-{span}-published",
                        table)
    catalog = services.view("catalog")
    parsed = Period.parse(span)
    return render(request, "bulletin.html", {
        "user": principal, "content": issue.content, "as_of": None, "period": span,
        "published": True, "decisions": decisions(catalog, parsed), "pinned": {
            "position": issue.position, "digest": record["digest"],
            "matches": issue.digest == record["digest"], "errata": record["errata"],
            "as_of": issue.as_of.astimezone(services.tally.zone).isoformat(timespec="minutes")}})


def decisions(catalog: Any, period: Period) -> dict[str, Any]:
    """What the close decided besides the bulletin, as it stands now: the rewards of the
    period's lines (how many, the sum paid, the revoked ones) and, for a year, its honours."""
    rewards = catalog.rewards(period)
    revoked = [r for r in rewards if r["revoked_reason"] is not None]
    paid = sum((Decimal(r["amount"]) for r in rewards if r["revoked_reason"] is None),
               Decimal(0))
    honours = catalog.honours(period.year) if period.is_year else []
    return {"rewards": len(rewards), "paid": f"{paid:.2f}", "revoked": revoked,
            "honours": [(category, [h for h in honours if h["category"] == category])
                        for category in HONOUR_CATEGORIES
                        if any(h["category"] == category for h in honours)]}
