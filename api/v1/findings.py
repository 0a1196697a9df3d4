"""Findings (通报扣分): problems the office found and deducts for; withdraw one with a reason;
list a period's as known at any moment."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from api import reports as assemble
from api.deps import ApiMeta, ApiPrincipal, ServicesDep
from api.policy import allow
from api.v1.common import (
    AsOfQuery,
    Code,
    CommandResult,
    FormatQuery,
    HolderKind,
    PeriodQuery,
    Reason,
    download,
    permit,
    score_reports,
)

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


@router.get("", summary="A period's findings in force, as known at a moment, with their points")
def list_findings(principal: ApiPrincipal, services: ServicesDep, period: PeriodQuery,
                  by: Annotated[HolderKind | None, Query(description="officer or unit; "
                                                         "default both")] = None,
                  holder: Annotated[str | None, Query(max_length=64,
                                                      description="one officer's or unit's "
                                                      "code (with by)")] = None,
                  as_of: AsOfQuery = None, output: FormatQuery = "json") -> Response:
    """JSON: a list of {id, kind, kind_name, holder_kind, holder, name, unit, found_on, reason,
    points} by the day found; ``points`` is what the method in force deducts (null: none). A
    withdrawn finding is not there once its withdrawal was known."""
    permit(principal, "read_reports", output)
    report = assemble.findings(score_reports(services), period, by, holder, as_of)
    return download(principal, report, output, f"findings-{period}")
