"""Periods: close one (its bulletin published, pinned to the log, rewards granted), re-issue a
published bulletin byte for byte, read the published record, the rewards of a period's lines
and the honours of a year; fill the places of a year's revoked honours (递补)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import BaseModel

from api.deps import ApiMeta, ApiPrincipal, ServicesDep
from api.policy import allow
from api.v1.common import CommandResult, Reason, json_response
from domain.errors import InvalidInputError
from domain.method import HONOUR_CATEGORIES
from domain.period import Period
from workflows.honours import fill_vacancies
from workflows.publication import close_period, reissue

router = APIRouter(prefix="/periods", tags=["periods"])


class PeriodClose(BaseModel):
    known_at: datetime | None = None  # close as known then; default now


@router.post("/{period}/close", response_model=CommandResult, status_code=201,
             summary="Close a period: publish its bulletin, grant its rewards (and honours)")
def close(period: str, body: PeriodClose, principal: ApiPrincipal, meta: ApiMeta,
          services: ServicesDep) -> CommandResult:
    """Closing again changes nothing and answers the same bulletin."""
    allow(principal, "close_period")
    label = Period.parse(period).label
    with services.exclusive() as projections:
        bulletin_id = close_period(services.tally, projections["ledger"], label,
                                   meta=replace(meta, known_at=body.known_at))
    return CommandResult(id=str(bulletin_id))


@router.get("/{period}/bulletin", summary="The published bulletin's record: position, digest")
def published_bulletin(period: str, principal: ApiPrincipal,
                       services: ServicesDep) -> Response:
    allow(principal, "read_bulletins")
    return json_response(services.tally.published_bulletin(period))


@router.get("/{period}/bulletin/reissue",
            summary="The published bulletin computed again at its pinned position")
def reissue_bulletin(period: str, principal: ApiPrincipal, services: ServicesDep) -> Response:
    allow(principal, "reissue_bulletin")
    published = services.tally.published_bulletin(period)
    with services.exclusive() as projections:
        again = reissue(services.tally, projections["ledger"], period)
    return json_response({"period": again.period, "position": again.position,
                          "as_of": again.as_of, "digest": again.digest,
                          "matches": again.digest == published["digest"],
                          "content": again.content})


@router.get("/{period}/rewards",
            summary="The rewards of the period's lines: granted, revoked, and the sum paid")
def rewards(period: str, principal: ApiPrincipal, services: ServicesDep) -> dict[str, Any]:
    allow(principal, "read_bulletins")
    span = Period.parse(period)
    rows = services.view("catalog").rewards(span)
    paid = sum((Decimal(row["amount"]) for row in rows if row["revoked_reason"] is None),
               Decimal(0))
    return {"period": span.label, "rewards": rows, "granted": len(rows),
            "revoked": sum(1 for row in rows if row["revoked_reason"] is not None),
            "total": f"{paid:.2f}"}


@router.get("/{year}/honours",
            summary="A year's honours: advanced units, advanced officers, excellent items")
def honours(year: str, principal: ApiPrincipal, services: ServicesDep) -> dict[str, Any]:
    allow(principal, "read_bulletins")
    span = Period.parse(year, field="year")
    if not span.is_year:
        raise InvalidInputError("honours are awarded for a year, such as 2025", field="year")
    rows = services.view("catalog").honours(span.year)
    return {"year": span.year,
            "honours": {category: [row for row in rows if row["category"] == category]
                        for category in HONOUR_CATEGORIES}}


class HonoursFill(BaseModel):
    reason: Reason  # the office's decision
    known_at: datetime | None = None  # rank as known then; default now


@router.post("/{year}/honours/fill", status_code=201,
             summary="Fill the places of a year's revoked honours (递补), as the office decided")
def fill_honours(year: str, body: HonoursFill, principal: ApiPrincipal, meta: ApiMeta,
                 services: ServicesDep) -> dict[str, Any]:
    """Each revoked honour's place not filled yet goes to the best ranked holder within the
    same rules, as the log stands, who holds no honour of that category that year; a place
    nobody is within the rules for stays empty. Answers the honours awarded (none when
    deciding again)."""
    allow(principal, "fill_honours")
    with services.exclusive() as projections:
        filled = fill_vacancies(services.tally, projections["ledger"], projections["catalog"],
                                year, body.reason, replace(meta, known_at=body.known_at))
    return {"filled": [str(honour_id) for honour_id in filled]}
