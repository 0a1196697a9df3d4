"""Score reports: standings, explanations, differences and "what if", for any period as known
at any moment. Every report, the command line and the specifications read scores from here."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta, tzinfo
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from eventsourcing.utils import get_topic

from domain import inputs
from domain.errors import InvalidInputError, NotFoundError
from domain.facts import Facts
from domain.fold import FACT_EVENTS, FactFolder
from domain.method import ScoringMethod, in_force, parse_method
from domain.period import Period
from domain.standings import (
    ORDERS,
    Standing,
    counts_submissions,
    holders,
    officer_listed,
    standings,
)
from domain.submission import Submission
from domain.values import Channel, HolderKind, Level
from projections.ledger import LedgerView, fold_facts, load_facts, year_to

#: Everything but the items: the small facts the period rules read beside the ledger.
SETTING_TOPICS = tuple(get_topic(cls) for cls in FACT_EVENTS
                       if not issubclass(cls, Submission.Event))
#: Settings folds kept per ledger view (each shares its facts with the folds it went on from).
SETTINGS_FOLDS = 64


@dataclass(frozen=True)
class MethodVersion:
    """A scoring-method version as known at a moment, and its state on a day."""

    method: ScoringMethod
    until: date | None  # the day before the next version takes over; None for the last
    state: str  # "in_force", "scheduled" or "superseded" on the day asked about
    published_from: date | None  # the file's own effective date, where it was rescheduled


class ScoreReports:
    def __init__(self, ledger: LedgerView, zone: tzinfo | None = None,
                 upto: int | None = None) -> None:
        """``upto`` pins every report to the log as it stood at that position (see
        ``LedgerView.pinned``)."""
        self.whole = ledger  # the ledger of the whole log, whatever the pin
        self.ledger = ledger.pinned(upto) if upto is not None else ledger
        self.zone = zone or ZoneInfo("Asia/Shanghai")
        self.upto = upto

    def pinned(self, upto: int) -> ScoreReports:
        """The same reports over the log up to position ``upto`` only."""
        return ScoreReports(self.whole, self.zone, upto)

    def moment(self, as_of: datetime | date | str | None) -> datetime | None:
        """A bare date means the end of that day in the office."""
        if as_of is None:
            return None
        return inputs.instant("as_of", as_of, zone=self.zone, end_of_day=True)

    def facts(self, as_of: datetime | date | str | None = None) -> Facts:
        """All facts known at ``as_of``, folded from the fact log (for replays and checks)."""
        return load_facts(self.ledger, self.moment(as_of), upto=self.upto)

    def settings(self, as_of: datetime | date | str | None = None) -> Facts:
        """The units, officers, methods, targets and findings known at ``as_of`` (no items):
        shared with the reports' cache, so read-only."""
        return self._settings(self.moment(as_of))

    def method_versions(self, on: date, as_of: datetime | date | str | None = None
                        ) -> list[MethodVersion]:
        """The versions in force or scheduled as known at ``as_of``, by effective date, each
        with the day its successor takes over and its state on the day ``on``."""
        methods = sorted(self.settings(as_of).methods.values(),
                         key=lambda method: (method.effective_from, method.code))
        versions = []
        for number, method in enumerate(methods):
            following = methods[number + 1].effective_from if number + 1 < len(methods) \
                else None
            until = following - timedelta(days=1) if following is not None else None
            state = ("scheduled" if method.effective_from > on
                     else "superseded" if until is not None and until < on else "in_force")
            published_from = parse_method(method.source).effective_from
            versions.append(MethodVersion(method, until, state, published_from
                                          if published_from != method.effective_from
                                          else None))
        return versions

    def standings(self, period: str, by: str = "officer",
                  as_of: datetime | date | str | None = None, *, channel: str | None = None,
                  level: str | None = None, order: str = "points",
                  detail: bool = True) -> list[Standing]:
        """Ranked standings from the ledger (no replay), optionally of one channel or level.

        With ``detail`` False each holder's sums are summed in the database and the standings
        carry the period rules' lines only, not the fact lines: what a ranking needs.
        """
        kind = inputs.choice("by", HolderKind, by)
        if order not in ORDERS:
            raise InvalidInputError(f"must be one of: {', '.join(ORDERS)}", field="order")
        span = Period.parse(period)
        moment = self.moment(as_of)
        settings = self._settings(moment)
        if not detail and channel is None and level is None:
            return self._from_sums(settings, span, kind, moment, order)
        start, end = year_to(span)
        lines = self.ledger.lines(start, end, moment, self.upto)
        if channel is not None:
            wanted = inputs.choice("channel", Channel, channel)
            lines = [line for line in lines if line.channel is wanted]
        if level is not None:
            wanted_level = inputs.choice("level", Level, level)
            lines = [line for line in lines if line.level is wanted_level
                     or (line.kind == "submitted")]
        return standings(settings, span, kind, lines=lines, order=order)

    def _settings(self, moment: datetime | None) -> Facts:
        """The settings facts known at ``moment``, folded once per set of them: the facts
        known at a moment only grow with it, so their count (and last position) names the
        set, and a repeated or nearby moment reuses the fold. A new set is folded on from the
        cached fold of the latest earlier moment (the facts learned since are few), not from
        the start. Shared, so read-only."""
        known = self.ledger.fact_count(moment, SETTING_TOPICS, self.upto)
        cache: dict[tuple[Any, ...], tuple[datetime | None, FactFolder]] = (
            self.ledger.__dict__.setdefault("_settings_folds", {}))
        key = (self.upto, *known)
        found = cache.get(key)
        if found is None:
            earlier = [(at, folder) for (upto, *_), (at, folder) in cache.items()
                       if upto == self.upto and at is not None
                       and (moment is None or at <= moment)]
            at, base = max(earlier, key=lambda pair: pair[0], default=(None, None))
            folder = fold_facts(self.ledger, base.copy() if base else FactFolder(), moment,
                                SETTING_TOPICS, self.upto, after=at)
            if len(cache) >= SETTINGS_FOLDS:
                cache.pop(next(iter(cache)))
            found = cache[key] = (moment, folder)
        return found[1].facts

    def _inputs(self, settings: Facts, span: Period, kind: HolderKind
                ) -> tuple[Any, list[str], dict[str, tuple[str, str, str]], list[str]]:
        """What a ranking reads of the settings alone: the method in force, the holders with a
        monthly target, the holders listed (and their ids in order). Kept per period and kind,
        and used again while the units, officers, methods and targets are the same ones
        (folds share unchanged facts, so comparing them is cheap). When only some officers
        changed (a transfer between two moments), the others are listed as they were."""
        memo: dict[tuple[Any, ...], tuple[tuple[Any, ...], Any, dict[str, Any]]] = (
            self.ledger.__dict__.setdefault("_ranking_inputs", {}))
        basis = (settings.units, settings.officers, settings.methods, settings.targets)
        key = (self.upto, span, kind)
        found = memo.get(key)
        if found is not None and found[0] == basis:
            return found[1]  # type: ignore[no-any-return]
        method = in_force(settings.methods.values(), span.end)
        targeted = sorted(holder for (holder_kind, holder, year), target
                          in settings.targets.items()
                          if holder_kind is kind and year == span.year and target.monthly_items
                          ) if method is not None and method.quota is not None else []
        entries: dict[str, Any] = {}  # officer id: (the officer's facts, how it is listed)
        if kind is HolderKind.OFFICER:
            # a fold shares each officer's facts until they change (``FactFolder.copy``)
            before = found[2] if found is not None and found[0][0] == settings.units else {}
            listed = {}
            for oid, officer in settings.officers.items():
                known = before.get(oid)
                entry = (known[1] if known is not None and known[0] is officer
                         else officer_listed(settings, officer, span))
                entries[oid] = (officer, entry)
                if entry is not None:
                    listed[oid] = entry
        else:
            listed = holders(settings, span, kind)
        inputs = (method, targeted, listed, sorted(listed))
        if len(memo) >= SETTINGS_FOLDS:
            memo.pop(next(iter(memo)))
        memo[key] = (basis, inputs, entries)
        return inputs

    def _from_sums(self, settings: Facts, span: Period, kind: HolderKind,
                   moment: datetime | None, order: str = "points") -> list[Standing]:
        method, targeted, listed, ids = self._inputs(settings, span, kind)
        totals = self.ledger.holder_totals(span, moment, self.upto, kind.value,
                                           counts_submissions(method), ids, targeted)
        return standings(settings, span, kind, order=order, totals=totals, listed=listed)

    def standing(self, code: str, period: str, by: str = "officer",
                 as_of: datetime | date | str | None = None) -> Standing:
        """One holder's standing with the lines that explain it: the rank from everyone's
        sums, the lines from the holder's own lines only."""
        kind = inputs.choice("by", HolderKind, by)
        span = Period.parse(period)
        moment = self.moment(as_of)
        settings = self._settings(moment)
        ranked = next((s for s in self._from_sums(settings, span, kind, moment)
                       if s.code == code), None)
        if ranked is None:
            raise NotFoundError(f"no {by} {code} in {period}", field=by)
        start, end = year_to(span)
        lines = self.ledger.holder_lines(start, end, moment, self.upto, kind.value,
                                         ranked.holder_id)
        explained = next(s for s in standings(settings, span, kind, lines=lines)
                         if s.holder_id == ranked.holder_id)
        explained.rank = ranked.rank
        return explained

    def ranking(self, period: str, by: str = "officer",
                as_of: datetime | date | str | None = None, **options: Any
                ) -> list[dict[str, Any]]:
        options.setdefault("detail", False)
        return [standing.as_dict() for standing in self.standings(period, by, as_of, **options)]

    def difference(self, period: str, before: datetime | date | str,
                   after: datetime | date | str | None = None,
                   by: str = "officer") -> dict[str, Any]:
        """What changed in a period's results between two moments, and which facts did it."""
        kind = inputs.choice("by", HolderKind, by)
        span = Period.parse(period)
        then = self.standings(period, by, before, detail=False)
        now = self.standings(period, by, after, detail=False)
        earlier = {s.holder_id: s for s in then}
        holders = []
        for standing in now:
            old = earlier.get(standing.holder_id)
            old_points = old.points if old else Decimal(0)
            if standing.points != old_points or (old and old.rank != standing.rank):
                holders.append({
                    "id": standing.code, "name": standing.name,
                    "before": f"{old_points:.2f}", "after": f"{standing.points:.2f}",
                    "change": f"{standing.points - old_points:.2f}",
                    "rank_before": old.rank if old else None, "rank_after": standing.rank,
                })
        names = {s.holder_id: (s.code, s.name) for s in now}
        causes = []
        before_moment = self.moment(before)
        assert before_moment is not None
        for row in self.ledger.changes(span.start, span.end, before_moment, self.moment(after),
                                       self.upto):
            holder = row["officer_id"] if kind is HolderKind.OFFICER else row["unit_id"]
            if holder is None or not (row["points_cents"] or row["money_cents"]):
                continue
            code, name = names.get(holder, ("", ""))
            known_at = datetime.fromisoformat(row["known_at"]).replace(tzinfo=UTC)
            causes.append({
                "position": row["position"],
                "known_at": known_at.astimezone(self.zone).isoformat(timespec="seconds"),
                "id": code,
                "name": name, "fact": row["fact"], "clause": row["clause"],
                "valid_on": row["valid_on"],
                "points": f"{Decimal(int(row['points_cents'])) / 100:.2f}",
                "money": f"{Decimal(int(row['money_cents'])) / 100:.2f}",
            })
        causes.extend(self._rule_changes(then, now))
        return {"period": span.label, "by": kind.value, "holders": holders, "causes": causes}

    @staticmethod
    def _rule_changes(then: list[Standing], now: list[Standing]) -> list[dict[str, Any]]:
        """The period rules' lines that changed between two standings (a month's quota base
        reached, a cap or a cliff): what the facts learned in between moved beyond their own
        lines, so that each holder's causes add up to the change."""
        earlier = {s.holder_id: s for s in then}
        changed = []
        for standing in now:
            old = earlier.get(standing.holder_id)
            # keyed by rule and day, not by wording: "1 of 1 items" becoming "2 of 1" with
            # the same points changed nothing; the newer wording is the one shown
            sums: dict[tuple[str, str, date], list[Any]] = {}
            for sign, lines in ((-1, old.lines if old else []), (1, standing.lines)):
                for line in lines:
                    key = (line.kind, line.clause, line.valid_on)
                    points, money, _ = sums.get(key, (Decimal(0), Decimal(0), ""))
                    sums[key] = [points + sign * line.points, money + sign * line.money,
                                 line.fact]
            for (_, clause, valid_on), (points, money, fact) in sums.items():
                if points or money:
                    changed.append({
                        "position": None, "known_at": "", "id": standing.code,
                        "name": standing.name, "fact": fact, "clause": clause,
                        "valid_on": valid_on.isoformat(), "points": f"{points:.2f}",
                        "money": f"{money:.2f}"})
        return changed

    def what_if(self, period: str, method_source: str, by: str = "officer",
                as_of: datetime | date | str | None = None) -> list[dict[str, Any]]:
        """The period scored under another method, side by side with the methods in force."""
        kind = inputs.choice("by", HolderKind, by)
        span = Period.parse(period)
        facts = self.facts(as_of)
        alternative = parse_method(method_source)
        other = replace(facts, methods={alternative.code: replace(
            alternative, effective_from=date.min)})
        actual = {s.holder_id: s for s in standings(facts, span, kind)}
        result = []
        for standing in standings(other, span, kind):
            current = actual[standing.holder_id]
            result.append({
                "id": standing.code, "name": standing.name,
                "points": f"{current.points:.2f}", "rank": current.rank,
                "what_if_points": f"{standing.points:.2f}", "what_if_rank": standing.rank,
                "change": f"{standing.points - current.points:.2f}",
            })
        return result
