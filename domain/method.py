"""Scoring methods (计分办法) as data: a TOML file, validated into a ``ScoringMethod``.

Every error names the key it is about (``adoption.info.galactic``), so office staff can mend the
file they wrote. Amounts are exact decimals; deductions are written as positive numbers.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any, TypeVar

from domain.errors import InvalidInputError
from domain.values import Category, Channel, FindingKind, Form, Level

E = TypeVar("E", bound=Enum)

FINDING_KINDS = tuple(kind.value for kind in FindingKind)


class MethodError(InvalidInputError):
    """A scoring-method file that cannot be used; ``field`` is the dotted key."""


class Levels(Enum):
    CUMULATIVE = "cumulative"  # every level that adopted the item scores
    HIGHEST = "highest"  # only the item's highest-scoring adoption scores, its highest reward pays


class PeriodScore(Enum):
    SUM = "sum"
    AVERAGE = "average"  # points per scored item


class Split(Enum):
    EVEN = "even"
    SHARES = "shares"  # declared shares where given, else even


class Combine(Enum):
    PRODUCT = "product"  # multipliers multiply: a research article on a new measure x2 x2
    HIGHEST = "highest"  # only the largest multiplier applies


class QuotaCounts(Enum):
    ADOPTED = "adopted"  # items with an adoption dated in the month
    SUBMITTED = "submitted"  # items submitted in the month


@dataclass(frozen=True)
class Quota:
    monthly_base: Decimal  # points for each month whose quota is met
    yearly_cap: Decimal | None
    counts: QuotaCounts


@dataclass(frozen=True)
class HonourRule:
    """Who may be honoured in one category at year end: the top ``top`` by points, with at
    least ``min_points``, none vetoed by ``veto_missed_commissions`` lapsed commissions."""

    top: int
    min_points: Decimal
    veto_missed_commissions: int | None


#: The categories of year-end honours: advanced units, advanced officers, excellent items.
HONOUR_CATEGORIES = ("units", "officers", "items")


@dataclass(frozen=True)
class ScoringMethod:
    code: str
    name: str
    effective_from: date
    levels: Levels
    period_score: PeriodScore
    split: Split
    combine: Combine
    adoption: Mapping[Channel, Mapping[Level, Mapping[Form, Decimal]]]
    outlet_points: Mapping[str, Mapping[Form, Decimal]]
    forwarding: Mapping[Level, Decimal]
    submission: Mapping[Level, Decimal]
    instruction: Mapping[Level, Decimal]
    category_multiplier: Mapping[Category, Decimal]
    category_bonus: Mapping[Category, Decimal]
    research_multiplier: Decimal | None
    research_bonus: Decimal | None
    late_after_days: int | None
    late_deduction: Decimal
    finding_deductions: Mapping[str, Decimal]
    missed_commission: Decimal
    floor: Decimal | None
    period_cap: Decimal | None
    deduction_cap: Decimal | None
    quota: Quota | None
    cliff_min_items: int | None
    veto_missed_commissions: int | None
    rewards: Mapping[Level, Decimal]
    reward_outlets: Mapping[str, Decimal]
    source: str = field(repr=False, compare=False)
    honours: Mapping[str, HonourRule] = field(default_factory=dict)

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.source.encode("utf-8")).hexdigest()

    def adoption_points(self, channel: Channel, level: Level, outlet_code: str,
                        form: Form) -> tuple[Decimal, str]:
        """Points of one adoption before multipliers, and the clause that gives them."""
        if outlet_code in self.outlet_points:
            points = self.outlet_points[outlet_code].get(form, Decimal(0))
            return points, f"adoption.outlets.{outlet_code}.{form.value}"
        points = self.adoption.get(channel, {}).get(level, {}).get(form, Decimal(0))
        return points, f"adoption.{channel.value}.{level.value}.{form.value}"

    def reward(self, level: Level, outlet_code: str) -> tuple[Decimal, str]:
        if outlet_code in self.reward_outlets:
            return self.reward_outlets[outlet_code], f"rewards.outlets.{outlet_code}"
        return self.rewards.get(level, Decimal(0)), f"rewards.{level.value}"


# Reading -----------------------------------------------------------------------------


class _Table:
    """A TOML table being read; remembers which keys were used to refuse unknown ones."""

    def __init__(self, data: Mapping[str, Any], path: str) -> None:
        self.data = data
        self.path = path
        self.used: set[str] = set()

    def key(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def get(self, name: str) -> Any:
        self.used.add(name)
        return self.data.get(name)

    def table(self, name: str, *, required: bool = False) -> _Table | None:
        value = self.get(name)
        if value is None:
            if required:
                raise MethodError(f"the table [{self.key(name)}] is missing",
                                  field=self.key(name))
            return None
        if not isinstance(value, Mapping):
            raise MethodError("must be a table", field=self.key(name))
        return _Table(value, self.key(name))

    def amount(self, name: str, *, required: bool = False) -> Decimal | None:
        value = self.get(name)
        if value is None:
            if required:
                raise MethodError("is required", field=self.key(name))
            return None
        return _amount(value, self.key(name))

    def whole(self, name: str, *, minimum: int = 0) -> int | None:
        value = self.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise MethodError(f"must be a whole number >= {minimum}", field=self.key(name))
        return value

    def text(self, name: str, *, required: bool = True) -> str:
        value = self.get(name)
        if value is None and not required:
            return ""
        if not isinstance(value, str) or not value.strip():
            raise MethodError("must be non-empty text", field=self.key(name))
        return value.strip()

    def choice(self, name: str, enum_type: type[E], default: E) -> E:
        value = self.get(name)
        if value is None:
            return default
        try:
            return enum_type(value)
        except ValueError:
            allowed = ", ".join(str(m.value) for m in enum_type)
            raise MethodError(f"must be one of: {allowed}", field=self.key(name)) from None

    def keyed(self, enum_type: type[E]) -> dict[E, Decimal]:
        """All entries of the table, keyed by an enumeration (levels, categories)."""
        result: dict[E, Decimal] = {}
        for name, value in self.data.items():
            self.used.add(name)
            member = _member(enum_type, name, self.key(name))
            result[member] = _amount(value, self.key(name))
        return result

    def finish(self) -> None:
        unknown = sorted(set(self.data) - self.used)
        if unknown:
            raise MethodError(f"unknown key {unknown[0]!r}", field=self.key(unknown[0]))


def _amount(value: Any, key: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise MethodError("must be a number", field=key)
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise MethodError("must be a number", field=key) from None
    if not number.is_finite() or number < 0:
        raise MethodError("must be a number >= 0", field=key)
    return number


def _member(enum_type: type[E], name: str, key: str) -> E:
    try:
        return enum_type(name)
    except ValueError:
        allowed = ", ".join(str(m.value) for m in enum_type)
        kind = enum_type.__name__.lower()
        raise MethodError(f"unknown {kind} {name!r}; use one of: {allowed}", field=key) from None


def _forms(table: _Table) -> dict[Form, Decimal]:
    forms = table.keyed(Form)
    table.finish()
    return forms


def _adoption(root: _Table) -> tuple[dict[Channel, dict[Level, dict[Form, Decimal]]],
                                     dict[str, dict[Form, Decimal]]]:
    adoption = root.table("adoption", required=True)
    assert adoption is not None
    by_channel: dict[Channel, dict[Level, dict[Form, Decimal]]] = {}
    outlets: dict[str, dict[Form, Decimal]] = {}
    for name in list(adoption.data):
        if name == "outlets":
            outlet_table = adoption.table("outlets")
            assert outlet_table is not None
            for code in list(outlet_table.data):
                forms_table = outlet_table.table(code)
                assert forms_table is not None
                outlets[code] = _forms(forms_table)
            outlet_table.finish()
            continue
        channel = _member(Channel, name, adoption.key(name))
        levels_table = adoption.table(name)
        assert levels_table is not None
        by_channel[channel] = {}
        for level_name in list(levels_table.data):
            level = _member(Level, level_name, levels_table.key(level_name))
            forms_table = levels_table.table(level_name)
            assert forms_table is not None
            by_channel[channel][level] = _forms(forms_table)
        levels_table.finish()
    adoption.finish()
    if not by_channel and not outlets:
        raise MethodError("gives no points for any adoption", field="adoption")
    return by_channel, outlets


def _levels_table(root: _Table, name: str) -> dict[Level, Decimal]:
    table = root.table(name)
    if table is None:
        return {}
    values = table.keyed(Level)
    table.finish()
    return values


def _categories(root: _Table) -> tuple[dict[Category, Decimal], dict[Category, Decimal]]:
    table = root.table("category")
    multipliers: dict[Category, Decimal] = {}
    bonuses: dict[Category, Decimal] = {}
    if table is None:
        return multipliers, bonuses
    for name in list(table.data):
        category = _member(Category, name, table.key(name))
        rule = table.table(name)
        assert rule is not None
        multiplier = rule.amount("multiplier")
        bonus = rule.amount("bonus")
        rule.finish()
        if multiplier is None and bonus is None:
            raise MethodError("give a multiplier or a bonus", field=rule.path)
        if multiplier is not None:
            multipliers[category] = multiplier
        if bonus is not None:
            bonuses[category] = bonus
    table.finish()
    return multipliers, bonuses


def _rewards(root: _Table) -> tuple[dict[Level, Decimal], dict[str, Decimal]]:
    table = root.table("rewards")
    if table is None:
        return {}, {}
    by_level: dict[Level, Decimal] = {}
    by_outlet: dict[str, Decimal] = {}
    for name in list(table.data):
        if name == "outlets":
            outlets = table.table("outlets")
            assert outlets is not None
            for code in list(outlets.data):
                amount = outlets.amount(code)
                assert amount is not None
                by_outlet[code] = amount
            outlets.finish()
        else:
            by_level[_member(Level, name, table.key(name))] = _amount(table.get(name),
                                                                      table.key(name))
    table.finish()
    return by_level, by_outlet


def _honours(root: _Table) -> dict[str, HonourRule]:
    """The optional [honours] table: [honours.units], [honours.officers], [honours.items]."""
    table = root.table("honours")
    if table is None:
        return {}
    rules: dict[str, HonourRule] = {}
    for category in HONOUR_CATEGORIES:
        rule = table.table(category)
        if rule is None:
            continue
        top = rule.whole("top", minimum=1)
        if top is None:
            raise MethodError("is required", field=rule.key("top"))
        veto = (rule.whole("veto_missed_commissions", minimum=1)
                if category == "units" else None)
        rules[category] = HonourRule(top=top, min_points=rule.amount("min_points") or Decimal(0),
                                     veto_missed_commissions=veto)
        rule.finish()
    table.finish()
    if not rules:
        raise MethodError("must hold [honours.units], [honours.officers] or [honours.items]",
                          field="honours")
    return rules


def _count_table(root: _Table, name: str, key: str) -> int | None:
    """An optional table holding one required count, such as ``[cliff] min_items``."""
    table = root.table(name)
    if table is None:
        return None
    count = table.whole(key, minimum=1)
    if count is None:
        raise MethodError("is required", field=table.key(key))
    table.finish()
    return count


#: The longest method file the interfaces take (characters).
MAX_SOURCE = 200_000


def parse_method(source: str) -> ScoringMethod:
    """Read and validate a scoring-method file; raise ``MethodError`` naming the key."""
    try:
        data = tomllib.loads(source)
    except tomllib.TOMLDecodeError as error:
        raise MethodError(f"not valid TOML: {error}", field="file") from None
    root = _Table(data, "")
    head = root.table("method", required=True)
    assert head is not None
    effective_from = head.get("effective_from")
    if isinstance(effective_from, str):
        try:
            effective_from = date.fromisoformat(effective_from)
        except ValueError:
            effective_from = None
    if isinstance(effective_from, datetime) or not isinstance(effective_from, date):
        # a TOML date-time is a date too in Python, but cannot be compared with the fact dates
        raise MethodError("must be a date such as 2025-01-01", field="method.effective_from")
    code = head.text("code")
    if any(ch.isspace() for ch in code):
        raise MethodError("must not contain spaces", field="method.code")
    name = head.text("name")
    levels = head.choice("levels", Levels, Levels.CUMULATIVE)
    period_score = head.choice("period_score", PeriodScore, PeriodScore.SUM)
    split = head.choice("split", Split, Split.EVEN)
    combine = head.choice("combine", Combine, Combine.PRODUCT)
    head.get("description")
    head.finish()

    adoption, outlet_points = _adoption(root)
    forwarding = _levels_table(root, "forwarding")
    submission = _levels_table(root, "submission")
    instruction = _levels_table(root, "instruction")
    category_multiplier, category_bonus = _categories(root)

    research_multiplier = research_bonus = None
    research = root.table("research")
    if research is not None:
        research_multiplier = research.amount("multiplier")
        research_bonus = research.amount("bonus")
        research.finish()

    late_after_days, late_deduction = None, Decimal(0)
    timeliness = root.table("timeliness")
    if timeliness is not None:
        late_after_days = timeliness.whole("late_after_days")
        late_deduction = timeliness.amount("late_deduction", required=True) or Decimal(0)
        if late_after_days is None:
            raise MethodError("is required", field="timeliness.late_after_days")
        timeliness.finish()

    finding_deductions: dict[str, Decimal] = {}
    missed_commission = Decimal(0)
    deductions = root.table("deductions")
    if deductions is not None:
        for kind in FINDING_KINDS:
            amount = deductions.amount(kind)
            if amount is not None:
                finding_deductions[kind] = amount
        missed_commission = deductions.amount("missed_commission") or Decimal(0)
        deductions.finish()

    floor = period_cap = deduction_cap = None
    limits = root.table("limits")
    if limits is not None:
        floor = limits.amount("floor")
        period_cap = limits.amount("period_cap")
        deduction_cap = limits.amount("deduction_cap")
        limits.finish()

    quota = None
    quota_table = root.table("quota")
    if quota_table is not None:
        monthly_base = quota_table.amount("monthly_base", required=True)
        assert monthly_base is not None
        quota = Quota(
            monthly_base=monthly_base,
            yearly_cap=quota_table.amount("yearly_cap"),
            counts=quota_table.choice("counts", QuotaCounts, QuotaCounts.ADOPTED),
        )
        quota_table.finish()

    cliff_min_items = _count_table(root, "cliff", "min_items")
    veto_missed_commissions = _count_table(root, "veto", "missed_commissions")

    rewards, reward_outlets = _rewards(root)
    honours = _honours(root)
    root.finish()
    return ScoringMethod(
        code=code, name=name, effective_from=effective_from, levels=levels,
        period_score=period_score, split=split, combine=combine, adoption=adoption,
        outlet_points=outlet_points, forwarding=forwarding, submission=submission,
        instruction=instruction, category_multiplier=category_multiplier,
        category_bonus=category_bonus, research_multiplier=research_multiplier,
        research_bonus=research_bonus, late_after_days=late_after_days,
        late_deduction=late_deduction, finding_deductions=finding_deductions,
        missed_commission=missed_commission, floor=floor, period_cap=period_cap,
        deduction_cap=deduction_cap, quota=quota, cliff_min_items=cliff_min_items,
        veto_missed_commissions=veto_missed_commissions, rewards=rewards,
        reward_outlets=reward_outlets, source=source, honours=honours,
    )


def in_force(methods: Iterable[ScoringMethod], day: date) -> ScoringMethod | None:
    """The version whose effective date is the latest on or before ``day``."""
    candidates = [m for m in methods if m.effective_from <= day]
    return max(candidates, key=lambda m: m.effective_from) if candidates else None
