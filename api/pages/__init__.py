"""The web pages: server-rendered with Jinja2 (no JavaScript build step), behind a login, in
Simplified Chinese by default and English by choice. One module per area of the desk."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import session_principal
from api.pages import (
    appeals,
    audit,
    bulletins,
    commissions,
    dashboard,
    directory,
    findings,
    imports,
    integrity,
    items,
    methods,
    register,
    reminders,
    reports,
    session,
    targets,
)
from api.pages.rendering import render, render_error

pages_router = APIRouter(include_in_schema=False)
for module in (session, dashboard, directory, items, register, commissions, appeals, reports,
               targets, findings, methods, imports, bulletins, audit, integrity, reminders):
    pages_router.include_router(module.router)

__all__ = ["pages_router", "render", "render_error", "session_principal"]
