"""The facts scoring reads: plain values folded from the log, as known at some moment."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from domain.method import ScoringMethod
from domain.values import Category, Channel, FindingKind, Form, HolderKind, Level, Route


@dataclass(frozen=True)
class AdoptionFact:
    outlet_code: str
    outlet_name: str
    level: Level
    form: Form
    route: Route
    adopted_on: date


@dataclass(frozen=True)
class SendFact:
    outlet_code: str
    level: Level
    route: Route
    sent_on: date
    outlet_name: str = ""


@dataclass(frozen=True)
class InstructionFact:
    number: int
    level: Level
    leader: str
    instructed_on: date


@dataclass(frozen=True)
class ItemFacts:
    item_id: str
    title: str
    channel: Channel
    category: Category
    research: bool
    authors: tuple[tuple[str, Decimal | None], ...]  # officer id, declared share
    event_date: date
    submitted_on: date | None = None
    withdrawn: bool = False
    adoptions: tuple[AdoptionFact, ...] = ()  # those not retracted
    sent: tuple[SendFact, ...] = ()
    instructions: tuple[InstructionFact, ...] = ()


@dataclass(frozen=True)
class FindingFact:
    finding_id: str
    kind: FindingKind
    holder_kind: HolderKind
    holder_id: str
    found_on: date
    reason: str


@dataclass(frozen=True)
class LapseFact:
    commission_id: str
    topic: str
    unit_id: str
    lapsed_on: date


@dataclass(frozen=True)
class TargetFact:
    holder_kind: HolderKind
    holder_id: str
    year: int
    items: int | None
    points: Decimal | None
    monthly_items: tuple[int, ...] | None


@dataclass
class OfficerInfo:
    code: str
    name: str
    enrolled_on: date
    postings: list[tuple[date, str]]  # (since, unit id), in date order
    left_on: date | None = None

    def unit_on(self, day: date) -> str:
        """The unit on ``day``; before enrolment the first unit, after leaving the last."""
        current = self.postings[0][1]
        for since, unit_id in self.postings:
            if since <= day:
                current = unit_id
        return current


@dataclass
class UnitInfo:
    code: str
    name: str
    unit_class: str
    closed_on: date | None = None  # its first day closed: rankings from then on leave it out

    def closed_by(self, day: date) -> bool:
        """Whether the unit had closed (撤并) on or before ``day``."""
        return self.closed_on is not None and self.closed_on <= day


@dataclass
class Facts:
    officers: dict[str, OfficerInfo] = field(default_factory=dict)
    units: dict[str, UnitInfo] = field(default_factory=dict)
    items: dict[str, ItemFacts] = field(default_factory=dict)
    findings: dict[str, FindingFact] = field(default_factory=dict)
    lapses: list[LapseFact] = field(default_factory=list)
    targets: dict[tuple[HolderKind, str, int], TargetFact] = field(default_factory=dict)
    methods: dict[str, ScoringMethod] = field(default_factory=dict)

    def unit_of(self, officer_id: str, day: date) -> str | None:
        officer = self.officers.get(officer_id)
        return officer.unit_on(day) if officer else None
