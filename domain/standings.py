"""Period scores and rankings: fact lines in a period, then the period rules of the method.

The period rules (quota base points, deduction cap, average per item, cap, floor, cliff, veto)
are those of the version in force on the period's last day, applied in that order, each as an
adjustment line that names its clause.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from domain.facts import Facts
from domain.method import QuotaCounts, ScoringMethod, in_force
from domain.period import Period
from domain.scoring import CENT, ZERO, ScoreLine, all_lines
from domain.values import HolderKind


@dataclass
class Standing:
    """One officer's or unit's score for a period, with the lines that explain it."""

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

    @property
    def points(self) -> Decimal:
        return sum((line.points for line in self.lines), ZERO)

    @property
    def money(self) -> Decimal:
        return sum((line.money for line in self.lines), ZERO)

    @property
    def adoptions(self) -> int:
        """Adoptions of items by outlets; a co-authored adoption counts once for a unit."""
        return len({(line.item_id, line.ref) for line in self.lines if line.adoption})

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


def _counted_items(lines: Iterable[ScoreLine], method: ScoringMethod | None,
                   period: Period) -> dict[int, set[str]]:
    """The holder's items that count for quotas and cliffs, by month of the period's year:
    items with an adoption dated in the month, or submitted in it, as the method says."""
    counts = method.quota.counts if method and method.quota else QuotaCounts.ADOPTED
    by_month: dict[int, set[str]] = {}
    for line in lines:
        counted = line.adoption if counts is QuotaCounts.ADOPTED else line.kind == "submitted"
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


def _quota_lines(standing: Standing, method: ScoringMethod, facts: Facts, period: Period,
                 by_month: dict[int, set[str]]) -> None:
    quota = method.quota
    target = facts.targets.get((standing.holder_kind, standing.holder_id, period.year))
    if quota is None or target is None or not target.monthly_items:
        return
    granted = ZERO
    for month in range(1, period.end.month + 1):  # the yearly cap counts from January
        needed = target.monthly_items[month - 1]
        done = len(by_month.get(month, ()))
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


def _period_rules(standing: Standing, method: ScoringMethod, facts: Facts, period: Period,
                  by_month: dict[int, set[str]]) -> None:
    _quota_lines(standing, method, facts, period, by_month)
    if method.deduction_cap is not None:
        deducted = -sum((line.points for line in standing.lines if line.points < 0), ZERO)
        if deducted > method.deduction_cap:
            _adjust(standing, method, "limits.deduction_cap",
                    f"扣分{deducted}超过上限{method.deduction_cap}",
                    deducted - method.deduction_cap, period)
    if method.period_score.value == "average":
        item_lines = [line for line in standing.lines if line.item_id]
        item_ids = {line.item_id for line in item_lines if line.points}
        if item_ids:
            total = sum((line.points for line in item_lines), ZERO)
            average = (total / len(item_ids)).quantize(CENT, rounding=ROUND_HALF_UP)
            _adjust(standing, method, "method.period_score.average",
                    f"稿件得分{total}，{len(item_ids)}篇，平均{average}", average - total, period)
    if method.period_cap is not None and standing.points > method.period_cap:
        _adjust(standing, method, "limits.period_cap",
                f"得分{standing.points}超过上限{method.period_cap}",
                method.period_cap - standing.points, period)
    if method.floor is not None and standing.points < method.floor:
        _adjust(standing, method, "limits.floor", f"扣分后不低于{method.floor}",
                method.floor - standing.points, period)
    if period.is_year and method.cliff_min_items is not None:
        items = len(set().union(*by_month.values())) if by_month else 0
        if items < method.cliff_min_items:
            _adjust(standing, method, "cliff.min_items",
                    f"全年{items}篇，少于{method.cliff_min_items}篇，不计分", -standing.points,
                    period)
    if (period.is_year and method.veto_missed_commissions is not None
            and standing.holder_kind is HolderKind.UNIT):
        missed = sum(1 for lapse in facts.lapses
                     if lapse.unit_id == standing.holder_id and lapse.lapsed_on.year == period.year)
        if missed >= method.veto_missed_commissions:
            _adjust(standing, method, "veto.missed_commissions",
                    f"全年约稿未报{missed}次，一票否决", -standing.points, period)


ORDERS = ("points", "adoptions", "rate")


def standings(facts: Facts, period: Period, kind: HolderKind,
              lines: list[ScoreLine] | None = None, order: str = "points") -> list[Standing]:
    """Every officer's or unit's standing in the period, ranked 1-2-2-4.

    ``order`` is points, adoptions or adoption rate (no rate ranks last). Ties share a rank,
    are listed by code, and the next rank skips the tied places.
    """
    lines = all_lines(facts) if lines is None else lines
    method = in_force(facts.methods.values(), period.end)
    by_holder: dict[str, list[ScoreLine]] = {}
    for line in lines:
        holder = line.officer_id if kind is HolderKind.OFFICER else line.unit_id
        if holder is not None:
            by_holder.setdefault(holder, []).append(line)
    result = []
    for holder_id, (code, name, unit_name) in _holders(facts, period, kind).items():
        year_lines = by_holder.get(holder_id, [])
        in_period = [line for line in year_lines if line.valid_on in period]
        standing = Standing(kind, holder_id, code, name, unit_name,
                            [line for line in in_period if line.kind != "submitted"])
        submitted = {line.item_id for line in in_period if line.kind == "submitted"}
        adopted = {line.item_id for line in year_lines
                   if line.adoption and line.valid_on <= period.end}
        standing.submitted = len(submitted)
        standing.submitted_adopted = len(submitted & adopted)
        by_month = _counted_items(year_lines, method, period)
        standing.items = len({i for m in period.months() for i in by_month.get(m, ())})
        if method is not None:
            _period_rules(standing, method, facts, period, by_month)
        result.append(standing)
    return rank(result, order)


def rank(result: list[Standing], order: str = "points") -> list[Standing]:
    def measure(standing: Standing) -> Decimal:
        if order == "adoptions":
            return Decimal(standing.adoptions)
        if order == "rate":
            rate = standing.adoption_rate
            return rate if rate is not None else Decimal(-1)
        return standing.points

    result.sort(key=lambda s: (-measure(s), s.code))
    for position, standing in enumerate(result, 1):
        previous = result[position - 2] if position > 1 else None
        standing.rank = (previous.rank if previous is not None
                         and measure(previous) == measure(standing) else position)
    return result


def _holders(facts: Facts, period: Period, kind: HolderKind) -> dict[str, tuple[str, str, str]]:
    if kind is HolderKind.UNIT:
        return {uid: (u.code, u.name, u.name) for uid, u in facts.units.items()}
    holders = {}
    for oid, officer in facts.officers.items():
        if officer.enrolled_on > period.end or (officer.left_on and officer.left_on < period.start):
            continue
        unit = facts.units.get(officer.unit_on(period.end))
        holders[oid] = (officer.code, officer.name, unit.name if unit else "")
    return holders
