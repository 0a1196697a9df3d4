"""Commissions (约稿): issue one to units with a deadline; record a unit's part as lapsed."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.deps import ApiMeta, ApiPrincipal, ServicesDep
from api.policy import allow
from api.v1.common import Code, CommandResult, Title

router = APIRouter(prefix="/commissions", tags=["commissions"])


class CommissionCreate(BaseModel):
    topic: Title
    units: Annotated[list[Code], Field(min_length=1, max_length=200)]
    issued_on: date
    deadline: date
    ref: Code | None = None


class LapseRecord(BaseModel):
    unit: Code
    lapsed_on: date


@router.post("", response_model=CommandResult, status_code=201,
             summary="Commission items from units by a deadline")
def issue_commission(body: CommissionCreate, principal: ApiPrincipal, meta: ApiMeta,
                     services: ServicesDep) -> CommandResult:
    allow(principal, "issue_commission")
    commission_id = services.tally.issue_commission(body.topic, body.units, body.issued_on,
                                                    body.deadline, body.ref, meta=meta)
    return CommandResult(id=str(commission_id))


@router.post("/{commission_id}/lapses", response_model=CommandResult,
             summary="Record a unit's part of a commission as lapsed after its deadline")
def record_lapse(commission_id: str, body: LapseRecord, principal: ApiPrincipal,
                 meta: ApiMeta, services: ServicesDep) -> CommandResult:
    allow(principal, "record_lapse")
    return CommandResult(id=str(services.tally.record_lapse(commission_id, body.unit,
                                                            body.lapsed_on, meta=meta)))
