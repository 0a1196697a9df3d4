"""Year-end honours by the [honours] rules of the method in force on the last day of the year:
advanced units and officers by their year's standing, excellent items by their points, each
category's top N (ties at the boundary all honoured) with at least the minimum points, units
with too many lapsed commissions vetoed, and units closed (撤并) by the year's end left out:
there is no one to honour, and the next in rank takes the place. Computed from the year-end
bulletin's pinned log, so a replay awards the same honours; each has a deterministic id and is
awarded once.

A retraction recorded after the year closed (``revise_honours``, run by the errata workflow)
revokes, with the retraction's reason, every honour of the year whose holder it left with fewer
points than the honour was awarded for and outside the rules: computed again from the log up to
the retraction, as known then. Nobody is honoured in a revoked honour's place by the ledger:
choosing again is the office's decision. When the office so decides (``fill_vacancies``), each
revoked honour's place not filled yet is filled (递补) by the next holder within the same rules
as the log stands then, who holds no honour of that year's category: one per place, in rank
order (ties as the ranking orders them); a place nobody is within the rules for stays empty."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.projection import Projection

from domain import inputs
from domain.application import CommandMeta, Tally
from domain.errors import (
    AlreadyExistsError,
    InvalidInputError,
    NotFoundError,
    WrongStateError,
)
from domain.honour import Honour
from domain.method import HonourRule, in_force
from domain.period import Period
from projections.runner import refresh
from projections.scores import ScoreReports

Candidate = tuple[str, str, Decimal]  # holder (code or item id), name, points


def rule_text(method_code: str, category: str, rule: HonourRule) -> str:
    text = f"{method_code} honours.{category}: top={rule.top}, min_points={rule.min_points}"
    if rule.veto_missed_commissions is not None:
        text += f", veto_missed_commissions={rule.veto_missed_commissions}"
    return text


def ranked(candidates: Iterable[Candidate], rule: HonourRule) -> list[tuple[int, Candidate]]:
    """The eligible candidates ranked 1-2-2-4 by points (ties by holder), within the top N."""
    eligible = sorted((c for c in candidates if c[2] > 0 and c[2] >= rule.min_points),
                      key=lambda c: (-c[2], c[0]))
    result: list[tuple[int, Candidate]] = []
    for place, candidate in enumerate(eligible, 1):
        rank = result[-1][0] if result and result[-1][1][2] == candidate[2] else place
        if rank > rule.top:
            break
        result.append((rank, candidate))
    return result


def honour_candidates(app: Tally, ledger: Projection[Any], year: str, position: int,
                      as_of: datetime) -> dict[str, tuple[str, HonourRule, list[Candidate]]]:
    span = Period.parse(year)
    reports = ScoreReports(ledger.view, app.zone).pinned(position)
    facts = reports.facts(as_of)
    method = in_force(facts.methods.values(), span.end)
    if method is None or not method.honours:
        return {}
    found: dict[str, tuple[str, HonourRule, list[Candidate]]] = {}
    for category, rule in method.honours.items():
        text = rule_text(method.code, category, rule)
        if category == "items":
            points: dict[str, Decimal] = {}
            moment = reports.moment(as_of)
            for line in ledger.view.lines(span.start, span.end, moment, position):
                if line.item_id:
                    points[line.item_id] = points.get(line.item_id, Decimal(0)) + line.points
            found[category] = (text, rule, [
                (item_id, facts.items[item_id].title if item_id in facts.items else item_id,
                 total) for item_id, total in points.items()])
            continue
        lapses: dict[str, int] = {}
        for lapse in facts.lapses:
            if lapse.lapsed_on in span:
                lapses[lapse.unit_id] = lapses.get(lapse.unit_id, 0) + 1
        veto = rule.veto_missed_commissions
        gone = {unit_id for unit_id, unit in facts.units.items()
                if unit.closed_by(span.end)} if category == "units" else set()
        found[category] = (text, rule, [
            (s.code, s.name, s.points)
            for s in reports.standings(span.label, category[:-1], as_of)
            if (veto is None or lapses.get(s.holder_id, 0) < veto) and s.holder_id not in gone])
    return found


def award_honours(app: Tally, ledger: Projection[Any], year: str, position: int,
                  as_of: datetime, meta: CommandMeta) -> list[UUID]:
    span = Period.parse(year)
    awarded = []
    for category, (text, rule, candidates) in honour_candidates(
            app, ledger, span.label, position, as_of).items():
        for rank, (holder, name, points) in ranked(candidates, rule):
            if Honour.create_id(span.year, category, holder) in app.repository:
                continue
            try:
                awarded.append(app.award_honour(
                    span.year, category, holder, name, rank, points, text,
                    meta=CommandMeta(actor=meta.actor, correlation_id=meta.correlation_id,
                                     known_at=meta.known_at)))
            except AlreadyExistsError:
                continue
    return awarded


def revise_honours(app: Tally, ledger: Projection[Any], year: str, position: int,
                   as_of: datetime, reason: str, meta: CommandMeta) -> list[UUID]:
    """Revoke the year's honours that the log up to ``position`` (a retraction's), as known at
    ``as_of``, no longer bears out; each revocation names the retraction's reason and the
    points the holder keeps. Running it again revokes nothing twice."""
    span = Period.parse(year)
    revoked = []
    for category, (_, rule, candidates) in honour_candidates(
            app, ledger, span.label, position, as_of).items():
        standing = {holder for _, (holder, _, _) in ranked(candidates, rule)}
        for holder, _, points in candidates:
            honour = app.honour(span.year, category, holder)
            if (honour is None or honour["revoked_reason"] is not None or holder in standing
                    or points >= Decimal(honour["points"])):
                continue
            try:
                revoked.append(app.revoke_honour(
                    honour["id"], f"{reason}；重新计算得分{points:.2f}，不再符合评先规则",
                    meta=meta))
            except WrongStateError:
                continue  # another follower revoked it first
    return revoked


def fill_vacancies(app: Tally, ledger: Projection[Any], catalog: Projection[Any], year: str,
                   reason: str, meta: CommandMeta) -> list[UUID]:
    """Fill the places of the year's revoked honours (递补), as the office decided with
    ``reason``: candidates ranked by the same rules from the log as it stands now, as known
    at ``meta.known_at`` (default now); each place goes to the best ranked holder within the
    rules who holds no honour of the category that year. Answers the honours awarded;
    deciding again fills only the places still empty."""
    span = Period.parse(year, field="year")
    if not span.is_year:
        raise InvalidInputError("honours are awarded for a year, such as 2025", field="year")
    reason = inputs.text("reason", reason)
    if not app.is_published(span.label):  # the year's honours are awarded when it closes
        raise NotFoundError(f"{span.label} is not closed: it has no honours yet", field="year")
    refresh(app, catalog)
    honours = catalog.view.honours(span.year)
    vacancies = [h for h in honours if h["revoked_reason"] is not None and not h["filled_by"]]
    if not vacancies:
        return []
    position = refresh(app, ledger)
    as_of = app._cause(meta).known_at or app.clock()
    held = {(h["category"], h["holder"]) for h in honours}
    filled = []
    for category, (text, rule, candidates) in honour_candidates(
            app, ledger, span.label, position, as_of).items():
        places = sorted((h for h in vacancies if h["category"] == category),
                        key=lambda h: (h["rank"], h["holder"]))
        eligible = [(rank, candidate) for rank, candidate in ranked(candidates, rule)
                    if (category, candidate[0]) not in held]
        for place, (rank, (holder, name, points)) in zip(places, eligible, strict=False):
            try:
                filled.append(app.fill_honour(place["id"], holder, name, rank, points, text,
                                              reason, meta=meta))
            except (AlreadyExistsError, WrongStateError):
                continue  # another clerk filled it first
    return filled
