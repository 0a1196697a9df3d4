"""Annual targets (目标管理): items and/or points for an officer or a unit, split per month."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import InvalidInputError
from domain.identity import derived_id
from domain.values import Cause, HolderKind


def even_split(total: int) -> list[int]:
    """Twelve whole-number monthly parts of ``total``; earlier months take the remainder."""
    base, remainder = divmod(total, 12)
    return [base + (1 if month < remainder else 0) for month in range(12)]


def even_split_amount(total: Decimal) -> list[Decimal]:
    """Twelve monthly parts of ``total`` in cents; earlier months take the remaining cents."""
    cents = int((total * 100).to_integral_value())
    return [Decimal(part) / 100 for part in even_split(cents)]


def check_monthly(field: str, monthly: list[Any], total: Any) -> None:
    if len(monthly) != 12:
        raise InvalidInputError("a monthly split has twelve parts", field=field)
    if any(part < 0 for part in monthly):
        raise InvalidInputError("monthly parts cannot be negative", field=field)
    if sum(monthly) != total:
        raise InvalidInputError(f"monthly parts sum to {sum(monthly)}, not {total}", field=field)


class Target(Aggregate):
    @staticmethod
    def create_id(holder_kind: HolderKind, holder_id: UUID, year: int, **_: Any) -> UUID:
        return derived_id("target", holder_kind.value, holder_id, year)

    @event("Set")
    def __init__(
        self,
        holder_kind: HolderKind,
        holder_id: UUID,
        year: int,
        items: int | None,
        points: Decimal | None,
        monthly_items: list[int] | None,
        cause: Cause,
        monthly_points: list[Decimal] | None = None,
    ):
        self.holder_kind = holder_kind
        self.holder_id = holder_id
        self.year = year
        self.items = items
        self.points = points
        self.monthly_items = monthly_items
        self.monthly_points = monthly_points

    @event("Adjusted")
    def adjust(
        self,
        items: int | None,
        points: Decimal | None,
        monthly_items: list[int] | None,
        reason: str,
        cause: Cause,
        monthly_points: list[Decimal] | None = None,
    ) -> None:
        self.items = items
        self.points = points
        self.monthly_items = monthly_items
        self.monthly_points = monthly_points
