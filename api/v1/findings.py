"""Findings (通报扣分): problems the office found and deducts for; withdraw one with a reason."""

from __future__ import annotations

from datetime import date
from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.deps import ApiMeta, ApiPrincipal, ServicesDep
from api.policy import allow
from api.v1.common import Code, CommandResult, HolderKind, Reason

router = APIRouter(prefix="/findings", tags=["findings"])


class FindingCreate(BaseModel):
    kind: Literal["missed", "concealed", "false", "error"]
    holder_kind: HolderKind
    holder: Code
    found_on: date
    reason: Reason
    submission_id: str | None = Field(None, max_length=36)
    ref: Code | None = None


class FindingWithdrawal(BaseModel):
    reason: Reason


@router.post("", response_model=CommandResult, status_code=201,
             summary="Record a finding against an officer or unit")
def record_finding(body: FindingCreate, principal: ApiPrincipal, meta: ApiMeta,
                   services: ServicesDep) -> CommandResult:
    allow(principal, "record_finding")
    finding_id = services.tally.record_finding(body.kind, body.holder_kind, body.holder,
                                               body.found_on, body.reason, body.submission_id,
                                               body.ref, meta=meta)
    return CommandResult(id=str(finding_id))


@router.post("/{finding_id}/withdraw", response_model=CommandResult,
             summary="Withdraw a finding, with the reason")
def withdraw_finding(finding_id: str, body: FindingWithdrawal, principal: ApiPrincipal,
                     meta: ApiMeta, services: ServicesDep) -> CommandResult:
    allow(principal, "withdraw_finding")
    return CommandResult(id=str(services.tally.withdraw_finding(finding_id, body.reason,
                                                                meta=meta)))
