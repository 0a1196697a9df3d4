"""Scoring methods (计分办法): publish a TOML version, reschedule or withdraw it, list them."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.deps import ApiMeta, ApiPrincipal, ServicesDep
from api.policy import allow
from api.v1.common import CommandResult, Reason
from domain.method import MAX_SOURCE, parse_method

router = APIRouter(prefix="/methods", tags=["methods"])


class MethodPublication(BaseModel):
    source: Annotated[str, Field(min_length=1, max_length=MAX_SOURCE,
                                 description="The method file (TOML); errors name the key")]


class MethodReschedule(BaseModel):
    effective_from: date
    reason: Reason


class MethodWithdrawal(BaseModel):
    reason: Reason


@router.post("", response_model=CommandResult, status_code=201,
             summary="Publish a scoring-method file as a version; answers its code")
def publish_method(body: MethodPublication, principal: ApiPrincipal, meta: ApiMeta,
                   services: ServicesDep) -> CommandResult:
    allow(principal, "publish_method")
    return CommandResult(id=services.tally.publish_method(body.source, meta=meta))


@router.post("/{code}/reschedule", response_model=CommandResult,
             summary="Move a version's effective date, with the reason")
def reschedule_method(code: str, body: MethodReschedule, principal: ApiPrincipal,
                      meta: ApiMeta, services: ServicesDep) -> CommandResult:
    allow(principal, "reschedule_method")
    return CommandResult(id=services.tally.reschedule_method(code, body.effective_from,
                                                             body.reason, meta=meta))


@router.post("/{code}/withdraw", response_model=CommandResult,
             summary="Withdraw a version, with the reason")
def withdraw_method(code: str, body: MethodWithdrawal, principal: ApiPrincipal,
                    meta: ApiMeta, services: ServicesDep) -> CommandResult:
    allow(principal, "withdraw_method")
    return CommandResult(id=services.tally.withdraw_method(code, body.reason, meta=meta))


@router.get("", summary="The versions in force or scheduled, by effective date")
def list_methods(principal: ApiPrincipal, services: ServicesDep) -> list[dict[str, Any]]:
    allow(principal, "read_directory")
    versions = []
    for code, source in services.tally.method_sources().items():
        method = parse_method(source)
        versions.append({"code": code, "name": method.name,
                         "effective_from": method.effective_from.isoformat(),
                         "digest": method.digest})
    return sorted(versions, key=lambda v: (v["effective_from"], v["code"]))
