"""Units of the office: register, rename, reclassify, close, list."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.deps import ApiMeta, ApiPrincipal, ServicesDep
from api.policy import allow
from api.v1.common import Code, CommandResult, Name, OnQuery, Reason, on_day

router = APIRouter(prefix="/units", tags=["units"])


class UnitCreate(BaseModel):
    code: Code
    name: Name
    unit_class: str = Field(min_length=1, max_length=50)
    registered_on: date


class UnitRename(BaseModel):
    name: Name
    effective_on: date
    reason: Reason


@router.post("", response_model=CommandResult, status_code=201, summary="Register a unit")
def register_unit(body: UnitCreate, principal: ApiPrincipal, meta: ApiMeta,
                  services: ServicesDep) -> CommandResult:
    allow(principal, "register_unit")
    unit_id = services.tally.register_unit(body.code, body.name, body.unit_class,
                                           body.registered_on, meta=meta)
    return CommandResult(id=str(unit_id))


@router.post("/{code}/rename", response_model=CommandResult, summary="Rename a unit from a day")
def rename_unit(code: str, body: UnitRename, principal: ApiPrincipal, meta: ApiMeta,
                services: ServicesDep) -> CommandResult:
    allow(principal, "rename_unit")
    unit_id = services.tally.rename_unit(code, body.name, body.effective_on, body.reason,
                                         meta=meta)
    return CommandResult(id=str(unit_id))


class UnitReclassify(BaseModel):
    unit_class: str = Field(min_length=1, max_length=50)
    reason: Reason


@router.post("/{code}/reclassify", response_model=CommandResult,
             summary="Change a unit's class (A类, B类 and the like)")
def reclassify_unit(code: str, body: UnitReclassify, principal: ApiPrincipal, meta: ApiMeta,
                    services: ServicesDep) -> CommandResult:
    allow(principal, "reclassify_unit")
    unit_id = services.tally.reclassify_unit(code, body.unit_class, body.reason, meta=meta)
    return CommandResult(id=str(unit_id))


class UnitClose(BaseModel):
    closed_on: date
    reason: Reason
    successor: Code | None = None


@router.post("/{code}/close", response_model=CommandResult,
             summary="Close a unit (撤并) from a day, its officers moved to a successor")
def close_unit(code: str, body: UnitClose, principal: ApiPrincipal, meta: ApiMeta,
               services: ServicesDep) -> CommandResult:
    allow(principal, "close_unit")
    unit_id = services.tally.close_unit(code, body.closed_on, body.reason, body.successor,
                                        meta=meta)
    return CommandResult(id=str(unit_id))


@router.get("", summary="Every unit with its number of serving officers")
def list_units(principal: ApiPrincipal, services: ServicesDep,
               on: OnQuery = None) -> list[dict[str, Any]]:
    """A list of {code, name, unit_class, officers} by code: each unit's name on the day
    (today unless ``on`` is given) and the officers serving in it that day."""
    allow(principal, "read_directory")
    day = on_day(services, on)
    return services.view("catalog").units(day)  # type: ignore[no-any-return]
