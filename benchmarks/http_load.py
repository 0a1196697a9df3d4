"""HTTP command throughput, latency and projection lag under load, against the JSON API
served by several uvicorn workers on PostgreSQL, with an httpx load generator on loopback.

Until the JSON API has command routes (``POST /api/v1/...`` that record facts), this reports
that it could not be measured, and which routes it found."""

from __future__ import annotations

from typing import Any

#: Routes of the API that record no fact: logging in is not a command of the office.
NOT_COMMANDS = {"/api/v1/tokens"}


def command_routes() -> list[str]:
    """``METHOD path`` of every command route under /api/v1 (empty until they land)."""
    try:
        from api.v1 import api_router
    except ImportError:
        return []
    found = []
    for route in api_router.routes:
        path = getattr(route, "path", "")
        methods = getattr(route, "methods", set()) or set()
        if path.startswith("/api/v1") and path not in NOT_COMMANDS and methods & {
                "POST", "PUT", "PATCH"}:
            found.append(f"{'/'.join(sorted(methods))} {path}")
    return sorted(found)


def measure(url: str, *, seconds: float, workers: int, clients: int) -> dict[str, Any]:
    routes = command_routes()
    if not routes:
        return {"measured": False,
                "reason": "no API: /api/v1 has no command routes yet (only tokens and me)"}
    return {"measured": False, "routes": routes,
            "reason": f"command routes have landed ({len(routes)}), but the load generator "
                      "for them is not written yet"}
