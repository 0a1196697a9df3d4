"""A deterministic province-scale log, written through the domain in batches.

A province has about 150 units and 3,000 officers and records about a million events a year.
The generator walks the years day by day. Each item's whole workflow (submit, return and
revise, approve, send, adopt or decline, late notices, retractions, leader instructions and
feedback, withdrawal) is decided when it is drafted and queued by the moment the office learns
each step; the queue is drained in that order into real aggregates (``Submission``,
``Officer``, ``Commission``...) whose events carry ``known_at``, as imported history does.
Aggregates are saved many at a time (one ``save``, one transaction, about ``batch`` events),
and an item is let go once its last step is recorded, so memory stays bounded.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from eventsourcing.domain import Aggregate

from api import demo_data as data
from api.demo_plan import DEMO_METHOD, FORM_WEIGHTS
from domain.account import Account
from domain.application import Tally
from domain.commission import Commission
from domain.method import parse_method
from domain.method_book import MethodBook
from domain.officer import Officer
from domain.outlet import Outlet
from domain.submission import Submission
from domain.target import Target, even_split
from domain.unit import Unit
from domain.values import (
    Author,
    Category,
    Cause,
    Channel,
    Form,
    HolderKind,
    Level,
    Role,
    Route,
)

ZONE = ZoneInfo("Asia/Shanghai")
CATEGORIES = tuple(Category)
#: Chance that an outlet adopts an item sent to it, by channel and level (as in the demo).
ADOPTION_RATE = {
    ("info", "county"): 0.28, ("info", "city"): 0.25,
    ("info", "provincial"): 0.2, ("info", "national"): 0.25,
    ("publicity", "county"): 0.3, ("publicity", "city"): 0.22,
    ("publicity", "provincial"): 0.15, ("publicity", "national"): 0.15,
}
ADOPTION_DELAY = {"county": (1, 7), "city": (3, 15), "provincial": (5, 25), "national": (10, 40)}
NOTICE_DELAY = {"county": (0, 1), "city": (0, 3), "provincial": (1, 7), "national": (2, 10)}
LATE_NOTICE_SHARE = 0.03  # adoptions whose notice arrives one to three months late
RETRACTION_SHARE = 0.01
INSTRUCTION_SHARE = 0.03  # of adopted information items
RETURNED_SHARE = 0.06
WITHDRAWN_SHARE = 0.02
CO_AUTHORED_SHARE = 0.15
TRANSFER_SHARE = 0.03  # of officers, per year
COMMISSIONS_PER_YEAR = 24
#: Events one item records on average, to spread the wanted count over the working days.
EVENTS_PER_ITEM = 5.6
COUNTY_NAMES = ("城关", "河口", "青山", "白云", "临江", "松林", "石桥", "东湖", "西岭", "南塘",
                "北坡", "金沙", "玉泉", "龙潭", "桃源")
DEPARTMENTS = ("办公室", "发展和改革局", "教育局", "卫生健康局", "农业农村局", "公安局",
               "财政局", "自然资源局", "生态环境局", "住房和城乡建设局")
SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁"
            "谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程")
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国文慧鹏辉宇晨欣怡博雪峰海燕"


@dataclass(frozen=True)
class Scale:
    """What to generate: sizes, span and seed; ``batch`` is the events per ``save``."""

    events: int = 1_000_000
    units: int = 150
    officers: int = 3_000
    years: int = 1
    seed: int = 2025
    first_year: int = 2025
    batch: int = 2_000


@dataclass(order=True)
class _Step:
    known_at: datetime
    seq: int
    item: str = field(compare=False)
    action: str = field(compare=False)
    args: dict[str, Any] = field(compare=False, default_factory=dict)


@dataclass
class GeneratedLog:
    """What a run recorded: event and item counts, by kind, and the span of known time."""

    events: int = 0
    saves: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    first_known: datetime | None = None
    last_known: datetime | None = None

    def count(self, kind: str, n: int = 1) -> None:
        self.counts[kind] = self.counts.get(kind, 0) + n


class ProvinceLog:
    """Writes a province's years into ``app``; ``write`` returns what it recorded."""

    def __init__(self, scale: Scale) -> None:
        self.scale = scale
        self.rng = random.Random(scale.seed)
        self.seq = 0
        self.queue: list[_Step] = []
        self.live: dict[str, Submission] = {}  # items with steps still to come
        self.remaining: dict[str, int] = {}
        self.units: list[Unit] = []
        self.unit_topics: dict[UUID, tuple[str, ...]] = {}
        self.unit_names: dict[UUID, str] = {}
        self.officers: list[Officer] = []
        self.by_unit: dict[UUID, list[Officer]] = {}
        self.productivity: list[float] = []
        self.outlets = {seed.code: seed for seed in data.OUTLETS}
        self.outlet_ids = {code: Outlet.create_id(code) for code in self.outlets}
        self.commissions: dict[str, Commission] = {}
        self.open_commissions: list[tuple[Commission, UUID]] = []  # (commission, unit) to fulfil
        self.pending: dict[int, Aggregate] = {}
        self.pending_events = 0
        self.log = GeneratedLog()
        self.scheduled = 0
        self.items_drafted = 0

    # Writing -------------------------------------------------------------------------

    def write(self, app: Tally, progress: Callable[[int], None] | None = None) -> GeneratedLog:
        self.app, self.progress = app, progress
        start = date(self.scale.first_year, 1, 1)
        self.setup(start)
        self.flush()
        workdays = sum(1 for d in self.days(start, self.scale.years) if d.weekday() < 5)
        setup_events = self.log.events
        wanted_items = max(1, round((self.scale.events - setup_events) / EVENTS_PER_ITEM))
        per_day = wanted_items / max(1, workdays)
        credit = 0.0
        for day in self.days(start, self.scale.years):
            if day.month == 1 and day.day == 1 and day.year != start.year:
                self.plan_year(day.year)
            if day.weekday() < 5 and self.log.events + self.scheduled < self.scale.events:
                credit += per_day
                while credit >= 1 and self.log.events + self.scheduled < self.scale.events:
                    credit -= 1
                    self.draft_item(day)
            self.drain(until=self.at(day + timedelta(days=1), 0))
        self.drain(until=None)
        self.flush()
        return self.log

    def days(self, start: date, years: int) -> Iterator[date]:
        day = start
        while day.year < start.year + years:
            yield day
            day += timedelta(days=1)

    def touch(self, aggregate: Aggregate, kind: str) -> None:
        self.pending[id(aggregate)] = aggregate
        self.pending_events += 1
        self.log.count(kind)
        if self.pending_events >= self.scale.batch:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        aggregates = list(self.pending.values())
        events = sum(len(aggregate.pending_events) for aggregate in aggregates)
        self.app.save(*aggregates)
        self.log.events += events
        self.log.saves += 1
        if self.progress is not None:
            self.progress(events)
        self.pending, self.pending_events = {}, 0

    def cause(self, actor: str, label: str, known_at: datetime) -> Cause:
        if self.log.first_known is None or known_at < self.log.first_known:
            self.log.first_known = known_at
        if self.log.last_known is None or known_at > self.log.last_known:
            self.log.last_known = known_at
        return Cause(actor=actor, correlation_id=f"bench/{label}", known_at=known_at)

    @staticmethod
    def at(day: date, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(day, time(hour, minute), ZONE)

    def office_moment(self, day: date) -> datetime:
        return self.at(day, self.rng.randint(8, 17), self.rng.randint(0, 59))

    # The directory, methods, targets and commissions ----------------------------------

    def setup(self, start: date) -> None:
        rng, opened = self.rng, self.at(start, 8)
        book = MethodBook(office="office", cause=self.cause("admin", "method-book", opened))
        method = parse_method(DEMO_METHOD.read_text(encoding="utf-8"))
        book.publish(method, self.cause("admin", "method/publish", opened))
        self.touch(book, "method_book")
        self.touch(book, "methods")
        for code, seed in self.outlets.items():
            outlet = Outlet(code=code, name=seed.name, channel=Channel(seed.channel),
                            level=Level(seed.level), cause=self.cause("admin", code, opened))
            self.touch(outlet, "outlets")
        for n in range(self.scale.units):
            code = f"p{n + 1:03d}"
            county, rest = COUNTY_NAMES[n % len(COUNTY_NAMES)], n // len(COUNTY_NAMES)
            name = f"{county}县{DEPARTMENTS[rest % len(DEPARTMENTS)]}"
            if rest >= len(DEPARTMENTS):
                name += f"（{rest // len(DEPARTMENTS) + 1}）"
            unit = Unit(code=code, name=name, unit_class=rng.choice(("A类", "B类")),
                        registered_on=start, cause=self.cause("admin", code, opened))
            self.units.append(unit)
            self.unit_topics[unit.id] = data.UNITS[n % len(data.UNITS)].topics
            self.unit_names[unit.id] = name
            self.by_unit[unit.id] = []
            self.touch(unit, "units")
            # The unit's approver signs its items off; an import checks the account exists.
            approver = f"approver-{unit.id.hex[:6]}"
            self.touch(Account(username=approver, display_name=f"{name}审核人",
                               roles=[Role.APPROVER], officer_id=None, unit_id=None,
                               cause=self.cause("admin", approver, opened)), "accounts")
        for n in range(self.scale.officers):
            code = f"x{n + 1:05d}"
            unit = self.units[n % len(self.units)]
            name = rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.randint(1, 2)))
            officer = Officer(code=code, name=name, unit_id=unit.id, enrolled_on=start,
                              cause=self.cause("admin", code, opened))
            self.officers.append(officer)
            self.by_unit[unit.id].append(officer)
            self.productivity.append(rng.uniform(0.3, 3.0))
            self.touch(officer, "officers")
        self.plan_year(start.year)

    def plan_year(self, year: int) -> None:
        rng, first = self.rng, date(year, 1, 1)
        for unit in self.units:
            items = rng.randint(30, 200)
            target = Target(holder_kind=HolderKind.UNIT, holder_id=unit.id, year=year,
                            items=items, points=None, monthly_items=even_split(items),
                            cause=self.cause("admin", f"target/{unit.code}/{year}",
                                             self.at(first, 9)))
            self.touch(target, "targets")
        for number in range(COMMISSIONS_PER_YEAR):
            issued = date(year, 1 + number // 2, 3 + 14 * (number % 2))
            units = rng.sample(self.units, min(10, len(self.units)))
            ref = f"c{year}-{number + 1:02d}"
            topic = rng.choice(self.unit_topics[units[0].id])
            commission = Commission(ref=ref, topic=f"约稿：{topic}专题",
                                    unit_ids=[u.id for u in units], issued_on=issued,
                                    deadline=issued + timedelta(days=20),
                                    cause=self.cause("editor", ref, self.at(issued, 9)))
            self.commissions[ref] = commission
            self.touch(commission, "commissions")
            for k, unit in enumerate(units):
                if k < 7:
                    self.open_commissions.append((commission, unit.id))
                elif k < 9:
                    lapse_on = commission.deadline + timedelta(days=1)
                    self.schedule(self.at(lapse_on, 9), ref, "lapse", unit_id=unit.id,
                                  lapsed_on=lapse_on)
        for officer in rng.sample(self.officers, round(len(self.officers) * TRANSFER_SHARE)):
            effective = date(year, rng.randint(2, 11), rng.randint(1, 28))
            if effective <= officer.postings[-1][0]:
                continue
            to_unit = rng.choice([u for u in rng.sample(self.units, 3)
                                  if u.id != officer.unit_id] or self.units)
            if to_unit.id == officer.unit_id:
                continue
            known = self.office_moment(effective + timedelta(days=rng.randint(0, 5)))
            self.schedule(known, officer.code, "transfer", officer=officer, to_unit=to_unit,
                          effective_on=effective)

    # Items ----------------------------------------------------------------------------

    def schedule(self, known_at: datetime, item: str, action: str, **args: Any) -> None:
        self.seq += 1
        heapq.heappush(self.queue, _Step(known_at, self.seq, item, action, args))
        self.scheduled += 1
        self.remaining[item] = self.remaining.get(item, 0) + 1

    def draft_item(self, day: date) -> None:
        rng = self.rng
        self.items_drafted += 1
        ref = f"i{day.year}-{self.items_drafted:07d}"
        lead = rng.choices(self.officers, weights=self.productivity)[0]
        unit_id = lead.unit_on(day) or lead.unit_id
        authors: list[tuple[Officer, Decimal | None]] = [(lead, None)]
        colleagues = [o for o in self.by_unit[unit_id] if o is not lead]
        if colleagues and rng.random() < CO_AUTHORED_SHARE:
            other = rng.choice(colleagues)
            authors = ([(lead, Decimal("0.6")), (other, Decimal("0.4"))] if rng.random() < 0.5
                       else [(lead, None), (other, None)])
        channel = rng.choices(("info", "publicity"), weights=(55, 45))[0]
        category = rng.choices(CATEGORIES, weights=(30, 20, 25, 25))[0]
        commission = None
        if channel == "info" and self.open_commissions and rng.random() < 0.02:
            for index, (candidate, wanted_unit) in enumerate(self.open_commissions):
                # From the day after its issue: an item drafted on the day of issue, before
                # 09:00, would be known before the commission it answers.
                if wanted_unit == unit_id and candidate.issued_on < day:
                    commission = candidate
                    del self.open_commissions[index]
                    break
        event_date = day - timedelta(days=rng.randint(0, 3))
        pattern = rng.choice(data.TITLES[(channel, category.value)])
        topic = rng.choice(self.unit_topics[unit_id])
        title = pattern.format(unit=self.unit_names[unit_id], topic=topic,
                               month=event_date.month)
        at = self.office_moment(day)
        self.schedule(at, ref, "draft", title=title, channel=Channel(channel), category=category,
                      authors=[Author(o.id, share) for o, share in authors], unit_id=unit_id,
                      event_date=event_date, lead=lead.code,
                      commission=commission.id if commission else None)
        day += timedelta(days=rng.randint(0, 1))
        at = max(at, self.office_moment(day)) + timedelta(minutes=1)
        self.schedule(at, ref, "submit", submitted_on=day, commission=commission)
        roll = rng.random()
        if roll < RETURNED_SHARE:
            day += timedelta(days=1)
            at = max(at, self.office_moment(day)) + timedelta(minutes=1)
            self.schedule(at, ref, "return")
            day += timedelta(days=rng.randint(1, 2))
            at = max(at, self.office_moment(day)) + timedelta(minutes=1)
            self.schedule(at, ref, "revise")
            self.schedule(at + timedelta(minutes=5), ref, "submit", submitted_on=day,
                          commission=None)
            at += timedelta(minutes=5)
        elif roll < RETURNED_SHARE + WITHDRAWN_SHARE:
            at += timedelta(days=rng.randint(1, 3))
            self.schedule(at, ref, "withdraw")
            return
        day += timedelta(days=rng.randint(0, 1))
        approved_at = max(at, self.office_moment(day)) + timedelta(minutes=1)
        self.schedule(approved_at, ref, "approve", approved_at=approved_at)
        self.route(ref, channel, day, approved_at)

    def route(self, ref: str, channel: str, day: date, approved_at: datetime) -> None:
        rng = self.rng
        if channel == "info":
            chances = [("info-county", 1.0, "direct", 0),
                       (rng.choice(("info-city-party", "info-city-government")), 0.45,
                        "forwarded", 2),
                       (rng.choice(("info-province-party", "info-province-government")), 0.18,
                        "forwarded", 3),
                       ("info-state-council", 0.05, "forwarded", 4)]
        else:
            chances = [("media-county-centre", 0.9, "direct", 0),
                       (rng.choice(("media-city-daily", "media-city-tv")), 0.5, "direct", 0),
                       ("media-province-daily", 0.2, "direct", 1),
                       (rng.choice(("media-peoples-daily", "media-xinhua")), 0.06, "direct", 1)]
        adopted_info = False
        last_known = approved_at
        for code, chance, route, delay in chances:
            if rng.random() >= chance:
                continue
            outlet = self.outlets[code]
            sent_on = day + timedelta(days=rng.randint(0, delay))
            sent_at = max(approved_at, self.office_moment(sent_on)) + timedelta(minutes=1)
            self.schedule(sent_at, ref, "send", outlet=code, route=Route(route), sent_on=sent_on)
            if rng.random() < ADOPTION_RATE[(channel, outlet.level)]:
                adopted_on = sent_on + timedelta(days=rng.randint(*ADOPTION_DELAY[outlet.level]))
                known_on = adopted_on + timedelta(days=rng.randint(*NOTICE_DELAY[outlet.level]))
                if rng.random() < LATE_NOTICE_SHARE:
                    known_on += timedelta(days=rng.randint(30, 90))
                known = max(sent_at, self.office_moment(known_on)) + timedelta(minutes=1)
                weights = FORM_WEIGHTS["publicity" if channel == "publicity" else outlet.level]
                form = Form(rng.choices(("full", "merged", "excerpt"), weights=weights)[0])
                self.schedule(known, ref, "adopt", outlet=code, form=form, route=Route(route),
                              adopted_on=adopted_on)
                last_known = max(last_known, known)
                adopted_info = adopted_info or channel == "info"
                if rng.random() < RETRACTION_SHARE:
                    self.schedule(known + timedelta(days=rng.randint(5, 30)), ref, "retract",
                                  outlet=code)
            elif rng.random() < 0.12:
                declined_on = sent_on + timedelta(days=rng.randint(3, 15))
                self.schedule(max(sent_at, self.office_moment(declined_on)), ref, "decline",
                              outlet=code, declined_on=declined_on)
        if adopted_info and rng.random() < INSTRUCTION_SHARE:
            level = rng.choice(tuple(Level))
            instructed_on = last_known.date() + timedelta(days=rng.randint(1, 6))
            at = max(last_known, self.office_moment(instructed_on)) + timedelta(minutes=1)
            self.schedule(at, ref, "instruct", level=level, instructed_on=instructed_on)
            if rng.random() < 0.8:
                fed_back_on = instructed_on + timedelta(days=rng.randint(5, 20))
                self.schedule(max(at, self.office_moment(fed_back_on)), ref, "feedback",
                              fed_back_on=fed_back_on)

    def drain(self, until: datetime | None) -> None:
        while self.queue and (until is None or self.queue[0].known_at < until):
            step = heapq.heappop(self.queue)
            self.scheduled -= 1
            self.apply(step)
            self.remaining[step.item] -= 1
            if not self.remaining[step.item]:
                del self.remaining[step.item]
                self.live.pop(step.item, None)

    def apply(self, step: _Step) -> None:  # noqa: C901 (one branch per workflow step)
        a, label = step.args, f"{step.item}/{step.action}"
        if step.action == "transfer":
            officer = a["officer"]
            officer.transfer(a["to_unit"].id, a["effective_on"], "工作调动",
                             self.cause("admin", label, step.known_at))
            self.by_unit[officer.postings[-2][1]].remove(officer)
            self.by_unit[a["to_unit"].id].append(officer)
            self.touch(officer, "transfers")
            return
        if step.action == "lapse":
            commission = self.commissions[step.item]
            commission.lapse(a["unit_id"], a["lapsed_on"],
                             self.cause("system", label, step.known_at))
            self.touch(commission, "lapses")
            return
        cause = self.cause("editor", label, step.known_at)
        if step.action == "draft":
            item = Submission(ref=step.item, title=a["title"], channel=a["channel"],
                              category=a["category"], authors=a["authors"],
                              unit_id=a["unit_id"], event_date=a["event_date"],
                              commission_id=a["commission"], research=False, cause=cause)
            self.live[step.item] = item
            self.touch(item, "items")
            return
        item = self.live[step.item]
        if step.action == "submit":
            item.submit(a["submitted_on"], cause)
            commission = a["commission"]
            if commission is not None and commission.is_open_for(item.unit_id):
                commission.fulfil(item.unit_id, item.id, a["submitted_on"], cause)
                self.touch(commission, "fulfilments")
            kind = "submissions"
        elif step.action == "return":
            item.return_for_revision(self.rng.choice(data.RETURN_REASONS), cause)
            kind = "returns"
        elif step.action == "revise":
            item.revise(item.title, item.category, item.authors, item.event_date,
                        item.research, cause)
            kind = "revisions"
        elif step.action == "withdraw":
            item.withdraw(self.rng.choice(data.WITHDRAW_REASONS), cause)
            kind = "withdrawals"
        elif step.action == "approve":
            item.approve(f"approver-{item.unit_id.hex[:6]}", a["approved_at"], cause)
            kind = "approvals"
        elif step.action == "send":
            item.send(self.outlet_ids[a["outlet"]], item.channel, a["route"], a["sent_on"],
                      cause)
            kind = "sends"
        elif step.action == "adopt":
            item.adopt(self.outlet_ids[a["outlet"]], item.channel, a["form"], a["route"],
                       a["adopted_on"], cause)
            late = step.known_at.date() - a["adopted_on"] > timedelta(days=20)
            kind = "late_notices" if late else "adoptions"
        elif step.action == "decline":
            item.decline(self.outlet_ids[a["outlet"]], a["declined_on"],
                         self.rng.choice(data.DECLINE_REASONS), cause)
            kind = "declines"
        elif step.action == "retract":
            item.retract_adoption(self.outlet_ids[a["outlet"]], data.RETRACTION_REASON, cause)
            kind = "retractions"
        elif step.action == "instruct":
            item.record_instruction(a["level"], self.rng.choice(data.LEADERS[a["level"].value]),
                                    a["instructed_on"],
                                    self.rng.choice(data.INSTRUCTION_TEXTS), cause)
            kind = "instructions"
        elif step.action == "feedback":
            item.record_feedback(1, a["fed_back_on"], self.rng.choice(data.FEEDBACK_TEXTS),
                                 cause)
            kind = "feedback"
        else:
            raise AssertionError(step.action)
        self.touch(item, kind)


def generate(app: Tally, scale: Scale,
             progress: Callable[[int], None] | None = None) -> GeneratedLog:
    """Write a province's log of about ``scale.events`` events into ``app``."""
    return ProvinceLog(scale).write(app, progress)
