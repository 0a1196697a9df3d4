"""Quota progress (目标完成进度): for each officer or unit and each month of a year, the target,
the items done and the running totals, as known at any moment, and who is behind.

Items are counted by the domain's standings (adopted or submitted items, as the method in force
says), never by arithmetic of their own: a month's count is the standing of that month, a running
count the standing from January to the month's end.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time
from decimal import ROUND_DOWN, Decimal
from typing import Any

from domain import inputs
from domain.facts import Facts, TargetFact
from domain.period import Period
from domain.scoring import ScoreLine
from domain.standings import Standing, standings
from domain.target import even_split
from domain.values import HolderKind
from projections.ledger import load_facts
from projections.scores import SETTING_TOPICS, ScoreReports

COMPLETION_STEP = Decimal("0.1")


def completion(done: int, target: int | None) -> Decimal | None:
    """Percent of the target done, cut (not rounded) to one decimal, so that a printed 60.0 is
    at least 60; None when there is no target to divide by."""
    if not target:
        return None
    return (Decimal(done) * 100 / target).quantize(COMPLETION_STEP, rounding=ROUND_DOWN)


def percent_text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def monthly_items(target: TargetFact | None) -> tuple[int, ...] | None:
    """The twelve monthly item targets; an annual figure without a split is split evenly."""
    if target is None:
        return None
    if target.monthly_items is not None:
        return tuple(target.monthly_items)
    return tuple(even_split(target.items)) if target.items else None


def months_target(target: TargetFact | None, months: Iterable[int]) -> int | None:
    """The items targeted in ``months`` (1-12); None when the holder has no item target."""
    split = monthly_items(target)
    if split is None:
        return None
    return sum(split[month - 1] for month in months)


def year_to_date(period: Period) -> Period:
    """From the first of January to the period's last day: the span of a running total (累计)."""
    return Period(f"{period.year}-01..{period.end.month:02d}", date(period.year, 1, 1),
                  period.end)


def month_period(year: int, month: int) -> Period:
    return Period.parse(f"{year}-{month:02d}")


class StandingsAt:
    """Standings of any span within a year, as known at one moment.

    The settings facts and the year's ledger lines are read once; each span then runs the
    domain's period rules on the lines up to its end, exactly as ``ScoreReports.standings``
    does for a named period (which only takes the four named kinds of period).
    """

    def __init__(self, reports: ScoreReports, as_of: datetime | date | str | None) -> None:
        self.reports = reports
        self.moment = reports.moment(as_of)
        self._settings: Facts | None = None
        self._lines: dict[int, list[ScoreLine]] = {}

    @property
    def settings(self) -> Facts:
        if self._settings is None:
            self._settings = load_facts(self.reports.ledger, self.moment, SETTING_TOPICS,
                                        self.reports.upto)
        return self._settings

    def lines(self, span: Period) -> list[ScoreLine]:
        """The fact-level lines valid in ``span`` (before any period rule)."""
        if span.year not in self._lines:
            self._lines[span.year] = self.reports.ledger.lines(
                date(span.year, 1, 1), date(span.year, 12, 31), self.moment, self.reports.upto)
        return [line for line in self._lines[span.year] if line.valid_on in span]

    def of(self, span: Period, by: str | HolderKind) -> list[Standing]:
        kind = inputs.choice("by", HolderKind, by)
        year_lines = self.lines(Period(span.label, date(span.year, 1, 1), span.end))
        return standings(self.settings, span, kind, lines=year_lines)

    def target(self, kind: HolderKind, holder_id: str, year: int) -> TargetFact | None:
        return self.settings.targets.get((kind, holder_id, year))


def assessed_through(period: Period, moment: datetime) -> int:
    """The last month of ``period`` that had ended at ``moment`` (0: none had)."""
    ended = 0
    for month in period.months():
        last = datetime.combine(month_period(period.year, month).end, time.max, moment.tzinfo)
        if moment >= last:
            ended = month
    return ended


def quota_progress(reports: ScoreReports, period: str, by: str = "officer",
                   as_of: datetime | date | str | None = None,
                   now: datetime | None = None) -> dict[str, Any]:
    """Each holder's target, items done and running totals for every month of ``period``
    (running from January), and whether they are behind at the last month that has ended.

    ``now`` stands for the present when ``as_of`` is not given (the clock, by default).
    """
    span = Period.parse(period)
    kind = inputs.choice("by", HolderKind, by)
    at = StandingsAt(reports, as_of)
    moment = at.moment or now or datetime.now(reports.zone)
    through = assessed_through(span, moment.astimezone(reports.zone))
    monthly = {month: {s.holder_id: s for s in at.of(month_period(span.year, month), kind)}
               for month in span.months()}
    running = {month: {s.holder_id: s for s in at.of(year_to_date(month_period(
        span.year, month)), kind)} for month in span.months()}
    holders = []
    for standing in sorted(running[span.months()[-1]].values(), key=lambda s: s.code):
        target = at.target(kind, standing.holder_id, span.year)
        months = []
        for month in span.months():
            done = monthly[month].get(standing.holder_id)
            so_far = running[month].get(standing.holder_id)
            cumulative_target = months_target(target, range(1, month + 1))
            cumulative_done = so_far.items if so_far else 0
            months.append({
                "month": month, "target": months_target(target, [month]),
                "done": done.items if done else 0,
                "cumulative_target": cumulative_target, "cumulative_done": cumulative_done,
                "completion": percent_text(completion(cumulative_done, cumulative_target)),
            })
        due = next((m for m in months if m["month"] == through), None)
        due_target = (due["cumulative_target"] or 0) if due else 0
        due_done = due["cumulative_done"] if due else 0
        holders.append({
            "id": standing.code, "name": standing.name, "unit": standing.unit_name,
            "year_target": target.items if target else None,
            "year_completion": percent_text(completion(
                months[-1]["cumulative_done"], target.items if target else None)),
            "assessed_through": through, "due_target": due_target, "due_done": due_done,
            "completion": percent_text(completion(due_done, due_target)),
            "behind": due_done < due_target, "shortfall": max(0, due_target - due_done),
            "months": months,
        })
    return {
        "period": span.label, "by": kind.value,
        "as_of": at.moment.astimezone(reports.zone).isoformat() if at.moment else None,
        "assessed_through": through, "holders": holders,
    }
