"""Scoring methods (计分办法) as a page: the versions in force or scheduled as known at a day,
each with the file it was published from, to read and download; administrators check a
method file, publish it as a version, and reschedule or withdraw a version with the reason."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from api import reports
from api.deps import PagePrincipal, ServicesDep, command_meta
from api.pages.common import (
    CSRF,
    Field,
    Key,
    as_of_day,
    back_to,
    latest_year,
    period_label,
    score_reports,
    today,
)
from api.pages.rendering import render
from api.pages.reports import holder
from api.policy import allow
from api.services import Services
from domain import inputs
from domain.errors import InvalidInputError, NotFoundError
from domain.method import MAX_SOURCE, ScoringMethod, parse_method
from projections.scores import MethodVersion

router = APIRouter(include_in_schema=False)


def versions(services: Services, as_of: str | None) -> list[MethodVersion]:
    """The versions known at ``as_of`` (now, by default), with their state on that day (or
    today)."""
    day = date.fromisoformat(as_of) if as_of else today(services)
    return score_reports(services).method_versions(day, as_of)


def known(services: Services, code: str, as_of: str | None) -> ScoringMethod:
    wanted = inputs.code("code", code)
    method = score_reports(services).settings(as_of).methods.get(wanted)
    if method is None and as_of:
        raise NotFoundError(f"no scoring method {wanted} in force or scheduled as known on "
                            f"{as_of}", field="code")
    if method is None:
        raise NotFoundError(f"no scoring method {wanted} in force or scheduled", field="code")
    return method


@router.get("/methods", response_class=HTMLResponse)
def method_list(request: Request, principal: PagePrincipal, services: ServicesDep,
                as_of: str | None = None, done: str | None = None) -> Response:
    """The versions in force or scheduled, as known at a day."""
    allow(principal, "read_directory")
    day = as_of_day(as_of)
    return render(request, "methods.html", {
        "user": principal, "as_of": day, "versions": versions(services, day), "done": done,
        "checked": None, "source": "", "what_if": None})


@router.get("/methods/{code}", response_class=HTMLResponse)
def method_page(request: Request, code: str, principal: PagePrincipal, services: ServicesDep,
                as_of: str | None = None, format: str | None = None) -> Response:  # noqa: A002
    """One version: its rules at a glance and the file it was published from (``?format=toml``
    downloads that file)."""
    allow(principal, "read_directory")
    day = as_of_day(as_of)
    method = known(services, code, day)
    if format not in (None, "", "html", "toml"):
        raise InvalidInputError("must be html or toml", field="format")
    if format == "toml":
        return Response(method.source.encode("utf-8"), media_type="application/toml",
                        headers={"Content-Disposition": "attachment; filename*=UTF-8''"
                                 f"{quote(method.code, safe='')}.toml"})
    version = next(row for row in versions(services, day) if row.method.code == method.code)
    return render(request, "method.html", {"user": principal, "as_of": day,
                                           "version": version})


async def method_file(source: str, file: UploadFile | None) -> str:
    """The method's text: the uploaded file's (UTF-8) if one was chosen, else the pasted text."""
    if file is not None and file.filename:
        data = await file.read(MAX_SOURCE * 4 + 1)
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InvalidInputError("must be a text file in UTF-8", field="file") from None
        field = "file"
    else:
        text, field = source, "source"
    if not text.strip():
        raise InvalidInputError("choose a method file or paste its text", field=field)
    if len(text) > MAX_SOURCE:
        raise InvalidInputError(f"must be at most {MAX_SOURCE:,} characters", field=field)
    return text


@router.post("/methods", dependencies=CSRF)
async def publish_method(request: Request, principal: PagePrincipal, services: ServicesDep,
                         source: Field = "", check: Field = "",
                         file: Annotated[UploadFile | None, File()] = None,
                         idempotency_key: Key = None) -> Response:
    """Check a method file (``check=yes``: nothing is written, the page shows what it says),
    or publish it as a new version."""
    allow(principal, "publish_method")
    text = await method_file(source, file)
    if check:
        method = parse_method(text)
        return render(request, "methods.html", {
            "user": principal, "as_of": None, "versions": versions(services, None),
            "done": None, "checked": method, "source": text, "what_if": None})
    services.tally.publish_method(text, meta=command_meta(principal, idempotency_key or None))
    return back_to("/methods", done="method_published")


@router.post("/methods/what-if", dependencies=CSRF)
async def what_if(request: Request, principal: PagePrincipal, services: ServicesDep,
                  source: Field = "", period: Field = "", by: Field = "",
                  file: Annotated[UploadFile | None, File()] = None) -> Response:
    """A period scored under a method file (试算), beside the methods in force: nothing is
    written, the file need not be published."""
    allow(principal, "read_reports")
    text = await method_file(source, file)
    method = parse_method(text)
    span = period_label(period, latest_year(services))
    kind = holder(by)
    report = reports.what_if(score_reports(services), span, text, method.name, kind)
    return render(request, "methods.html", {
        "user": principal, "as_of": None, "versions": versions(services, None), "done": None,
        "checked": None, "source": text,
        "what_if": {"method": method, "period": span, "by": kind, "rows": report.document}})


@router.post("/methods/{code}/reschedule", dependencies=CSRF)
def reschedule_method(code: str, principal: PagePrincipal, services: ServicesDep,
                      effective_from: Field = "", reason: Field = "",
                      idempotency_key: Key = None) -> Response:
    """Move a version's effective date, with the reason."""
    allow(principal, "reschedule_method")
    services.tally.reschedule_method(code, effective_from, reason,
                                     meta=command_meta(principal, idempotency_key or None))
    return back_to("/methods", done="method_rescheduled")


@router.post("/methods/{code}/withdraw", dependencies=CSRF)
def withdraw_method(code: str, principal: PagePrincipal, services: ServicesDep,
                    reason: Field = "", idempotency_key: Key = None) -> Response:
    """Withdraw a version, with the reason: from then on it scores nothing."""
    allow(principal, "withdraw_method")
    services.tally.withdraw_method(code, reason,
                                   meta=command_meta(principal, idempotency_key or None))
    return back_to("/methods", done="method_withdrawn")
