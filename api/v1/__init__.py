"""The JSON API, version 1: one router per resource, all under /api/v1."""

from __future__ import annotations

from fastapi import APIRouter

from api.v1 import tokens

api_router = APIRouter(prefix="/api/v1")
for module in (tokens,):
    api_router.include_router(module.router)
