"""Annual targets (目标任务) of officers and units: set one, adjust it with a reason, list a
year's as known at any moment."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

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
    Reason,
    download,
    permit,
    score_reports,
)

router = APIRouter(prefix="/targets", tags=["targets"])

Year = Annotated[int, Field(ge=2000, le=2100)]
Monthly = Annotated[list[int], Field(min_length=12, max_length=12)]
MonthlyPoints = Annotated[list[Decimal], Field(min_length=12, max_length=12)]


class TargetFigures(BaseModel):
    items: Annotated[int, Field(ge=0, le=100_000)] | None = None
    points: Annotated[Decimal, Field(ge=0, le=1_000_000)] | None = None
    monthly_items: Monthly | None = None
    monthly_points: MonthlyPoints | None = None


class TargetCreate(TargetFigures):
    holder_kind: HolderKind
    holder: Code
    year: Year


class TargetAdjustment(TargetFigures):
    reason: Reason


def amounts(values: list[Decimal] | None) -> list[str] | None:
    return None if values is None else [str(v) for v in values]


@router.post("", response_model=CommandResult, status_code=201,
             summary="Set an officer's or unit's target for a year")
def set_target(body: TargetCreate, principal: ApiPrincipal, meta: ApiMeta,
               services: ServicesDep) -> CommandResult:
    allow(principal, "set_target")
    target_id = services.tally.set_target(
        body.holder_kind, body.holder, body.year, body.items,
        None if body.points is None else str(body.points), body.monthly_items,
        amounts(body.monthly_points), meta=meta)
    return CommandResult(id=str(target_id))


@router.post("/{holder_kind}/{holder}/{year}/adjust", response_model=CommandResult,
             summary="Adjust a target, with the reason")
def adjust_target(holder_kind: HolderKind, holder: str, year: int, body: TargetAdjustment,
                  principal: ApiPrincipal, meta: ApiMeta,
                  services: ServicesDep) -> CommandResult:
    allow(principal, "adjust_target")
    target_id = services.tally.adjust_target(
        holder_kind, holder, year, body.items,
        None if body.points is None else str(body.points), body.reason, body.monthly_items,
        amounts(body.monthly_points), meta=meta)
    return CommandResult(id=str(target_id))


@router.get("", summary="A year's targets as set and adjusted, as known at a moment")
def list_targets(principal: ApiPrincipal, services: ServicesDep,
                 year: Annotated[int, Query(ge=2000, le=2100)],
                 by: Annotated[HolderKind | None, Query(description="officer or unit; "
                                                        "default both")] = None,
                 as_of: AsOfQuery = None, output: FormatQuery = "json") -> Response:
    """JSON: a list of {holder_kind, holder, name, unit, year, items, points, monthly_items},
    units first; ``unit`` is an officer's unit at the year's end."""
    permit(principal, "read_reports", output)
    report = assemble.targets(score_reports(services), year, by, as_of)
    return download(principal, report, output, f"targets-{year}")
