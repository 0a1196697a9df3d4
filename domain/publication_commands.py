"""Commands of publication: bulletins pinned to a log position, their errata, money rewards.

The content and digest are computed outside ``domain/`` (by the publication workflow, which
reads the projections); these commands validate and record the decisions."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate

from domain import inputs
from domain.bulletin import Bulletin
from domain.errors import InvalidInputError, NotFoundError
from domain.honour import Honour
from domain.method import HONOUR_CATEGORIES
from domain.period import Period
from domain.reward import Reward
from domain.values import Cause

if TYPE_CHECKING:
    from domain.application import CommandMeta, Tally

_DIGEST = re.compile(r"^[0-9a-f]{64}$")


def period_kind(period: Period) -> str:
    """month, quarter, half or year, from the period's label (2025-07, 2025-Q3, 2025-H1, 2025)."""
    part = period.label[5:]
    return ("year" if not part else "half" if part.startswith("H")
            else "quarter" if part.startswith("Q") else "month")


class PublicationCommands:
    """Mixed into ``Tally``."""

    def publish_bulletin(self: Tally, period: str, position: int, as_of: datetime | str,
                         digest: str, *, meta: CommandMeta) -> UUID:
        span = Period.parse(period)
        if isinstance(position, bool) or not isinstance(position, int) or position < 0:
            raise InvalidInputError("must be a log position (a whole number, 0 or more)",
                                    field="position")
        if not isinstance(digest, str) or not _DIGEST.match(digest):
            raise InvalidInputError("must be a SHA-256 digest in lower-case hex", field="digest")
        args = {"period": span.label, "kind": period_kind(span), "position": position,
                "as_of": self._past_instant("as_of", as_of), "digest": digest}

        def decide(cause: Cause) -> tuple[UUID, list[Aggregate]]:
            bulletin_id = Bulletin.create_id(args["kind"], args["period"])
            self._check_new(bulletin_id, "period", f"the bulletin of {args['period']}")
            bulletin = Bulletin(kind=args["kind"], period=args["period"],
                                position=args["position"], as_of=args["as_of"],
                                digest=args["digest"], cause=cause)
            return bulletin.id, [bulletin]

        return self._execute("publish_bulletin", meta, args, decide)

    def issue_erratum(self: Tally, period: str, erratum_id: UUID | str, fact: dict[str, Any],
                      reason: str, holders: list[dict[str, Any]], causes: list[dict[str, Any]],
                      *, meta: CommandMeta) -> UUID:
        span = Period.parse(period)
        for field, value in (("fact", fact), ("holders", holders), ("causes", causes)):
            if not isinstance(value, dict if field == "fact" else list):
                raise InvalidInputError("must be plain data", field=field)
        args = {"period": span.label, "erratum_id": inputs.uuid("erratum_id", erratum_id),
                "fact": fact, "reason": inputs.text("reason", reason),
                "holders": holders, "causes": causes}

        def decide(cause: Cause) -> tuple[UUID, list[Aggregate]]:
            bulletin = self._bulletin(args["period"])
            bulletin.issue_erratum(args["erratum_id"], args["fact"], args["reason"],
                                   args["holders"], args["causes"], cause)
            return args["erratum_id"], [bulletin]

        return self._execute("issue_erratum", meta, args, decide)

    def grant_reward(self: Tally, line_key: str, period: str, officer_id: str | None,
                     unit_id: str | None, item_id: str | None, ref: str, clause: str,
                     valid_on: date | str, amount: Decimal | str, *, meta: CommandMeta) -> UUID:
        try:
            money = Decimal(str(amount))
        except InvalidOperation:
            raise InvalidInputError("must be an amount of yuan", field="amount") from None
        if not money.is_finite() or money <= 0:
            raise InvalidInputError("must be more than zero", field="amount")
        args = {"line_key": inputs.text("line_key", line_key, max_length=400),
                "period": Period.parse(period).label, "officer_id": officer_id,
                "unit_id": unit_id, "item_id": item_id, "ref": inputs.text("ref", ref),
                "clause": inputs.text("clause", clause), "valid_on": inputs.day("valid_on",
                                                                                valid_on),
                "amount": money}

        def decide(cause: Cause) -> tuple[UUID, list[Aggregate]]:
            reward_id = Reward.create_id(args["line_key"])
            self._check_new(reward_id, "line_key", "a reward of this line")
            reward = Reward(**args, cause=cause)
            return reward.id, [reward]

        return self._execute("grant_reward", meta, args, decide)

    def revoke_reward(self: Tally, reward_id: UUID | str, reason: str, *,
                      meta: CommandMeta) -> UUID:
        args = {"reward_id": inputs.uuid("reward_id", reward_id),
                "reason": inputs.text("reason", reason)}

        def decide(cause: Cause) -> tuple[UUID, list[Aggregate]]:
            reward = self._load(Reward, args["reward_id"], "reward_id")
            reward.revoke(args["reason"], cause)
            return reward.id, [reward]

        return self._execute("revoke_reward", meta, args, decide)

    def award_honour(self: Tally, year: int, category: str, holder: str, name: str, rank: int,
                     points: Decimal | str, rule: str, *, meta: CommandMeta) -> UUID:
        if category not in HONOUR_CATEGORIES:
            raise InvalidInputError(f"must be one of: {', '.join(HONOUR_CATEGORIES)}",
                                    field="category")
        if isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2100:
            raise InvalidInputError("must be a year such as 2025", field="year")
        args = {"year": year, "category": category, **_honoured(holder, name, rank, points, rule)}

        def decide(cause: Cause) -> tuple[UUID, list[Aggregate]]:
            honour_id = Honour.create_id(args["year"], args["category"], args["holder"])
            self._check_new(honour_id, "holder", f"this {category} honour of {year}")
            honour = Honour(**args, cause=cause)
            return honour.id, [honour]

        return self._execute("award_honour", meta, args, decide)

    def fill_honour(self: Tally, honour_id: UUID | str, holder: str, name: str, rank: int,
                    points: Decimal | str, rule: str, reason: str, *,
                    meta: CommandMeta) -> UUID:
        """Fill a revoked honour's place (递补): the holder is awarded the same year's honour
        of the same category, and the revoked one records it, with the office's reason."""
        args = {"honour_id": inputs.uuid("honour_id", honour_id),
                **_honoured(holder, name, rank, points, rule),
                "reason": inputs.text("reason", reason)}

        def decide(cause: Cause) -> tuple[UUID, list[Aggregate]]:
            vacated = self._load(Honour, args["honour_id"], "honour_id")
            honour_id = Honour.create_id(vacated.year, vacated.category, args["holder"])
            self._check_new(honour_id, "holder",
                            f"this {vacated.category} honour of {vacated.year}")
            honour = Honour(year=vacated.year, category=vacated.category,
                            holder=args["holder"], name=args["name"], rank=args["rank"],
                            points=args["points"], rule=args["rule"], cause=cause)
            vacated.fill(honour.id, args["holder"], args["name"], args["reason"], cause)
            return honour.id, [honour, vacated]

        return self._execute("fill_honour", meta, args, decide)

    def revoke_honour(self: Tally, honour_id: UUID | str, reason: str, *,
                      meta: CommandMeta) -> UUID:
        args = {"honour_id": inputs.uuid("honour_id", honour_id),
                "reason": inputs.text("reason", reason)}

        def decide(cause: Cause) -> tuple[UUID, list[Aggregate]]:
            honour = self._load(Honour, args["honour_id"], "honour_id")
            honour.revoke(args["reason"], cause)
            return honour.id, [honour]

        return self._execute("revoke_honour", meta, args, decide)

    # Queries -------------------------------------------------------------------------

    def published_bulletin(self: Tally, period: str) -> dict[str, Any]:
        """The published record of a period's bulletin: position, as-of moment, digest, errata."""
        bulletin = self._bulletin(Period.parse(period).label)
        return {"id": str(bulletin.id), "kind": bulletin.kind, "period": bulletin.period,
                "position": bulletin.position, "as_of": bulletin.as_of,
                "digest": bulletin.digest, "errata": list(bulletin.errata)}

    def is_published(self: Tally, period: str) -> bool:
        span = Period.parse(period)
        return Bulletin.create_id(period_kind(span), span.label) in self.repository

    def reward(self: Tally, line_key: str) -> dict[str, Any] | None:
        try:
            reward = self.repository.get(Reward.create_id(line_key))
        except AggregateNotFoundError:
            return None
        assert isinstance(reward, Reward)
        return {"id": str(reward.id), "line_key": reward.line_key, "period": reward.period,
                "officer_id": reward.officer_id, "unit_id": reward.unit_id,
                "item_id": reward.item_id, "ref": reward.ref, "clause": reward.clause,
                "valid_on": reward.valid_on.isoformat(), "amount": str(reward.amount),
                "revoked_reason": reward.revoked_reason}

    def honour(self: Tally, year: int, category: str, holder: str) -> dict[str, Any] | None:
        """The honour of a holder (an officer's or unit's code, an item's id) in a year's
        category, revoked or not; None if there is none."""
        try:
            honour = self.repository.get(Honour.create_id(year, category, holder))
        except AggregateNotFoundError:
            return None
        assert isinstance(honour, Honour)
        return {"id": str(honour.id), "year": honour.year, "category": honour.category,
                "holder": honour.holder, "name": honour.name, "rank": honour.rank,
                "points": str(honour.points), "rule": honour.rule,
                "revoked_reason": honour.revoked_reason,
                "filled_by": None if honour.filled_by is None else str(honour.filled_by)}

    def _bulletin(self: Tally, period: str) -> Bulletin:
        span = Period.parse(period)
        bulletin_id = Bulletin.create_id(period_kind(span), span.label)
        try:
            bulletin = self.repository.get(bulletin_id)
        except AggregateNotFoundError:
            raise NotFoundError(f"no published bulletin of {span.label}",
                                field="period") from None
        assert isinstance(bulletin, Bulletin)
        return bulletin


def _honoured(holder: str, name: str, rank: int, points: Decimal | str,
              rule: str) -> dict[str, Any]:
    """The arguments of an honour awarded: who, at which rank, for how many points, by which
    rule."""
    if isinstance(rank, bool) or not isinstance(rank, int) or rank < 1:
        raise InvalidInputError("must be a rank of 1 or more", field="rank")
    try:
        score = Decimal(str(points))
    except InvalidOperation:
        raise InvalidInputError("must be a number", field="points") from None
    return {"holder": inputs.text("holder", holder), "name": inputs.text("name", name),
            "rank": rank, "points": score, "rule": inputs.text("rule", rule)}
