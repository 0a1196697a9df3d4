"""Period scores and rankings: fact lines in a period, then the period rules of the method.

The period rules (quota base points, deduction cap, average per item, cap, floor, cliff, veto)
are those of the version in force on the period's last day, applied in that order, each as an
adjustment line that names its clause.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from operator import attrgetter
from types import MappingProxyType
from typing import NamedTuple

from domain.facts import Facts, OfficerInfo, TargetFact
from domain.method import QuotaCounts, ScoringMethod, in_force
from domain.period import Period
from domain.scoring import CENT, ZERO, ScoreLine, all_lines
from domain.values import HolderKind


class LineSums(NamedTuple):
    """A holder's fact lines in a period, summed: what the ranking and the period rules read of
    them. The ledger sums them in the database when the lines themselves are not wanted.
    (Named tuples: a ranking makes thousands, and a frozen dataclass takes three times as
    long to make.)"""

    points: Decimal = ZERO
    money: Decimal = ZERO
    deducted: Decimal = ZERO  # the points of the negative lines, as a positive amount
    item_points: Decimal = ZERO  # the points of the lines of items
    scored_items: int = 0  # items with a line of points
    adoptions: int = 0  # distinct (item, adoption) pairs: a co-authored one counts once

    @classmethod
    def of(cls, lines: list[ScoreLine]) -> LineSums:
        item_lines = [line for line in lines if line.item_id]
        return cls(
            points=sum((line.points for line in lines), ZERO),
            money=sum((line.money for line in lines), ZERO),
            deducted=-sum((line.points for line in lines if line.points < 0), ZERO),
            item_points=sum((line.points for line in item_lines), ZERO),
            scored_items=len({line.item_id for line in item_lines if line.points}),
            adoptions=len({(line.item_id, line.ref) for line in lines if line.adoption}))


class HolderTotals(NamedTuple):
    """A holder's sums and counts of items for a period, from the year's lines to its end."""

    sums: LineSums = LineSums()
    submitted: int = 0  # distinct items submitted in the period
    submitted_adopted: int = 0  # of those, the items adopted by the period's end
    items: int = 0  # distinct counted items in the period's months
    year_items: int = 0  # distinct counted items from January to the period's end
    # (from the ledger's sums: read for a year only, the one period whose rules look at it)
    by_month: Mapping[int, int] = MappingProxyType({})  # counted items by month


@dataclass(slots=True)
class Standing:
    """One officer's or unit's score for a period, with the lines that explain it.

    ``lines`` holds the fact lines in the period, then the period rules' lines; when the
    standing was made from sums (``sums`` set), it holds the period rules' lines only.
    """

    holder_kind: HolderKind
    holder_id: str
    code: str
    name: str
    unit_name: str
    lines: list[ScoreLine] = field(default_factory=list)
    items: int = 0  # distinct items that counted for the quota, cliff and average rules
    submitted: int = 0  # distinct items submitted in the period
    submitted_adopted: int = 0  # of those, the items adopted by the period's end
    rank: int = 0
    sums: LineSums | None = None  # the fact lines' sums, when the lines were not read

    @property
    def points(self) -> Decimal:
        total = self.sums.points if self.sums else ZERO
        for line in self.lines:  # a loop, not sum(): a ranking reads it for every holder
            total += line.points
        return total

    @property
    def money(self) -> Decimal:
        return sum((line.money for line in self.lines), self.sums.money if self.sums else ZERO)

    @property
    def adoptions(self) -> int:
        """Adoptions of items by outlets; a co-authored adoption counts once for a unit."""
        return len({(line.item_id, line.ref) for line in self.lines if line.adoption}) + (
            self.sums.adoptions if self.sums else 0)

    @property
    def adoption_rate(self) -> Decimal | None:
        """The share of the items submitted in the period that were adopted by its end (采用率);
        None, not zero, for a holder who submitted nothing."""
        if not self.submitted:
            return None
        return (Decimal(self.submitted_adopted) / self.submitted).quantize(Decimal("0.0001"))

    def as_dict(self) -> dict[str, object]:
        rate = self.adoption_rate
        return {
            "rank": self.rank, "id": self.code, "name": self.name, "unit": self.unit_name,
            "points": f"{self.points:.2f}", "money": f"{self.money:.2f}",
            "adoptions": self.adoptions, "submitted": self.submitted,
            "adoption_rate": str(rate) if rate is not None else None, "items": self.items,
        }


def counts_submissions(method: ScoringMethod | None) -> bool:
    """Whether the quota and cliff rules count submitted items (else adopted ones)."""
    counts = method.quota.counts if method and method.quota else QuotaCounts.ADOPTED
    return counts is QuotaCounts.SUBMITTED


def _counted_items(lines: Iterable[ScoreLine], method: ScoringMethod | None,
                   period: Period) -> dict[int, set[str]]:
    """The holder's items that count for quotas and cliffs, by month of the period's year:
    items with an adoption dated in the month, or submitted in it, as the method says."""
    submissions = counts_submissions(method)
    by_month: dict[int, set[str]] = {}
    for line in lines:
        counted = line.kind == "submitted" if submissions else line.adoption
        if counted and line.item_id and line.valid_on.year == period.year:
            by_month.setdefault(line.valid_on.month, set()).add(line.item_id)
    return by_month


def _adjust(standing: Standing, method: ScoringMethod, clause: str, fact: str,
            points: Decimal, period: Period) -> None:
    if points:
        standing.lines.append(ScoreLine(
            "adjustment", period.end,
            standing.holder_id if standing.holder_kind is HolderKind.OFFICER else None,
            standing.holder_id if standing.holder_kind is HolderKind.UNIT else None,
            None, fact, clause, method.code, points=points))


@dataclass(frozen=True)
class _Rules:
    """What the period rules read that is the same for every holder of a ranking: worked
    out once, not for each of thousands of holders."""

    method: ScoringMethod
    period: Period
    is_year: bool
    targets: Mapping[str, TargetFact]  # holder id to its monthly target (with a quota rule)
    missed: Mapping[str, int]  # unit id to its commissions lapsed in the year (with a veto)
    # which rules apply to this ranking at all (an enum member or an attribute read per
    # holder costs more than the rule's own test)
    average: bool = False
    cliff: bool = False
    veto: bool = False

    @classmethod
    def of(cls, method: ScoringMethod, facts: Facts, period: Period, kind: HolderKind
           ) -> _Rules:
        targets = {holder_id: target for (holder_kind, holder_id, year), target
                   in facts.targets.items()
                   if holder_kind is kind and year == period.year and target.monthly_items
                   } if method.quota is not None else {}
        missed: dict[str, int] = {}
        veto = method.veto_missed_commissions is not None and kind is HolderKind.UNIT
        if veto:
            for lapse in facts.lapses:
                if lapse.lapsed_on.year == period.year:
                    missed[lapse.unit_id] = missed.get(lapse.unit_id, 0) + 1
        return cls(method, period, period.is_year, targets, missed,
                   average=method.period_score.value == "average",
                   cliff=period.is_year and method.cliff_min_items is not None,
                   veto=period.is_year and veto)


def _quota_lines(standing: Standing, method: ScoringMethod, target: TargetFact,
                 period: Period, by_month: Mapping[int, int]) -> None:
    quota = method.quota
    assert quota is not None and target.monthly_items  # as _Rules.of chose the targets
    granted = ZERO
    for month in range(1, period.end.month + 1):  # the yearly cap counts from January
        needed = target.monthly_items[month - 1]
        done = by_month.get(month, 0)
        if needed <= 0 or done < needed:
            continue
        points = quota.monthly_base
        if quota.yearly_cap is not None:
            points = max(ZERO, min(points, quota.yearly_cap - granted))
        granted += points
        if month in period.months() and points:
            standing.lines.append(ScoreLine(
                "quota", period.end.replace(month=month, day=1),
                standing.holder_id if standing.holder_kind is HolderKind.OFFICER else None,
                standing.holder_id if standing.holder_kind is HolderKind.UNIT else None, None,
                f"{month}月完成任务：{done}篇，目标{needed}篇", "quota.monthly_base",
                method.code, points=points))


def _period_rules(standing: Standing, rules: _Rules, totals: HolderTotals) -> None:
    """The period rules, in order, on the holder's sums; each adds a line naming its clause."""
    method, period = rules.method, rules.period
    target = rules.targets.get(standing.holder_id) if rules.targets else None
    if target is not None:
        _quota_lines(standing, method, target, period, totals.by_month)
    sums = totals.sums
    cap = method.deduction_cap
    if cap is not None and sums.deducted > cap:
        _adjust(standing, method, "limits.deduction_cap", f"扣分{sums.deducted}超过上限{cap}",
                sums.deducted - cap, period)
    if rules.average and sums.scored_items:
        total = sums.item_points
        average = (total / sums.scored_items).quantize(CENT, rounding=ROUND_HALF_UP)
        _adjust(standing, method, "method.period_score.average",
                f"稿件得分{total}，{sums.scored_items}篇，平均{average}", average - total, period)
    if method.period_cap is not None and standing.points > method.period_cap:
        _adjust(standing, method, "limits.period_cap",
                f"得分{standing.points}超过上限{method.period_cap}",
                method.period_cap - standing.points, period)
    if method.floor is not None and standing.points < method.floor:
        _adjust(standing, method, "limits.floor", f"扣分后不低于{method.floor}",
                method.floor - standing.points, period)
    if rules.cliff:
        items = totals.year_items
        if items < method.cliff_min_items:  # type: ignore[operator]
            _adjust(standing, method, "cliff.min_items",
                    f"全年{items}篇，少于{method.cliff_min_items}篇，不计分", -standing.points,
                    period)
    if rules.veto:
        missed = rules.missed.get(standing.holder_id, 0)
        if missed >= method.veto_missed_commissions:  # type: ignore[operator]
            _adjust(standing, method, "veto.missed_commissions",
                    f"全年约稿未报{missed}次，一票否决", -standing.points, period)


