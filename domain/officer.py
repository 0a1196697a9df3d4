"""Information officers (信息员): enrolled in a unit, transferred with a date, leaving."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import InvalidInputError, WrongStateError
from domain.identity import derived_id
from domain.values import Cause


class Officer(Aggregate):
    @staticmethod
    def create_id(code: str, **_: Any) -> UUID:
        return derived_id("officer", code)

    @event("Enrolled")
    def __init__(self, code: str, name: str, unit_id: UUID, enrolled_on: date, cause: Cause):
        self.code = code
        self.name = name
        self.enrolled_on = enrolled_on
        self.postings: list[tuple[date, UUID]] = [(enrolled_on, unit_id)]
        self.left_on: date | None = None

    @property
    def unit_id(self) -> UUID:
        return self.postings[-1][1]

    def unit_on(self, day: date) -> UUID | None:
        """The unit the officer belonged to on ``day``, or None if not enrolled then."""
        if not self.is_enrolled_on(day):
            return None
        current = self.postings[0][1]
        for since, unit_id in self.postings:
            if since <= day:
                current = unit_id
        return current

    def is_enrolled_on(self, day: date) -> bool:
        return self.enrolled_on <= day and (self.left_on is None or day < self.left_on)

    def transfer(self, to_unit_id: UUID, effective_on: date, reason: str, cause: Cause) -> None:
        self.check_still_enrolled()
        if to_unit_id == self.unit_id:
            raise InvalidInputError("the officer already belongs to this unit", field="to_unit")
        if effective_on <= self.postings[-1][0]:
            raise InvalidInputError(
                f"a transfer must take effect after {self.postings[-1][0].isoformat()}",
                field="effective_on",
            )
        self._transferred(
            to_unit_id=to_unit_id, effective_on=effective_on, reason=reason, cause=cause
        )

    @event("Transferred")
    def _transferred(self, to_unit_id: UUID, effective_on: date, reason: str, cause: Cause) -> None:
        self.postings.append((effective_on, to_unit_id))

    def leave(self, left_on: date, reason: str, cause: Cause) -> None:
        self.check_still_enrolled()
        if left_on <= self.postings[-1][0]:
            raise InvalidInputError(
                f"leaving must come after {self.postings[-1][0].isoformat()}", field="left_on"
            )
        self._left(left_on=left_on, reason=reason, cause=cause)

    @event("Left")
    def _left(self, left_on: date, reason: str, cause: Cause) -> None:
        self.left_on = left_on

    def check_still_enrolled(self) -> None:
        if self.left_on is not None:
            raise WrongStateError(
                f"officer {self.code} left on {self.left_on.isoformat()}", field="officer"
            )
