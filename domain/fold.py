"""Folding domain events, in log order, into the plain facts that scoring reads."""

from __future__ import annotations

from copy import copy
from dataclasses import fields, replace
from typing import Any
from uuid import UUID

from eventsourcing.dispatch import singledispatchmethod

from domain.commission import Commission
from domain.facts import (
    AdoptionFact,
    Facts,
    FindingFact,
    InstructionFact,
    ItemFacts,
    LapseFact,
    OfficerInfo,
    SendFact,
    TargetFact,
    UnitInfo,
)
from domain.finding import Finding
from domain.method import parse_method
from domain.method_book import MethodBook
from domain.officer import Officer
from domain.outlet import Outlet
from domain.submission import Submission
from domain.target import Target
from domain.unit import Unit
from domain.values import Level

#: The event classes that change what scoring reads; the rest (accounts, idempotency) do not.
FACT_EVENTS: tuple[type, ...] = (
    Unit.Registered, Unit.Renamed, Unit.Reclassified, Unit.Closed,
    Officer.Enrolled, Officer.Transferred, Officer.Left,
    Outlet.Registered, Outlet.Renamed,
    Submission.Drafted, Submission.Revised, Submission.Submitted, Submission.Withdrawn,
    Submission.SentToOutlet, Submission.Adopted, Submission.AdoptionRetracted,
    Submission.InstructionRecorded,
    Commission.Issued, Commission.Lapsed,
    Target.Set, Target.Adjusted,
    Finding.Recorded, Finding.Withdrawn,
    MethodBook.VersionPublished, MethodBook.VersionRescheduled, MethodBook.VersionWithdrawn,
)


