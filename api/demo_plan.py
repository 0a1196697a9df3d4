"""The plan of the demo year: every command of a county bureau's 2025, from a seeded generator.

Each command carries the moment the office learned of it (``known_at``); within one submission
those moments always follow the order of its workflow, so replaying the plan sorted by them
never asks for an adoption before the approval it needs.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from api import demo_data as data

YEAR = 2025
#: The scoring method the demo county publishes on the first day of the year.
DEMO_METHOD = Path(__file__).resolve().parent.parent / "methods" / "demo-2025.toml"
SEED = 2025
ZONE = ZoneInfo("Asia/Shanghai")
SUBMISSIONS = 400
FIRST_DAY = date(YEAR, 1, 2)
LAST_DAY = date(YEAR, 12, 31)
LAST_DRAFT_DAY = date(YEAR, 12, 19)
LATE_NOTICE_AT = datetime(YEAR + 1, 1, 10, 10, 30, tzinfo=ZONE)
CATEGORIES = ("new_measure", "important_situation", "typical_experience", "other")
FORMS = ("full", "merged", "excerpt")
OUTLETS = {outlet.code: outlet for outlet in data.OUTLETS}

#: Chance that an outlet adopts an item sent to it, by channel and level.
ADOPTION_RATE = {
    ("info", "county"): 0.28, ("info", "city"): 0.25,
    ("info", "provincial"): 0.2, ("info", "national"): 0.25,
    ("publicity", "county"): 0.3, ("publicity", "city"): 0.22,
    ("publicity", "provincial"): 0.15, ("publicity", "national"): 0.15,
}
#: Days from sending to adoption, and from adoption to the notice reaching the office.
ADOPTION_DELAY = {"county": (1, 7), "city": (3, 15), "provincial": (5, 25), "national": (10, 40)}
NOTICE_DELAY = {"county": (0, 1), "city": (0, 3), "provincial": (1, 7), "national": (2, 10)}
#: Weights of full, merged and excerpt adoption by level (publicity is mostly printed in full).
FORM_WEIGHTS = {"county": (70, 20, 10), "city": (40, 45, 15), "provincial": (20, 50, 30),
                "national": (10, 40, 50), "publicity": (80, 5, 15)}
INSTRUCTIONS_PER_LEVEL = {"national": 1, "provincial": 3, "city": 4, "county": 5}
RETURNED_ITEMS = 8
WITHDRAWN_ITEMS = 6


@dataclass(frozen=True)
class IdOf:
    """The id returned by an earlier command of the plan, e.g. a drafted submission's."""

    key: str


@dataclass(frozen=True)
class Step:
    """One command of the plan, issued as the office learned of it."""

    known_at: datetime
    command: str
    actor: str
    label: str
    kwargs: dict[str, Any]
    result_key: str | None = None


@dataclass
class Item:
    """A planned submission."""

    draft_day: date
    lead: str
    authors: str
    unit: str
    channel: str
    category: str
    title: str
    event_date: date
    research: bool = False
    commission: str | None = None
    fate: str = "normal"  # normal, returned, withdrawn or late_notice
    ref: str = ""


@dataclass(frozen=True)
class PlannedAdoption:
    item: Item
    outlet: data.OutletSeed
    adopted_on: date
    known_at: datetime


def at_day(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), ZONE)


