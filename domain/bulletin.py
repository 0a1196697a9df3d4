"""Published bulletins (通报): pinned to a log position, never changed; errata follow them."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import AlreadyExistsError
from domain.identity import derived_id
from domain.values import Cause


class Bulletin(Aggregate):
    """One period's bulletin: its digest at a log position and as-of moment, then its errata."""

    @staticmethod
    def create_id(kind: str, period: str, **_: Any) -> UUID:
        return derived_id("bulletin", kind, period)

    @event("Published")
    def __init__(self, kind: str, period: str, position: int, as_of: datetime, digest: str,
                 cause: Cause):
        self.kind = kind
        self.period = period
        self.position = position
        self.as_of = as_of
        self.digest = digest
        self.errata: list[dict[str, Any]] = []

    def issue_erratum(self, erratum_id: UUID, fact: dict[str, Any], reason: str,
                      holders: list[dict[str, Any]], causes: list[dict[str, Any]],
                      cause: Cause) -> None:
        self.check_erratum_new(erratum_id)
        self._erratum_issued(erratum_id=erratum_id, fact=fact, reason=reason, holders=holders,
                             causes=causes, cause=cause)

    @event("ErratumIssued")
    def _erratum_issued(self, erratum_id: UUID, fact: dict[str, Any], reason: str,
                        holders: list[dict[str, Any]], causes: list[dict[str, Any]],
                        cause: Cause) -> None:
        self.errata.append({"id": str(erratum_id), "fact": fact, "reason": reason,
                            "holders": holders, "causes": causes})

    def has_erratum(self, erratum_id: UUID) -> bool:
        return any(erratum["id"] == str(erratum_id) for erratum in self.errata)

    def check_erratum_new(self, erratum_id: UUID) -> None:
        if self.has_erratum(erratum_id):
            raise AlreadyExistsError("this erratum was issued before", field="erratum_id")


def erratum_id(bulletin_id: UUID, fact_id: UUID, fact_version: int) -> UUID:
    """The erratum a fact causes to a bulletin: the same fact never issues it twice."""
    return derived_id("erratum", bulletin_id, fact_id, fact_version)
