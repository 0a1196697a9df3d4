"""The ids that the ledger files' codes name."""

from __future__ import annotations

from functools import lru_cache
from uuid import UUID

from domain.account import Account
from domain.commission import Commission
from domain.finding import Finding
from domain.officer import Officer
from domain.outlet import Outlet
from domain.submission import Submission
from domain.unit import Unit

KINDS = {"unit": Unit, "officer": Officer, "outlet": Outlet, "account": Account,
         "commission": Commission, "submission": Submission, "finding": Finding}

#: Kinds that may be recorded without a reference: exported, such a thing's code is its id.
UNREFERENCED = ("commission", "submission", "finding")


@lru_cache(maxsize=20_000)
def id_of(kind: str, code: str) -> UUID:
    """The id a code names; cached, as most rows name the same few officers and outlets. An
    id for a code is that id (a thing recorded without a reference, exported)."""
    if kind in UNREFERENCED and is_uuid(code):
        return UUID(code)
    return KINDS[kind].create_id(code)  # type: ignore[no-any-return]


def named(kind: str, code: str) -> dict[str, str]:
    """The arguments that give a new thing of ``kind`` its code: its reference, or (an id for
    a code) its id, kept."""
    return {f"{kind}_id": code} if is_uuid(code) else {"ref": code}


def is_uuid(text: str) -> bool:
    try:
        UUID(text)
    except ValueError:
        return False
    return True