ORDERS = ("points", "adoptions", "rate")


def line_totals(year_lines: list[ScoreLine], method: ScoringMethod | None,
                period: Period) -> tuple[list[ScoreLine], HolderTotals]:
    """A holder's fact lines in the period (submissions aside) and their totals, from the
    holder's lines of the year up to the period's end."""
    in_period = [line for line in year_lines if line.valid_on in period]
    lines = [line for line in in_period if line.kind != "submitted"]
    submitted = {line.item_id for line in in_period if line.kind == "submitted"}
    adopted = {line.item_id for line in year_lines
               if line.adoption and line.valid_on <= period.end}
    by_month = _counted_items(year_lines, method, period)
    return lines, HolderTotals(
        sums=LineSums.of(lines), submitted=len(submitted),
        submitted_adopted=len(submitted & adopted),
        items=len({i for m in period.months() for i in by_month.get(m, ())}),
        year_items=len(set().union(*by_month.values())) if by_month else 0,
        by_month={month: len(items) for month, items in by_month.items()})


def standings(facts: Facts, period: Period, kind: HolderKind,
              lines: list[ScoreLine] | None = None, order: str = "points",
              totals: Mapping[str, HolderTotals] | None = None,
              listed: Mapping[str, tuple[str, str, str]] | None = None) -> list[Standing]:
    """Every officer's or unit's standing in the period, ranked 1-2-2-4.

    From ``lines`` (the fact lines of the year to the period's end; all of ``facts`` if None),
    or, when ``totals`` is given, from each holder's sums alone (no fact lines in the result).
    ``order`` is points, adoptions or adoption rate (no rate ranks last). Ties share a rank,
    are listed by code, and the next rank skips the tied places. ``listed``: ``holders(facts,
    period, kind)``, when the caller has it already.
    """
    method = in_force(facts.methods.values(), period.end)
    by_holder: dict[str, list[ScoreLine]] = {}
    if totals is None:
        for line in all_lines(facts) if lines is None else lines:
            holder = line.officer_id if kind is HolderKind.OFFICER else line.unit_id
            if holder is not None:
                by_holder.setdefault(holder, []).append(line)
    result = []
    if listed is None:
        listed = holders(facts, period, kind)
    rules = _Rules.of(method, facts, period, kind) if method is not None else None
    if totals is not None:
        empty = HolderTotals()
        for holder_id, (code, name, unit_name) in listed.items():
            found = totals.get(holder_id) or empty
            # positional: a ranking makes thousands (holder kind, id, code, name, unit name,
            # lines, items, submitted, submitted_adopted, rank, sums)
            standing = Standing(kind, holder_id, code, name, unit_name, [], found.items,
                                found.submitted, found.submitted_adopted, 0, found.sums)
            if rules is not None:
                _period_rules(standing, rules, found)
            result.append(standing)
        return rank(result, order)
    for holder_id, (code, name, unit_name) in listed.items():
        fact_lines, found = line_totals(by_holder.get(holder_id, []), method, period)
        standing = Standing(kind, holder_id, code, name, unit_name, fact_lines,
                            items=found.items, submitted=found.submitted,
                            submitted_adopted=found.submitted_adopted)
        if rules is not None:
            _period_rules(standing, rules, found)
        result.append(standing)
    return rank(result, order)


