"""Outlets: the higher offices and media that adopt items."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from api.deps import ApiMeta, ApiPrincipal, ServicesDep
from api.policy import allow
from api.v1.common import Channel, Code, CommandResult, Level, Name

router = APIRouter(prefix="/outlets", tags=["outlets"])


class OutletCreate(BaseModel):
    code: Code
    name: Name
    channel: Channel
    level: Level


@router.post("", response_model=CommandResult, status_code=201, summary="Register an outlet")
def register_outlet(body: OutletCreate, principal: ApiPrincipal, meta: ApiMeta,
                    services: ServicesDep) -> CommandResult:
    allow(principal, "register_outlet")
    outlet_id = services.tally.register_outlet(body.code, body.name, body.channel, body.level,
                                               meta=meta)
    return CommandResult(id=str(outlet_id))


class OutletRename(BaseModel):
    name: Name
    reason: str


@router.post("/{code}/rename", response_model=CommandResult, summary="Rename an outlet")
def rename_outlet(code: str, body: OutletRename, principal: ApiPrincipal, meta: ApiMeta,
                  services: ServicesDep) -> CommandResult:
    allow(principal, "rename_outlet")
    outlet_id = services.tally.rename_outlet(code, body.name, body.reason, meta=meta)
    return CommandResult(id=str(outlet_id))


@router.get("", summary="Every outlet with its channel and level")
def list_outlets(principal: ApiPrincipal, services: ServicesDep) -> list[dict[str, Any]]:
    allow(principal, "read_directory")
    return services.view("catalog").outlets()  # type: ignore[no-any-return]
