"""Year-end honours (评先): advanced units (先进集体), advanced officers (先进个人) and excellent
items (优秀信息), awarded by the method's [honours] rules when the year closes; revoked with a
reason when a retraction leaves the holder no longer within those rules."""

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

    def revoke(self, reason: str, cause: Cause) -> None:
        if self.revoked_reason is not None:
            raise WrongStateError("this honour was revoked before", field="honour_id")
        self._revoked(reason=reason, cause=cause)

    @event("Revoked")
    def _revoked(self, reason: str, cause: Cause) -> None:
        self.revoked_reason = reason
