"""Units (科室, 基层所, townships): keyed by id, with names and classes as dated facts; a unit
closed (撤并, in an institutional reform, say) keeps its history and takes no one from then on."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import InvalidInputError, WrongStateError
from domain.identity import derived_id
from domain.values import Cause


class Unit(Aggregate):
    @staticmethod
    def create_id(code: str, **_: Any) -> UUID:
        return derived_id("unit", code)

    @event("Registered")
    def __init__(self, code: str, name: str, unit_class: str, registered_on: date, cause: Cause):
        self.code = code
        self.names: list[tuple[date, str]] = [(registered_on, name)]
        self.unit_class = unit_class
        self.registered_on = registered_on
        self.closed_on: date | None = None
        self.successor_id: UUID | None = None

    @property
    def name(self) -> str:
        return self.names[-1][1]

    def name_on(self, day: date) -> str:
        current = self.names[0][1]
        for since, name in self.names:
            if since <= day:
                current = name
        return current

    def rename(self, name: str, effective_on: date, reason: str, cause: Cause) -> None:
        self.check_open_on(effective_on, "effective_on")
        self.check_effective_after_last_name(effective_on)
        self._renamed(name=name, effective_on=effective_on, reason=reason, cause=cause)

    def check_effective_after_last_name(self, effective_on: date) -> None:
        if effective_on <= self.names[-1][0]:
            raise InvalidInputError(
                f"a new name must take effect after {self.names[-1][0].isoformat()}",
                field="effective_on",
            )

    @event("Renamed")
    def _renamed(self, name: str, effective_on: date, reason: str, cause: Cause) -> None:
        self.names.append((effective_on, name))

    def reclassify(self, unit_class: str, reason: str, cause: Cause) -> None:
        if unit_class == self.unit_class:
            raise InvalidInputError(f"the unit is of class {unit_class} already",
                                    field="unit_class")
        self._reclassified(unit_class=unit_class, reason=reason, cause=cause)

    @event("Reclassified")
    def _reclassified(self, unit_class: str, reason: str, cause: Cause) -> None:
        self.unit_class = unit_class

    def close(self, closed_on: date, successor_id: UUID | None, reason: str,
              cause: Cause) -> None:
        """The unit ends on ``closed_on`` (its last day the one before); ``successor_id``: the
        unit its work went to, if any."""
        self.check_closable(closed_on, successor_id)
        self._closed(closed_on=closed_on, successor_id=successor_id, reason=reason, cause=cause)

    def check_closable(self, closed_on: date, successor_id: UUID | None) -> None:
        """Refuses a unit closed already, a closing not after its registration and names, and
        the unit as its own successor."""
        if self.closed_on is not None:
            raise WrongStateError(f"unit {self.code} closed on {self.closed_on.isoformat()}",
                                  field="unit")
        if closed_on <= self.names[-1][0]:
            raise InvalidInputError(
                f"a unit can close only after {self.names[-1][0].isoformat()}",
                field="closed_on")
        if successor_id == self.id:
            raise InvalidInputError("a unit cannot be its own successor", field="successor")

    @event("Closed")
    def _closed(self, closed_on: date, successor_id: UUID | None, reason: str,
                cause: Cause) -> None:
        self.closed_on = closed_on
        self.successor_id = successor_id

    def check_open_on(self, day: date, field: str) -> None:
        """Refuses ``day`` on or after the unit closed: it takes no one and nothing then."""
        if self.closed_on is not None and day >= self.closed_on:
            raise WrongStateError(f"unit {self.code} closed on {self.closed_on.isoformat()}",
                                  field=field)
