"""Commands of planning: commissions (约稿) and annual targets."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain import inputs
from domain.commission import Commission
from domain.errors import (
    InvalidInputError,
)
from domain.identity import created
from domain.target import Target, check_monthly, even_split, even_split_amount
from domain.unchanged import Unchanged
from domain.values import Cause, HolderKind

if TYPE_CHECKING:
    from domain.application import CommandMeta


class PlanningCommands:
    """Mixed into ``Tally``."""

    def issue_commission(self, topic: str, units: Sequence[str], issued_on: date | str,
                         deadline: date | str, ref: str | None = None,
                         commission_id: UUID | str | None = None,
                         *, meta: CommandMeta) -> UUID:
        """``commission_id``: the id of a commission issued without a reference in the store
        a ledger was exported from (a ledger import keeps it)."""
        if isinstance(units, str):
            units = [u for u in units.split(";") if u.strip()]
        units = inputs.listed("units", units)
        if not units:
            raise InvalidInputError("must list at least one unit", field="units")
        args = {
            "topic": inputs.text("topic", topic, max_length=inputs.MAX_TITLE),
            "units": sorted({inputs.code("units", u) for u in units}),
            "issued_on": self._past_day("issued_on", issued_on),
            "deadline": inputs.day("deadline", deadline),
            "ref": inputs.code("ref", ref) if ref else None,
            "commission_id": inputs.given_id("commission_id", commission_id, ref),
        }
        if args["deadline"] < args["issued_on"]:
            raise InvalidInputError("the deadline precedes the issue date", field="deadline")

        def decide(cause: Cause) -> tuple[UUID, list[Aggregate | Unchanged]]:
            if args["ref"]:
                self._check_new(Commission.create_id(args["ref"]), "ref",
                                f"commission {args['ref']}")
            if args["commission_id"]:
                self._check_new(args["commission_id"], "commission_id",
                                f"commission {args['commission_id']}")
            units = [self._unit("units", code) for code in args["units"]]
            for unit in units:
                unit.check_open_on(args["issued_on"], "units")
            commission = created(Commission, Commission.Issued, args["commission_id"],
                                 ref=args["ref"], topic=args["topic"],
                                 unit_ids=[unit.id for unit in units],
                                 issued_on=args["issued_on"], deadline=args["deadline"],
                                 cause=cause)
            # not to a unit closed meanwhile
            return commission.id, [commission, Unchanged.read(*units)]

        return self._execute("issue_commission", meta, args, decide)

    def record_lapse(self, commission_id: UUID | str, unit: str, lapsed_on: date | str,
                     *, meta: CommandMeta) -> UUID:
        args = {
            "commission_id": inputs.uuid("commission_id", commission_id),
            "unit": inputs.code("unit", unit),
            "lapsed_on": self._past_day("lapsed_on", lapsed_on),
        }

        def decide(cause: Cause) -> tuple[UUID, list[Aggregate | Unchanged]]:
            commission = self._load(Commission, args["commission_id"], "commission_id")
            unit = self._unit("unit", args["unit"])
            unit.check_open_on(args["lapsed_on"], "unit")  # a closed unit misses nothing
            commission.lapse(unit.id, args["lapsed_on"], cause)
            return commission.id, [commission, Unchanged.read(unit)]

        return self._execute("record_lapse", meta, args, decide)

    # Targets -------------------------------------------------------------------------

    def set_target(self, holder_kind: str, holder: str, year: int | str,
                   items: int | str | None = None, points: Any = None,
                   monthly_items: Sequence[int] | None = None,
                   monthly_points: Sequence[Any] | None = None, *, meta: CommandMeta) -> UUID:
        args = self._target_args(holder_kind, holder, year, items, points, monthly_items,
                                 monthly_points)

        def decide(cause: Cause) -> tuple[UUID, list[Aggregate | Unchanged]]:
            read: list[Aggregate | Unchanged] = []
            if args["holder_kind"] is HolderKind.UNIT:  # a year it is open in
                unit = self._unit("holder", args["holder"])
                unit.check_open_on(date(args["year"], 1, 1), "holder")
                holder_id = unit.id
                read.append(Unchanged.read(unit))
            else:
                holder_id = self._holder_id(args["holder_kind"], args["holder"])
            target_id = Target.create_id(args["holder_kind"], holder_id, args["year"])
            self._check_new(target_id, "year", f"a {args['year']} target for {args['holder']}")
            target = Target(holder_kind=args["holder_kind"], holder_id=holder_id,
                            year=args["year"], items=args["items"], points=args["points"],
                            monthly_items=args["monthly_items"],
                            monthly_points=args["monthly_points"], cause=cause)
            return target.id, [target, *read]

        return self._execute("set_target", meta, args, decide)

    def adjust_target(self, holder_kind: str, holder: str, year: int | str,
                      items: int | str | None, points: Any, reason: str,
                      monthly_items: Sequence[int] | None = None,
                      monthly_points: Sequence[Any] | None = None,
                      *, meta: CommandMeta) -> UUID:
        args = self._target_args(holder_kind, holder, year, items, points, monthly_items,
                                 monthly_points)
        args["reason"] = inputs.text("reason", reason)

        def decide(cause: Cause) -> tuple[UUID, list[Aggregate]]:
            holder_id = self._holder_id(args["holder_kind"], args["holder"])
            target = self._load(
                Target, Target.create_id(args["holder_kind"], holder_id, args["year"]), "year"
            )
            target.adjust(items=args["items"], points=args["points"],
                          monthly_items=args["monthly_items"],
                          monthly_points=args["monthly_points"], reason=args["reason"],
                          cause=cause)
            return target.id, [target]

        return self._execute("adjust_target", meta, args, decide)

    def _target_args(self, holder_kind: str, holder: str, year: int | str, items: Any,
                     points: Any, monthly_items: Sequence[int] | None,
                     monthly_points: Sequence[Any] | None) -> dict[str, Any]:
        args: dict[str, Any] = {
            "holder_kind": inputs.choice("holder_kind", HolderKind, holder_kind),
            "holder": inputs.code("holder", holder),
            "year": inputs.whole("year", year, minimum=2000, maximum=2100),
            "items": None if items in (None, "") else inputs.whole("items", items),
            "points": None if points in (None, "") else inputs.amount("points", points),
        }
        points_value = args["points"]
        if points_value is not None and points_value != points_value.quantize(Decimal("0.01")):
            raise InvalidInputError("points have at most two decimal places", field="points")
        if args["items"] is None and args["points"] is None:
            raise InvalidInputError("a target needs items, points or both", field="items")
        if monthly_items is not None:
            parts = [inputs.whole("monthly_items", part)
                     for part in inputs.listed("monthly_items", monthly_items)]
            check_monthly("monthly_items", parts, args["items"])
            args["monthly_items"] = parts
        else:
            args["monthly_items"] = even_split(args["items"]) if args["items"] else None
        if monthly_points is not None:
            amounts = [inputs.amount("monthly_points", part)
                       for part in inputs.listed("monthly_points", monthly_points)]
            check_monthly("monthly_points", amounts, args["points"])
            args["monthly_points"] = amounts
        else:
            args["monthly_points"] = (
                even_split_amount(args["points"]) if args["points"] else None
            )
        return args