def rank(result: list[Standing], order: str = "points") -> list[Standing]:
    """Ranks 1-2-2-4 by ``order``, highest first; ties listed by code."""
    result.sort(key=_CODE)
    if order == "adoptions":
        values: list[Decimal | int] = [standing.adoptions for standing in result]
    elif order == "rate":
        values = [_NO_RATE if (rate := standing.adoption_rate) is None else rate
                  for standing in result]
    else:
        values = [standing.points for standing in result]
    # by value, highest first; a reverse sort keeps equal values in code order
    ranked = sorted(range(len(result)), key=values.__getitem__, reverse=True)
    previous: Decimal | int | None = None
    rank_of_previous = 0
    for position, index in enumerate(ranked, 1):
        value = values[index]
        if position == 1 or value != previous:
            rank_of_previous = position
        result[index].rank, previous = rank_of_previous, value
    result[:] = [result[index] for index in ranked]
    return result


_CODE = attrgetter("code")
_NO_RATE = Decimal(-1)  # no rate ranks last


def holders(facts: Facts, period: Period, kind: HolderKind) -> dict[str, tuple[str, str, str]]:
    """The officers (enrolled in the period) or units a ranking lists: id to code, name and
    unit name."""
    if kind is HolderKind.UNIT:  # those not closed before the period began
        closed = {uid for uid, u in facts.units.items() if u.closed_by(period.start)}
        kept = _staffed(facts, period, closed) if closed else set()
        return {uid: (u.code, u.name, u.name) for uid, u in facts.units.items()
                if uid not in closed or uid in kept}
    holders = {}
    for oid, officer in facts.officers.items():
        listed = officer_listed(facts, officer, period)
        if listed is not None:
            holders[oid] = listed
    return holders


def _staffed(facts: Facts, period: Period, units: set[str]) -> set[str]:
    """Those of ``units`` an officer belongs to at some time in the period. A closed unit
    has none (its officers move on the day it closes), unless an enrolment or transfer into
    it was recorded at the moment of the closing, in a race with it: then the unit is still
    listed, so that the points it scored are shown, not dropped."""
    found = set()
    for officer in facts.officers.values():
        left = officer.left_on
        if officer.enrolled_on > period.end or (left is not None and left <= period.start):
            continue
        found.add(officer.unit_on(max(period.start, officer.enrolled_on)))
        found.update(unit_id for since, unit_id in officer.postings
                     if period.start < since <= period.end)
    return found & units


def officer_listed(facts: Facts, officer: OfficerInfo, period: Period
                   ) -> tuple[str, str, str] | None:
    """How a ranking of ``period`` lists ``officer`` (code, name, unit name at the period's
    end), or None if not enrolled in the period."""
    if officer.enrolled_on > period.end or (officer.left_on and officer.left_on < period.start):
        return None
    unit = facts.units.get(officer.unit_on(period.end))
    return officer.code, officer.name, unit.name if unit else ""
