"""The log's integrity (日志完整性) for auditors and administrators: the hash chain's head and
checkpoints, to compare with a copy kept outside the database, and on request the chain
recomputed (from the latest checkpoint, or over the whole log with every published bulletin
recomputed at its pinned position), as ``tally verify`` does on the command line."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import PagePrincipal, ServicesDep
from api.pages.rendering import render
from api.policy import allow
from domain import inputs
from store.chain import CHAIN_ALGORITHM
from store.verify import held, stored_hash, verify_chain
from workflows.publication import verify_bulletins

router = APIRouter(include_in_schema=False)


class Check(StrEnum):
    """What ``?check=`` asks for: the chain since the latest checkpoint, or everything."""

    LATEST = "latest"
    ALL = "all"


#: The checkpoints the page lists, latest first (one is taken every thousand positions).
SHOWN_CHECKPOINTS = 20


@router.get("/integrity", response_class=HTMLResponse)
def integrity(request: Request, principal: PagePrincipal, services: ServicesDep,
              check: str | None = None, position: str | None = None,
              hash: str | None = None) -> Response:  # noqa: A002
    """The chain head and checkpoints; with ``check``, the verification's finding; with a
    ``position`` and the chain ``hash`` someone holds for it, whether the log's agrees."""
    allow(principal, "verify_log")
    scope = inputs.choice("check", Check, check) if check else None
    holding = held(position, hash)
    recorder: Any = services.tally.recorder
    zone = services.tally.zone
    checkpoints = recorder.select_checkpoints()
    context: dict[str, Any] = {
        "user": principal, "algorithm": CHAIN_ALGORITHM, "head": recorder.chain_head(),
        "checkpoint_count": len(checkpoints), "check": scope,
        "checkpoints": [{"position": point.position, "hash": point.chain_hash.hex(),
                         "taken_at": f"{point.taken_at.astimezone(zone):%Y-%m-%d %H:%M:%S}"}
                        for point in reversed(checkpoints[-SHOWN_CHECKPOINTS:])],
    }
    if holding is not None:
        context["held"] = {"position": holding[0], "hash": holding[1],
                           "stored": stored_hash(recorder, holding[0])}
    if scope is not None:
        verification = verify_chain(recorder, from_checkpoint=scope is Check.LATEST)
        context["verification"] = verification
        # As ``tally verify``: bulletins are recomputed from a log that verifies, never from
        # one that does not (whose changed events the read models may not even decode).
        if scope is Check.ALL and verification.ok:
            with services.exclusive() as projections:
                context["bulletins"] = verify_bulletins(services.tally, projections["ledger"])
    return render(request, "integrity.html", context)
