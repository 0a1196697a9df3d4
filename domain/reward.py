"""Money rewards (奖励) per adopted item, granted when a period closes; revoked with a reason."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import WrongStateError
from domain.identity import derived_id
from domain.values import Cause


class Reward(Aggregate):
    """The reward of one money line of the ledger: granted once, whichever period closes first."""

    @staticmethod
    def create_id(line_key: str, **_: Any) -> UUID:
        return derived_id("reward", line_key)

    @event("Granted")
    def __init__(self, line_key: str, period: str, officer_id: str | None, unit_id: str | None,
                 item_id: str | None, ref: str, clause: str, valid_on: date, amount: Decimal,
                 cause: Cause):
        self.line_key = line_key
        self.period = period
        self.officer_id = officer_id
        self.unit_id = unit_id
        self.item_id = item_id
        self.ref = ref
        self.clause = clause
        self.valid_on = valid_on
        self.amount = amount
        self.revoked_reason: str | None = None

    def revoke(self, reason: str, cause: Cause) -> None:
        if self.revoked_reason is not None:
            raise WrongStateError("this reward was revoked before", field="reward_id")
        self._revoked(reason=reason, cause=cause)

    @event("Revoked")
    def _revoked(self, reason: str, cause: Cause) -> None:
        self.revoked_reason = reason
