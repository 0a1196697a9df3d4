"""Periods: close one (its bulletin published, pinned to the log, rewards granted), re-issue a
published bulletin byte for byte, read the published record."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import BaseModel

from api.deps import ApiMeta, ApiPrincipal, ServicesDep
from api.policy import allow
from api.v1.common import CommandResult, json_response
from domain.period import Period
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