@dataclass
class DemoYear:
    """Plans the year's commands; ``plan()`` returns them in the order they happened."""

    seed: int = SEED
    steps: list[Step] = field(default_factory=list)
    adoptions: list[PlannedAdoption] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.home_unit = {code: unit for code, _, unit in data.OFFICERS}
        self.productivity = {code: self.rng.uniform(0.5, 3.0) for code in self.home_unit}
        self.units = {unit.code: unit for unit in data.UNITS}

    def plan(self) -> list[Step]:
        self.plan_directory()
        self.plan_targets()
        self.plan_transfer()
        self.plan_commissions()
        for item in self.items():
            self.plan_item(item)
        retracted = self.plan_retraction()
        self.plan_instructions(exclude=retracted)
        ordered = sorted(enumerate(self.steps), key=lambda pair: (pair[1].known_at, pair[0]))
        return [step for _, step in ordered]

    # Plumbing -----------------------------------------------------------------------

    def add(self, known_at: datetime, command: str, actor: str, label: str,
            result_key: str | None = None, **kwargs: Any) -> datetime:
        if known_at.year > YEAR and known_at != LATE_NOTICE_AT:
            raise AssertionError(f"{label} would be known only in {known_at.year}")
        self.steps.append(Step(known_at, command, actor, label, kwargs, result_key))
        return known_at

    def moment(self, day: date) -> datetime:
        """A moment in office hours of ``day``."""
        return at_day(day, 8, 45) + timedelta(minutes=self.rng.randrange(0, 9 * 60))

    def after(self, earlier: datetime, day: date) -> datetime:
        """A moment on ``day`` that is later than ``earlier``."""
        return max(self.moment(day), earlier + timedelta(minutes=self.rng.randint(5, 90)))

    def days(self, low: int, high: int) -> timedelta:
        return timedelta(days=self.rng.randint(low, high))

    def unit_of(self, officer: str, day: date) -> str:
        code, to_unit, effective_on, _ = data.TRANSFER
        if officer == code and day >= date.fromisoformat(effective_on):
            return to_unit
        return self.home_unit[officer]

    def colleagues(self, unit: str, day: date) -> list[str]:
        return [code for code in self.home_unit if self.unit_of(code, day) == unit]

    # Directory, targets, transfer, commissions --------------------------------------

    def plan_directory(self) -> None:
        at = at_day(FIRST_DAY, 9)
        tick = timedelta(minutes=1)
        at = self.add(at, "publish_method", "admin", "method/demo-2025",
                      source=DEMO_METHOD.read_text(encoding="utf-8"))
        for unit in data.UNITS:
            at = self.add(at + tick, "register_unit", "admin", f"unit/{unit.code}", code=unit.code,
                          name=unit.name, unit_class=unit.unit_class, registered_on=FIRST_DAY)
        for code, name, unit_code in data.OFFICERS:
            at = self.add(at + tick, "enrol_officer", "admin", f"officer/{code}", code=code,
                          name=name, unit=unit_code, enrolled_on=FIRST_DAY)
        for outlet in data.OUTLETS:
            at = self.add(at + tick, "register_outlet", "admin", f"outlet/{outlet.code}",
                          code=outlet.code, name=outlet.name, channel=outlet.channel,
                          level=outlet.level)
        for username, name, role in data.STAFF:
            at = self.add(at + tick, "open_account", "admin", f"account/{username}",
                          username=username, display_name=name, roles=[role])
        for unit in data.UNITS:
            at = self.add(at + tick, "open_account", "admin", f"account/approver-{unit.code}",
                          username=f"approver-{unit.code}", display_name=unit.approver,
                          roles=["approver"], unit=unit.code)
        for code, name, _ in data.OFFICERS:
            at = self.add(at + tick, "open_account", "admin", f"account/{code}", username=code,
                          display_name=name, roles=["officer"], officer=code)

    def plan_targets(self) -> None:
        at = at_day(date(YEAR, 1, 6), 10)
        for unit in data.UNITS:
            items, points = (60, 400) if unit.unit_class == "A类" else (40, 250)
            at = self.add(at + timedelta(minutes=1), "set_target", "admin",
                          f"target/{unit.code}", holder_kind="unit", holder=unit.code,
                          year=YEAR, items=items, points=points)
        for code, unit_code in self.home_unit.items():
            class_a = self.units[unit_code].unit_class == "A类"
            at = self.add(at + timedelta(minutes=1), "set_target", "admin", f"target/{code}",
                          holder_kind="officer", holder=code, year=YEAR,
                          items=16 if class_a else 12, points=120 if class_a else None)

    def plan_transfer(self) -> None:
        officer, to_unit, effective_on, reason = data.TRANSFER
        self.add(at_day(date.fromisoformat(effective_on), 8, 30), "transfer_officer", "admin",
                 f"transfer/{officer}", officer=officer, to_unit=to_unit,
                 effective_on=effective_on, reason=reason)

    def plan_commissions(self) -> None:
        for ref, topic, units, issued_on, deadline, lapsing in data.COMMISSIONS:
            issued = date.fromisoformat(issued_on)
            self.add(at_day(issued, 9, 30), "issue_commission", "editor", f"{ref}/issue",
                     result_key=ref, topic=topic, units=list(units), issued_on=issued_on,
                     deadline=deadline, ref=ref)
            lapse_day = date.fromisoformat(deadline) + timedelta(days=3)
            for unit in lapsing:
                self.add(at_day(lapse_day, 9), "record_lapse", "editor", f"{ref}/lapse/{unit}",
                         commission_id=IdOf(ref), unit=unit, lapsed_on=lapse_day)

    # Submissions --------------------------------------------------------------------

    def items(self) -> list[Item]:
        fixed = [*self.commissioned_items(), self.late_notice_item()]
        chosen = fixed + [self.random_item() for _ in range(SUBMISSIONS - len(fixed))]
        ordered = sorted(enumerate(chosen), key=lambda pair: (pair[1].draft_day, pair[0]))
        items = [item for _, item in ordered]
        for number, item in enumerate(items, 1):
            item.ref = f"{YEAR}-{number:04d}"
        ordinary = [i for i in items if i.fate == "normal" and i.commission is None
                    and i.draft_day <= date(YEAR, 12, 10)]
        picked = self.rng.sample(ordinary, RETURNED_ITEMS + WITHDRAWN_ITEMS)
        for item in picked[:RETURNED_ITEMS]:
            item.fate = "returned"
        for item in picked[RETURNED_ITEMS:]:
            item.fate = "withdrawn"
        return items

    def commissioned_items(self) -> list[Item]:
        items = []
        for ref, topic, units, issued_on, deadline, lapsing in data.COMMISSIONS:
            issued, due = date.fromisoformat(issued_on), date.fromisoformat(deadline)
            for unit in units:
                if unit in lapsing:
                    continue
                day = issued + self.days(2, (due - issued).days - 2)
                lead = self.rng.choice(self.colleagues(unit, day))
                category = self.rng.choice(("new_measure", "important_situation"))
                items.append(Item(day, lead, lead, unit, "info", category,
                                  f"{self.units[unit].name}{topic}", day - self.days(0, 1),
                                  commission=ref))
        return items

    def late_notice_item(self) -> Item:
        day = date(YEAR, 12, 11)
        return Item(day, "o06", "o06", self.home_unit["o06"], "info", "new_measure",
                    data.LATE_NOTICE_TITLE, day - timedelta(days=1), fate="late_notice")

    def random_item(self) -> Item:
        rng = self.rng
        officers = list(self.productivity)
        lead = rng.choices(officers, weights=[self.productivity[o] for o in officers])[0]
        day = self.random_workday()
        unit = self.unit_of(lead, day)
        channel = rng.choices(("info", "publicity"), weights=(55, 45))[0]
        category = rng.choices(CATEGORIES, weights=(30, 20, 25, 25))[0]
        event_date = max(FIRST_DAY, day - self.days(0, 3))
        return Item(day, lead, self.authors(lead, unit, day), unit, channel, category,
                    self.title(channel, category, unit, event_date), event_date,
                    research=channel == "info" and rng.random() < 0.05)

    def random_workday(self) -> date:
        month_weights = (7, 5, 9, 9, 9, 9, 8, 8, 9, 9, 9, 7)
        while True:
            month = self.rng.choices(range(1, 13), weights=month_weights)[0]
            day = date(YEAR, month, self.rng.randint(1, 28 if month == 2 else 30))
            if day.weekday() < 5 and FIRST_DAY < day <= LAST_DRAFT_DAY:
                return day

    def authors(self, lead: str, unit: str, day: date) -> str:
        others = [code for code in self.colleagues(unit, day) if code != lead]
        roll = self.rng.random()
        if roll < 0.8 or not others:
            return lead
        if roll < 0.9:
            return f"{lead};{self.rng.choice(others)}"
        if roll < 0.96 or len(others) < 2:
            share = self.rng.choice(("0.6", "0.7"))
            rest = "0.4" if share == "0.6" else "0.3"
            return f"{lead}:{share};{self.rng.choice(others)}:{rest}"
        second, third = self.rng.sample(others, 2)
        return f"{lead}:0.5;{second}:0.3;{third}:0.2"

    def title(self, channel: str, category: str, unit: str, event_date: date) -> str:
        pattern = self.rng.choice(data.TITLES[(channel, category)])
        return pattern.format(unit=self.units[unit].name,
                              topic=self.rng.choice(self.units[unit].topics),
                              month=event_date.month)

    def plan_item(self, item: Item) -> None:
        ref, item_id = item.ref, IdOf(item.ref)
        approver = f"approver-{item.unit}"
        at = self.add(self.moment(item.draft_day), "draft_submission", item.lead, f"{ref}/draft",
                      result_key=ref, title=item.title, channel=item.channel,
                      category=item.category, authors=item.authors, event_date=item.event_date,
                      commission=IdOf(item.commission) if item.commission else None,
                      research=item.research, ref=ref)
        day = item.draft_day + self.days(0, 1)
        at = self.add(self.after(at, day), "submit", item.lead, f"{ref}/submit",
                      submission_id=item_id, submitted_on=day)
        if item.fate == "returned":
            at, day = self.plan_return(item, at, day)
        if item.fate == "withdrawn" and self.rng.random() < 0.5:
            self.plan_withdrawal(item, at, day)
            return
        day += self.days(0, 1)
        approved_at = self.after(at, day)
        self.add(approved_at, "approve", approver, f"{ref}/approve", submission_id=item_id,
                 approver=approver, approved_at=approved_at)
        if item.fate == "withdrawn":
            self.plan_withdrawal(item, approved_at, day + self.days(1, 3))
        elif item.fate == "late_notice":
            self.plan_late_notice(item, approved_at, day)
        else:
            for outlet, route, sent_on in self.routing(item, day):
                self.plan_send(item, outlet, route, sent_on, approved_at)

    def plan_return(self, item: Item, at: datetime, day: date) -> tuple[datetime, date]:
        ref, item_id = item.ref, IdOf(item.ref)
        at = self.add(self.after(at, day), "return_submission", f"approver-{item.unit}",
                      f"{ref}/return", submission_id=item_id,
                      reason=self.rng.choice(data.RETURN_REASONS))
        day += self.days(1, 2)
        at = self.add(self.after(at, day), "revise_submission", item.lead, f"{ref}/revise",
                      submission_id=item_id, title=item.title, category=item.category,
                      authors=item.authors, event_date=item.event_date, research=item.research)
        at = self.add(self.after(at, day), "submit", item.lead, f"{ref}/resubmit",
                      submission_id=item_id, submitted_on=day)
        return at, day

    def plan_withdrawal(self, item: Item, at: datetime, day: date) -> None:
        self.add(self.after(at, day), "withdraw", item.lead, f"{item.ref}/withdraw",
                 submission_id=IdOf(item.ref), reason=self.rng.choice(data.WITHDRAW_REASONS))

    def routing(self, item: Item, day: date) -> list[tuple[data.OutletSeed, str, date]]:
        """Where an approved item goes: (outlet, route, sent on), within the year."""
        rng = self.rng
        if item.channel == "info":
            chances = [("info-county", 1.0, "direct", 0),
                       (rng.choice(("info-city-party", "info-city-government")), 0.45,
                        rng.choices(("forwarded", "direct"), weights=(85, 15))[0], 2),
                       (rng.choice(("info-province-party", "info-province-government")), 0.18,
                        "forwarded", 3),
                       ("info-state-council", 0.05 if item.category != "other" else 0.0,
                        "forwarded", 4)]
        else:
            chances = [("media-county-centre", 0.9, "direct", 0),
                       (rng.choice(("media-city-daily", "media-city-tv")), 0.5, "direct", 0),
                       ("media-province-daily", 0.2, "direct", 1),
                       (rng.choice(("media-peoples-daily", "media-xinhua")), 0.06, "direct", 1)]
        routes = []
        for code, chance, route, delay in chances:
            sent_on = day + self.days(0, delay)
            if rng.random() < chance and sent_on <= LAST_DAY:
                routes.append((OUTLETS[code], route, sent_on))
        return routes

    def plan_send(self, item: Item, outlet: data.OutletSeed, route: str, sent_on: date,
                  approved_at: datetime) -> None:
        ref, item_id = item.ref, IdOf(item.ref)
        sender = "editor" if route == "forwarded" else item.lead
        sent_at = self.add(self.after(approved_at, sent_on), "send_to_outlet", sender,
                           f"{ref}/send/{outlet.code}", submission_id=item_id,
                           outlet=outlet.code, route=route, sent_on=sent_on)
        rng = self.rng
        if rng.random() < ADOPTION_RATE[(item.channel, outlet.level)]:
            adopted_on = sent_on + self.days(*ADOPTION_DELAY[outlet.level])
            known_on = adopted_on + self.days(*NOTICE_DELAY[outlet.level])
            if known_on <= LAST_DAY:
                self.plan_adoption(item, outlet, route, adopted_on, self.after(sent_at, known_on))
        elif rng.random() < 0.12:
            declined_on = sent_on + self.days(3, 15)
            if declined_on <= LAST_DAY:
                self.add(self.after(sent_at, declined_on), "record_decline", "editor",
                         f"{ref}/decline/{outlet.code}", submission_id=item_id,
                         outlet=outlet.code, declined_on=declined_on,
                         reason=rng.choice(data.DECLINE_REASONS))

    def plan_adoption(self, item: Item, outlet: data.OutletSeed, route: str, adopted_on: date,
                      known_at: datetime, form: str | None = None) -> None:
        weights = FORM_WEIGHTS["publicity" if item.channel == "publicity" else outlet.level]
        form = form or self.rng.choices(FORMS, weights=weights)[0]
        self.add(known_at, "record_adoption", "editor", f"{item.ref}/adopt/{outlet.code}",
                 submission_id=IdOf(item.ref), outlet=outlet.code, form=form,
                 adopted_on=adopted_on, route=route)
        self.adoptions.append(PlannedAdoption(item, outlet, adopted_on, known_at))

    def plan_late_notice(self, item: Item, approved_at: datetime, day: date) -> None:
        """Adopted by the province on 26 December; the notice arrives on 10 January."""
        county, province = OUTLETS["info-county"], OUTLETS["info-province-party"]
        sent_at = self.add(self.after(approved_at, day), "send_to_outlet", item.lead,
                           f"{item.ref}/send/{county.code}", submission_id=IdOf(item.ref),
                           outlet=county.code, route="direct", sent_on=day)
        county_day = day + timedelta(days=2)
        self.plan_adoption(item, county, "direct", county_day, self.after(sent_at, county_day),
                           form="full")
        forwarded_on = day + timedelta(days=3)
        self.add(self.after(sent_at, forwarded_on), "send_to_outlet", "editor",
                 f"{item.ref}/send/{province.code}", submission_id=IdOf(item.ref),
                 outlet=province.code, route="forwarded", sent_on=forwarded_on)
        self.plan_adoption(item, province, "forwarded", date(YEAR, 12, 26), LATE_NOTICE_AT,
                           form="merged")

    # Corrections and leader instructions ---------------------------------------------

    def plan_retraction(self) -> str:
        """One city-level adoption retracted in the autumn; returns the item's ref."""
        autumn = [a for a in self.adoptions if a.outlet.level == "city"
                  and date(YEAR, 9, 1) <= a.adopted_on <= date(YEAR, 10, 31)]
        adoption = min(autumn, key=lambda a: a.known_at)
        day = adoption.known_at.date() + timedelta(days=9)
        self.add(self.after(adoption.known_at, day), "retract_adoption", "editor",
                 f"{adoption.item.ref}/retract/{adoption.outlet.code}",
                 submission_id=IdOf(adoption.item.ref), outlet=adoption.outlet.code,
                 reason=data.RETRACTION_REASON)
        return adoption.item.ref

    def plan_instructions(self, exclude: str) -> None:
        """Leader instructions on adopted information items at each level, most with feedback."""
        candidates = [a for a in self.adoptions if a.item.channel == "info"
                      and a.item.ref != exclude and a.known_at.date() <= date(YEAR, 11, 30)]
        chosen: list[PlannedAdoption] = []
        for level, wanted in INSTRUCTIONS_PER_LEVEL.items():
            at_level = [a for a in candidates if a.outlet.level == level
                        and a.item.ref not in {c.item.ref for c in chosen}]
            chosen += self.rng.sample(at_level, min(wanted, len(at_level)))
        for number, adoption in enumerate(chosen):
            self.plan_instruction(adoption, with_feedback=number % 5 != 4)

    def plan_instruction(self, adoption: PlannedAdoption, with_feedback: bool) -> None:
        item, level = adoption.item, adoption.outlet.level
        instructed_on = adoption.known_at.date() + self.days(1, 6)
        at = self.add(self.after(adoption.known_at, instructed_on), "record_instruction",
                      "editor", f"{item.ref}/instruction", submission_id=IdOf(item.ref),
                      leader_level=level, leader=self.rng.choice(data.LEADERS[level]),
                      instructed_on=instructed_on,
                      text=self.rng.choice(data.INSTRUCTION_TEXTS))
        fed_back_on = instructed_on + self.days(5, 20)
        if with_feedback and fed_back_on <= LAST_DAY:
            self.add(self.after(at, fed_back_on), "record_feedback", f"approver-{item.unit}",
                     f"{item.ref}/feedback", submission_id=IdOf(item.ref), instruction=1,
                     fed_back_on=fed_back_on, text=self.rng.choice(data.FEEDBACK_TEXTS))


def plan_year(seed: int = SEED) -> list[Step]:
    """Every command of the demo year, in the order the office learned of them."""
    return DemoYear(seed).plan()
