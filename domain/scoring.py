"""Pure scoring: facts and method versions in, score lines out; each line names its clause.

A line belongs to one officer (and the unit the officer was in on the line's valid date) or to a
unit alone. Item points are split among co-authors so that the shares add up to the item's
points exactly: an item is never counted twice, not even for a unit with two of its authors.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from domain.facts import AdoptionFact, Facts, FindingFact, ItemFacts, LapseFact
from domain.method import Combine, Levels, ScoringMethod, Split, in_force
from domain.values import Channel, HolderKind, Level, Route

CENT = Decimal("0.01")
ZERO = Decimal(0)

LEVEL_NAMES = {Level.NATIONAL: "国家级", Level.PROVINCIAL: "省级", Level.CITY: "市级",
               Level.COUNTY: "县级"}
FORM_NAMES = {"full": "全文采用", "merged": "综合采用", "excerpt": "摘要采用"}


@dataclass(frozen=True)
class ScoreLine:
    """One scoring consequence of one fact under one clause of one method version."""

    kind: str  # adoption, submitted, submission, instruction, bonus, deduction, reward, quota,
    # adjustment
    valid_on: date
    officer_id: str | None
    unit_id: str | None
    item_id: str | None
    fact: str  # what happened, in words
    clause: str  # the method clause, e.g. adoption.info.provincial.full
    method: str  # the method version's code
    points: Decimal = ZERO
    money: Decimal = ZERO
    channel: Channel | None = None
    level: Level | None = None
    adoption: bool = False  # counts as one adoption in rankings
    ref: str = ""  # names the fact stably (not its wording): adoption:prov:2025-03-05


@dataclass(frozen=True)
class _Consequence:
    """An item-level consequence before it is split among the authors."""

    kind: str
    valid_on: date
    fact: str
    clause: str
    method: ScoringMethod
    points: Decimal = ZERO
    money: Decimal = ZERO
    level: Level | None = None
    adoption: bool = False
    ref: str = ""


def _multiplier(method: ScoringMethod, item: ItemFacts,
                adoption: AdoptionFact) -> tuple[Decimal, list[str]]:
    factors: list[tuple[Decimal, str]] = []
    if adoption.route is Route.FORWARDED and adoption.level in method.forwarding:
        factors.append((method.forwarding[adoption.level], f"forwarding.{adoption.level.value}"))
    if item.category in method.category_multiplier:
        factors.append((method.category_multiplier[item.category],
                        f"category.{item.category.value}.multiplier"))
    if item.research and method.research_multiplier is not None:
        factors.append((method.research_multiplier, "research.multiplier"))
    if not factors:
        return Decimal(1), []
    if method.combine is Combine.HIGHEST:
        factor, clause = max(factors, key=lambda f: f[0])
        return factor, [f"{clause} x{factor.normalize()}"]
    product = Decimal(1)
    for factor, _ in factors:
        product *= factor
    return product, [f"{clause} x{factor.normalize()}" for factor, clause in factors]


def _adoption_consequences(item: ItemFacts, methods: Iterable[ScoringMethod]
                           ) -> list[_Consequence]:
    methods = list(methods)
    scored: list[tuple[Decimal, AdoptionFact, ScoringMethod, str]] = []
    for adoption in sorted(item.adoptions, key=lambda a: (a.adopted_on, a.outlet_code)):
        method = in_force(methods, adoption.adopted_on)
        if method is None:
            continue
        base, clause = method.adoption_points(item.channel, adoption.level,
                                              adoption.outlet_code, adoption.form)
        factor, factor_clauses = _multiplier(method, item, adoption)
        clause = " ; ".join([clause, *factor_clauses])
        scored.append((base * factor, adoption, method, clause))
    best = max(scored, key=lambda s: s[0], default=None)
    consequences = []
    rewards = []
    for points, adoption, method, clause in scored:
        fact = (f"{adoption.outlet_name}{FORM_NAMES[adoption.form.value]}"
                f"（{adoption.adopted_on.isoformat()}）")
        ref = f"{adoption.outlet_code}:{adoption.adopted_on.isoformat()}"
        if method.levels is Levels.HIGHEST and best is not None and adoption is not best[1]:
            consequences.append(_Consequence(
                "adoption", adoption.adopted_on, fact,
                f"levels.highest: superseded by {best[1].outlet_code}", method, ZERO,
                level=adoption.level, adoption=True, ref=f"adoption:{ref}"))
        else:
            consequences.append(_Consequence("adoption", adoption.adopted_on, fact, clause,
                                             method, points, level=adoption.level,
                                             adoption=True, ref=f"adoption:{ref}"))
        money, money_clause = method.reward(adoption.level, adoption.outlet_code)
        if money:
            rewards.append(_Consequence("reward", adoption.adopted_on, fact, money_clause,
                                        method, money=money, level=adoption.level,
                                        ref=f"reward:{ref}"))
    if rewards and all(r.method.levels is Levels.HIGHEST for r in rewards):
        rewards = [max(rewards, key=lambda r: r.money)]  # highest level only: one reward an item
    return consequences + rewards


def _item_bonuses(item: ItemFacts, adoptions: list[_Consequence]) -> list[_Consequence]:
    """Category and research bonuses: once per item, never once per adoption or level."""
    scoring = [c for c in adoptions if c.kind == "adoption" and c.points > 0]
    if not scoring:
        return []
    first = min(scoring, key=lambda c: c.valid_on)
    method = first.method
    bonuses = []
    if item.category in method.category_bonus:
        bonuses.append(_Consequence("bonus", first.valid_on, f"必报类别：{item.title}",
                                    f"category.{item.category.value}.bonus", method,
                                    method.category_bonus[item.category],
                                    ref=f"bonus:{item.category.value}"))
    if item.research and method.research_bonus:
        bonuses.append(_Consequence("bonus", first.valid_on, f"调研文章：{item.title}",
                                    "research.bonus", method, method.research_bonus,
                                    ref="bonus:research"))
    return bonuses


def _once_per_level(entries: Iterable[tuple[Level, date, str]], methods: list[ScoringMethod],
                    table: str) -> list[_Consequence]:
    """Points by level from ``table`` (submission or instruction), each level once per item."""
    earliest: dict[Level, tuple[date, str]] = {}
    for level, day, fact in sorted(entries, key=lambda e: e[1]):
        earliest.setdefault(level, (day, fact))
    consequences = []
    for level, (day, fact) in earliest.items():
        method = in_force(methods, day)
        if method is None:
            continue
        points = getattr(method, table).get(level, ZERO)
        if points:
            consequences.append(_Consequence(table, day, fact, f"{table}.{level.value}", method,
                                             points, level=level, ref=f"{table}:{level.value}"))
    if consequences and all(c.method.levels is Levels.HIGHEST for c in consequences):
        best = max(consequences, key=lambda c: c.points)
        consequences = [best]
    return consequences


def _late_report(item: ItemFacts, methods: list[ScoringMethod]) -> list[_Consequence]:
    assert item.submitted_on is not None
    method = in_force(methods, item.submitted_on)
    if method is None or method.late_after_days is None or not method.late_deduction:
        return []
    delay = (item.submitted_on - item.event_date).days
    if delay <= method.late_after_days:
        return []
    return [_Consequence("deduction", item.submitted_on,
                         f"迟报：事发{item.event_date.isoformat()}，报送{item.submitted_on.isoformat()}"
                         f"（{delay}天）", "timeliness.late_deduction", method,
                         -method.late_deduction, ref="late")]


def _shares(item: ItemFacts, method: ScoringMethod) -> list[tuple[str, Decimal]]:
    declared = [share for _, share in item.authors]
    if method.split is Split.SHARES and all(share is not None for share in declared):
        return [(officer, share) for officer, share in item.authors]  # type: ignore[misc]
    even = Decimal(1) / len(item.authors)
    return [(officer, even) for officer, _ in item.authors]


def _split(total: Decimal, shares: list[tuple[str, Decimal]]) -> list[Decimal]:
    """Parts of ``total`` in cents; the first author takes the rounding, so parts sum exactly."""
    parts = [(total * share).quantize(CENT, rounding=ROUND_HALF_UP) for _, share in shares[1:]]
    return [total - sum(parts, ZERO), *parts]


def _submitted(item: ItemFacts, methods: list[ScoringMethod]) -> list[_Consequence]:
    """A line of no points that marks the item as submitted, for quotas counting submissions."""
    assert item.submitted_on is not None
    method = in_force(methods, item.submitted_on) or min(
        methods, key=lambda m: m.effective_from, default=None)
    if method is None:
        return []
    return [_Consequence("submitted", item.submitted_on,
                         f"报送（{item.submitted_on.isoformat()}）", "quota.counts", method,
                         ref="submitted")]


def item_lines(item: ItemFacts, facts: Facts) -> list[ScoreLine]:
    """Every score line an item gives its authors, under the versions in force on each date."""
    if item.withdrawn or item.submitted_on is None or not item.authors:
        return []
    methods = list(facts.methods.values())
    adoptions = _adoption_consequences(item, methods)
    consequences = [
        *adoptions,
        *_item_bonuses(item, adoptions),
        *_once_per_level(((s.level, s.sent_on, f"报送至{s.outlet_name or s.outlet_code}")
                          for s in item.sent),
                         methods, "submission"),
        *_once_per_level(((i.level, i.instructed_on, f"{i.leader}批示") for i in item.instructions),
                         methods, "instruction"),
        *_late_report(item, methods),
        *_submitted(item, methods),
    ]
    lines = []
    for consequence in consequences:
        shares = _shares(item, consequence.method)
        split_note = "" if len(shares) == 1 else f" ; split.{consequence.method.split.value}"
        for (officer_id, _), points, money in zip(
            shares, _split(consequence.points, shares), _split(consequence.money, shares),
            strict=True,
        ):
            lines.append(ScoreLine(
                kind=consequence.kind, valid_on=consequence.valid_on, officer_id=officer_id,
                unit_id=facts.unit_of(officer_id, consequence.valid_on), item_id=item.item_id,
                fact=f"《{item.title}》{consequence.fact}", clause=consequence.clause + split_note,
                method=consequence.method.code, points=points, money=money,
                channel=item.channel, level=consequence.level, adoption=consequence.adoption,
                ref=consequence.ref,
            ))
    return lines


def finding_lines(finding: FindingFact, facts: Facts) -> list[ScoreLine]:
    method = in_force(facts.methods.values(), finding.found_on)
    if method is None:
        return []
    amount = method.finding_deductions.get(finding.kind.value)
    if not amount:
        return []
    if finding.holder_kind is HolderKind.OFFICER:
        officer_id, unit_id = finding.holder_id, facts.unit_of(finding.holder_id, finding.found_on)
    else:
        officer_id, unit_id = None, finding.holder_id
    return [ScoreLine("deduction", finding.found_on, officer_id, unit_id, None,
                      f"通报问题：{finding.reason}", f"deductions.{finding.kind.value}",
                      method.code, points=-amount, ref=f"finding:{finding.finding_id}")]


def lapse_lines(lapse: LapseFact, facts: Facts) -> list[ScoreLine]:
    method = in_force(facts.methods.values(), lapse.lapsed_on)
    if method is None or not method.missed_commission:
        return []
    return [ScoreLine("deduction", lapse.lapsed_on, None, lapse.unit_id, None,
                      f"约稿未报：{lapse.topic}", "deductions.missed_commission", method.code,
                      points=-method.missed_commission,
                      ref=f"lapse:{lapse.commission_id}:{lapse.unit_id}")]


def all_lines(facts: Facts) -> list[ScoreLine]:
    """Every fact-level line (before the period rules), in a stable order."""
    lines: list[ScoreLine] = []
    for item_id in sorted(facts.items):
        lines.extend(item_lines(facts.items[item_id], facts))
    for finding_id in sorted(facts.findings):
        lines.extend(finding_lines(facts.findings[finding_id], facts))
    for lapse in facts.lapses:
        lines.extend(lapse_lines(lapse, facts))
    return lines
