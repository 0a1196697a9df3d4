"""Commissions (约稿): a topic asked of some units by a deadline."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate, event

from domain.errors import InvalidInputError, WrongStateError
from domain.identity import derived_id
from domain.values import Cause


class Commission(Aggregate):
    @staticmethod
    def create_id(ref: str | None = None, **_: Any) -> UUID:
        return derived_id("commission", ref) if ref else uuid4()

    @event("Issued")
    def __init__(
        self,
        ref: str | None,
        topic: str,
        unit_ids: list[UUID],
        issued_on: date,
        deadline: date,
        cause: Cause,
    ):
        self.ref = ref
        self.topic = topic
        self.unit_ids = list(unit_ids)
        self.issued_on = issued_on
        self.deadline = deadline
        self.fulfilled: dict[UUID, UUID] = {}  # unit id -> submission id
        self.lapsed: set[UUID] = set()

    def fulfil(self, unit_id: UUID, submission_id: UUID, fulfilled_on: date, cause: Cause) -> None:
        self.check_open_for(unit_id)
        self._fulfilled(unit_id=unit_id, submission_id=submission_id, fulfilled_on=fulfilled_on,
                        cause=cause)

    @event("Fulfilled")
    def _fulfilled(self, unit_id: UUID, submission_id: UUID, fulfilled_on: date,
                   cause: Cause) -> None:
        self.fulfilled[unit_id] = submission_id

    def lapse(self, unit_id: UUID, lapsed_on: date, cause: Cause) -> None:
        self.check_open_for(unit_id)
        if lapsed_on <= self.deadline:
            raise InvalidInputError(
                f"a commission lapses only after its deadline {self.deadline.isoformat()}",
                field="lapsed_on",
            )
        self._lapsed(unit_id=unit_id, lapsed_on=lapsed_on, cause=cause)

    @event("Lapsed")
    def _lapsed(self, unit_id: UUID, lapsed_on: date, cause: Cause) -> None:
        self.lapsed.add(unit_id)

    def is_open_for(self, unit_id: UUID) -> bool:
        return (
            unit_id in self.unit_ids
            and unit_id not in self.fulfilled
            and unit_id not in self.lapsed
        )

    def check_open_for(self, unit_id: UUID) -> None:
        if unit_id not in self.unit_ids:
            raise InvalidInputError("this unit was not commissioned", field="unit")
        if not self.is_open_for(unit_id):
            raise WrongStateError("this unit's part of the commission is closed", field="unit")
