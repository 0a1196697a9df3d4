"""Officers (信息员): enrol, transfer, record leaving, list."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.deps import ApiMeta, ApiPrincipal, ServicesDep
from api.policy import allow
from api.v1.common import Code, CommandResult, Note, OnQuery, on_day

router = APIRouter(prefix="/officers", tags=["officers"])


class OfficerCreate(BaseModel):
    code: Code
    name: Annotated[str, Field(min_length=1, max_length=50)]
    unit: Code
    enrolled_on: date

    model_config = {"json_schema_extra": {"examples": [
        {"code": "o1", "name": "张伟", "unit": "u1", "enrolled_on": "2025-01-01"}]}}


class OfficerTransfer(BaseModel):
    to_unit: Code
    effective_on: date
    reason: Note = ""


class OfficerLeaving(BaseModel):
    left_on: date
    reason: Note = ""


@router.post("", response_model=CommandResult, status_code=201, summary="Enrol an officer")
def enrol_officer(body: OfficerCreate, principal: ApiPrincipal, meta: ApiMeta,
                  services: ServicesDep) -> CommandResult:
    allow(principal, "enrol_officer")
    officer_id = services.tally.enrol_officer(body.code, body.name, body.unit, body.enrolled_on,
                                              meta=meta)
    return CommandResult(id=str(officer_id))


@router.post("/{code}/transfer", response_model=CommandResult,
             summary="Move an officer to another unit from a day")
def transfer_officer(code: str, body: OfficerTransfer, principal: ApiPrincipal, meta: ApiMeta,
                     services: ServicesDep) -> CommandResult:
    allow(principal, "transfer_officer")
    officer_id = services.tally.transfer_officer(code, body.to_unit, body.effective_on,
                                                 body.reason, meta=meta)
    return CommandResult(id=str(officer_id))


@router.post("/{code}/leave", response_model=CommandResult,
             summary="Record that an officer left")
def record_leaving(code: str, body: OfficerLeaving, principal: ApiPrincipal, meta: ApiMeta,
                   services: ServicesDep) -> CommandResult:
    allow(principal, "record_leaving")
    officer_id = services.tally.record_leaving(code, body.left_on, body.reason, meta=meta)
    return CommandResult(id=str(officer_id))


@router.get("", summary="Every officer with their unit")
def list_officers(principal: ApiPrincipal, services: ServicesDep,
                  on: OnQuery = None) -> list[dict[str, Any]]:
    """A list of {code, name, unit_code, unit_name, enrolled_on, left_on, moves_to,
    moves_to_name, moves_on} by code: each officer's unit on the day (today unless ``on`` is
    given) and, where a transfer is recorded to take effect later, where to and from when."""
    allow(principal, "read_directory")
    day = on_day(services, on)
    return services.view("catalog").officers(day)  # type: ignore[no-any-return]
