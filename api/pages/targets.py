"""Targets (目标管理): a year's targets of units and officers as set and last adjusted, as
known at a day, to read and download; administrators set a target and adjust one (with the
reason) from the same page."""

from __future__ import annotations

import re

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from api import reports
from api.deps import PagePrincipal, ServicesDep, command_meta
from api.pages.common import CSRF, Field, Key, as_of_day, back_to, latest_year, score_reports
from api.pages.rendering import download_report, output_format, render
from api.policy import allow
from domain import inputs

router = APIRouter(include_in_schema=False)


def monthly(text: str) -> list[str] | None:
    """The twelve monthly figures typed as ``2;2;1;…`` (or with commas or spaces), or None
    for an even split."""
    parts = [part for part in re.split(r"[;,，；\s]+", text.strip()) if part]
    return parts or None


@router.get("/targets", response_class=HTMLResponse)
def target_list(request: Request, principal: PagePrincipal, services: ServicesDep,
                year: str | None = None, as_of: str | None = None,
                format: str | None = None, done: str | None = None) -> Response:  # noqa: A002
    """A year's targets, units first, as known at a day (now, by default)."""
    allow(principal, "read_reports")
    file_format = output_format(format)
    if file_format != "html":
        allow(principal, "export")
    day = as_of_day(as_of)
    shown = inputs.whole("year", year or latest_year(services, day), minimum=2000, maximum=2100)
    report = reports.targets(score_reports(services), shown, None, day)
    if file_format != "html":
        return download_report(report, file_format, f"targets-{shown}")
    return render(request, "targets.html", {
        "user": principal, "year": shown, "as_of": day, "rows": report.document,
        "done": done})


@router.post("/targets", dependencies=CSRF)
def set_target(principal: PagePrincipal, services: ServicesDep, holder_kind: Field = "",
               holder: Field = "", year: Field = "", items: Field = "", points: Field = "",
               monthly_items: Field = "", idempotency_key: Key = None) -> Response:
    """Set an officer's or unit's target for a year (split evenly by month unless given)."""
    allow(principal, "set_target")
    services.tally.set_target(holder_kind, holder, year, items or None, points or None,
                              monthly(monthly_items),
                              meta=command_meta(principal, idempotency_key or None))
    return back_to("/targets", year=year, done="target_set")


@router.post("/targets/adjust", dependencies=CSRF)
def adjust_target(principal: PagePrincipal, services: ServicesDep, holder_kind: Field = "",
                  holder: Field = "", year: Field = "", items: Field = "", points: Field = "",
                  reason: Field = "", monthly_items: Field = "",
                  idempotency_key: Key = None) -> Response:
    """Adjust a target already set: its new figures, with the reason."""
    allow(principal, "adjust_target")
    services.tally.adjust_target(holder_kind, holder, year, items or None, points or None,
                                 reason, monthly(monthly_items),
                                 meta=command_meta(principal, idempotency_key or None))
    return back_to("/targets", year=year, done="target_adjusted")
