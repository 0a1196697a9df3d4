"""Year-end honours (评先): advanced units (先进集体), advanced officers (先进个人) and excellent
items (优秀信息), awarded by the method's [honours] rules when the year closes; revoked with a
reason when a retraction leaves the holder no longer within those rules; a revoked honour's place
filled (递补) when the office so decides, by another holder's honour."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import WrongStateError
from domain.identity import derived_id
from domain.values import Cause


class Honour(Aggregate):
    @staticmethod
    def create_id(year: int, category: str, holder: str, **_: Any) -> UUID:
        return derived_id("honour", year, category, holder)

    @event("Awarded")
    def __init__(self, year: int, category: str, holder: str, name: str, rank: int,
                 points: Decimal, rule: str, cause: Cause):
        self.year = year
        self.category = category
        self.holder = holder  # an officer's or unit's code, or an item's id
        self.name = name
        self.rank = rank
        self.points = points
        self.rule = rule
        self.revoked_reason: str | None = None
        self.filled_by: UUID | None = None  # the honour awarded in this one's place
        self.filled_reason: str | None = None

    def revoke(self, reason: str, cause: Cause) -> None:
        if self.revoked_reason is not None:
            raise WrongStateError("this honour was revoked before", field="honour_id")
        self._revoked(reason=reason, cause=cause)

    @event("Revoked")
    def _revoked(self, reason: str, cause: Cause) -> None:
        self.revoked_reason = reason

    def fill(self, by_honour_id: UUID, by_holder: str, by_name: str, reason: str,
             cause: Cause) -> None:
        """Record that the honour ``by_honour_id`` (of ``by_holder``) was awarded in this
        revoked honour's place, with the office's reason."""
        if self.revoked_reason is None:
            raise WrongStateError("only a revoked honour's place can be filled",
                                  field="honour_id")
        if self.filled_by is not None:
            raise WrongStateError("this honour's place was filled before", field="honour_id")
        self._filled(by_honour_id=by_honour_id, by_holder=by_holder, by_name=by_name,
                     reason=reason, cause=cause)

    @event("Filled")
    def _filled(self, by_honour_id: UUID, by_holder: str, by_name: str, reason: str,
                cause: Cause) -> None:
        self.filled_by = by_honour_id
        self.filled_reason = reason
