"""The JSON API, version 1: one router per resource, all under /api/v1."""

from __future__ import annotations

from fastapi import APIRouter

from api.v1 import (
    accounts,
    commissions,
    findings,
    methods,
    officers,
    outlets,
    periods,
    reports,
    submissions,
    targets,
    tokens,
    units,
)

ROUTERS = (tokens, units, officers, outlets, accounts, submissions, commissions, targets,
           methods, findings, periods, reports)

api_router = APIRouter(prefix="/api/v1")
for module in ROUTERS:
    api_router.include_router(module.router)