class FactFolder:
    """Builds ``Facts`` from events; feed it every fact event known at the chosen moment.

    A handler never changes a fact in place: it puts a changed copy in its place. So a copy of
    the folder (``copy``) shares the facts themselves and goes on folding without touching
    the original."""

    def __init__(self) -> None:
        self.facts = Facts()
        self.outlets: dict[str, tuple[str, str, Level]] = {}  # id -> code, name, level
        self.topics: dict[str, str] = {}  # commission id -> topic
        self.sources: dict[str, str] = {}  # method code -> source

    def copy(self) -> FactFolder:
        """A folder holding the same facts, that folds on without changing this one."""
        other = FactFolder()
        # each collection copied, the facts in them shared
        other.facts = Facts(**{f.name: copy(getattr(self.facts, f.name))
                               for f in fields(self.facts)})
        other.outlets, other.topics = dict(self.outlets), dict(self.topics)
        other.sources = dict(self.sources)
        return other

    @singledispatchmethod
    def apply(self, event: Any) -> None:
        """Events that do not change what scoring reads are ignored."""

    @apply.register
    def _(self, e: Unit.Registered) -> None:
        self.facts.units[str(e.originator_id)] = UnitInfo(e.code, e.name, e.unit_class)

    @apply.register
    def _(self, e: Unit.Renamed) -> None:
        key = str(e.originator_id)
        self.facts.units[key] = replace(self.facts.units[key], name=e.name)

    @apply.register
    def _(self, e: Unit.Reclassified) -> None:
        key = str(e.originator_id)
        self.facts.units[key] = replace(self.facts.units[key], unit_class=e.unit_class)

    @apply.register
    def _(self, e: Unit.Closed) -> None:
        key = str(e.originator_id)
        self.facts.units[key] = replace(self.facts.units[key], closed_on=e.closed_on)

    @apply.register
    def _(self, e: Officer.Enrolled) -> None:
        self.facts.officers[str(e.originator_id)] = OfficerInfo(
            e.code, e.name, e.enrolled_on, [(e.enrolled_on, str(e.unit_id))])

    @apply.register
    def _(self, e: Officer.Transferred) -> None:
        key = str(e.originator_id)
        officer = self.facts.officers[key]
        self.facts.officers[key] = replace(
            officer, postings=[*officer.postings, (e.effective_on, str(e.to_unit_id))])

    @apply.register
    def _(self, e: Officer.Left) -> None:
        key = str(e.originator_id)
        self.facts.officers[key] = replace(self.facts.officers[key], left_on=e.left_on)

    @apply.register
    def _(self, e: Outlet.Registered) -> None:
        self.outlets[str(e.originator_id)] = (e.code, e.name, e.level)

    @apply.register
    def _(self, e: Outlet.Renamed) -> None:
        code, _, level = self.outlets[str(e.originator_id)]
        self.outlets[str(e.originator_id)] = (code, e.name, level)

    @apply.register
    def _(self, e: Submission.Drafted) -> None:
        self.facts.items[str(e.originator_id)] = ItemFacts(
            item_id=str(e.originator_id), title=e.title, channel=e.channel,
            category=e.category, research=e.research,
            authors=tuple((str(a.officer_id), a.share) for a in e.authors),
            event_date=e.event_date)

    @apply.register
    def _(self, e: Submission.Revised) -> None:
        self._change(e, title=e.title, category=e.category, research=e.research,
                     event_date=e.event_date,
                     authors=tuple((str(a.officer_id), a.share) for a in e.authors))

    @apply.register
    def _(self, e: Submission.Submitted) -> None:
        self._change(e, submitted_on=e.submitted_on)

    @apply.register
    def _(self, e: Submission.Withdrawn) -> None:
        self._change(e, withdrawn=True)

    @apply.register
    def _(self, e: Submission.SentToOutlet) -> None:
        code, name, level = self.outlets[str(e.outlet_id)]
        item = self.facts.items[str(e.originator_id)]
        self._change(e, sent=(*item.sent, SendFact(code, level, e.route, e.sent_on, name)))

    @apply.register
    def _(self, e: Submission.Adopted) -> None:
        code, name, level = self.outlets[str(e.outlet_id)]
        item = self.facts.items[str(e.originator_id)]
        adoption = AdoptionFact(code, name, level, e.form, e.route, e.adopted_on)
        self._change(e, adoptions=(*item.adoptions, adoption))

    @apply.register
    def _(self, e: Submission.AdoptionRetracted) -> None:
        code = self.outlets[str(e.outlet_id)][0]
        item = self.facts.items[str(e.originator_id)]
        self._change(e, adoptions=tuple(a for a in item.adoptions if a.outlet_code != code))

    @apply.register
    def _(self, e: Submission.InstructionRecorded) -> None:
        item = self.facts.items[str(e.originator_id)]
        instruction = InstructionFact(e.number, e.leader_level, e.leader, e.instructed_on)
        self._change(e, instructions=(*item.instructions, instruction))

    @apply.register
    def _(self, e: Commission.Issued) -> None:
        self.topics[str(e.originator_id)] = e.topic

    @apply.register
    def _(self, e: Commission.Lapsed) -> None:
        self.facts.lapses.append(LapseFact(str(e.originator_id),
                                           self.topics.get(str(e.originator_id), ""),
                                           str(e.unit_id), e.lapsed_on))

    @apply.register
    def _(self, e: Target.Set) -> None:
        self._target(e)

    @apply.register
    def _(self, e: Target.Adjusted) -> None:
        current = next(t for t in self.facts.targets.values()
                       if _target_id(t) == e.originator_id)
        self.facts.targets[(current.holder_kind, current.holder_id, current.year)] = replace(
            current, items=e.items, points=e.points,
            monthly_items=tuple(e.monthly_items) if e.monthly_items else None)

    @apply.register
    def _(self, e: Finding.Recorded) -> None:
        self.facts.findings[str(e.originator_id)] = FindingFact(
            str(e.originator_id), e.kind, e.holder_kind, str(e.holder_id), e.found_on, e.reason)

    @apply.register
    def _(self, e: Finding.Withdrawn) -> None:
        self.facts.findings.pop(str(e.originator_id), None)

    @apply.register
    def _(self, e: MethodBook.VersionPublished) -> None:
        self.sources[e.code] = e.source
        self.facts.methods[e.code] = replace(parse_method(e.source),
                                             effective_from=e.effective_from)

    @apply.register
    def _(self, e: MethodBook.VersionRescheduled) -> None:
        self.facts.methods[e.code] = replace(self.facts.methods[e.code],
                                             effective_from=e.effective_from)

    @apply.register
    def _(self, e: MethodBook.VersionWithdrawn) -> None:
        self.facts.methods.pop(e.code, None)

    def _change(self, e: Any, **changes: Any) -> None:
        key = str(e.originator_id)
        self.facts.items[key] = replace(self.facts.items[key], **changes)

    def _target(self, e: Target.Set) -> None:
        fact = TargetFact(e.holder_kind, str(e.holder_id), e.year, e.items, e.points,
                          tuple(e.monthly_items) if e.monthly_items else None)
        self.facts.targets[(e.holder_kind, str(e.holder_id), e.year)] = fact


def _target_id(target: TargetFact) -> UUID:
    return Target.create_id(target.holder_kind, UUID(target.holder_id), target.year)
