"""Aggregate rules as given events / when a command / then new events or an error; no database.

``given(*facts)`` rebuilds an aggregate from event objects the way the store replays it (each
event's ``mutate``); ``then(aggregate, *facts)`` asserts the command's new pending events, and
``refused(aggregate, Error, field)`` asserts the named error and that nothing changed.
"""

from __future__ import annotations

import copy
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.domain import Aggregate
from eventsourcing.utils import get_topic

from domain.account import Account
from domain.commission import Commission
from domain.errors import (
    AdoptionBeforeSubmissionError,
    AlreadyAdoptedError,
    ChannelMismatchError,
    InvalidInputError,
    NotAdoptableError,
    NotFoundError,
    TallyError,
    WrongStateError,
)
from domain.idempotency import CommandRecord
from domain.officer import Officer
from domain.outlet import Outlet
from domain.submission import Status, Submission
from domain.target import Target, check_monthly, even_split, even_split_amount
from domain.unit import Unit
from domain.values import Author, Category, Cause, Channel, Form, HolderKind, Level, Role, Route

# The helpers --------------------------------------------------------------------------

CAUSE = Cause(actor="editor", correlation_id="request-1")
RECORDED_AT = datetime(2026, 3, 1, tzinfo=UTC)
BEIJING = timezone(timedelta(hours=8))


def d(month_day: str) -> date:
    """A day of 2026 written ``MM-DD``."""
    return date.fromisoformat(f"2026-{month_day}")


def at(month_day: str, hour: int = 9) -> datetime:
    """A moment of a 2026 day, Beijing time."""
    return datetime.combine(d(month_day), datetime.min.time(), BEIJING).replace(hour=hour)


@dataclass(frozen=True)
class Fact:
    """An event by its class and attributes; ``given`` fills in id, version and timestamp."""

    kind: type[Aggregate.Event]
    attributes: dict[str, Any]


def fact(kind: type[Aggregate.Event], **attributes: Any) -> Fact:
    attributes.setdefault("cause", CAUSE)
    return Fact(kind, attributes)


def aggregate_class_of(kind: type[Aggregate.Event]) -> type[Aggregate]:
    return getattr(sys.modules[kind.__module__], kind.__qualname__.split(".")[0])  # type: ignore[no-any-return]


def given(*history: Fact) -> Any:
    """The aggregate as its stored history leaves it."""
    aggregate_class = aggregate_class_of(history[0].kind)
    aggregate_id = uuid4()
    aggregate = None
    for version, past in enumerate(history, start=1):
        topic = {"originator_topic": get_topic(aggregate_class)} if version == 1 else {}
        event = past.kind(  # type: ignore[call-arg]
            originator_id=aggregate_id, originator_version=version, timestamp=RECORDED_AT,
            **topic, **past.attributes,
        )
        aggregate = event.mutate(aggregate)
    assert isinstance(aggregate, aggregate_class)
    assert aggregate.collect_events() == []
    return aggregate


def then(aggregate: Aggregate, *expected: Fact) -> list[Any]:
    """Assert the new events the command produced, in order, with their attributes."""
    events = list(aggregate.collect_events())
    assert [type(e).__qualname__ for e in events] == [f.kind.__qualname__ for f in expected]
    for event, wanted in zip(events, expected, strict=True):
        assert {name: getattr(event, name) for name in wanted.attributes} == wanted.attributes
    return events


@contextmanager
def refused(aggregate: Aggregate, error: type[TallyError], field: str | None) -> Iterator[Any]:
    """The command raises ``error`` naming ``field``, records no event and changes nothing."""
    before = copy.deepcopy(vars(aggregate))
    with pytest.raises(error) as caught:
        yield caught
    assert type(caught.value) is error
    assert caught.value.field == field
    assert aggregate.collect_events() == []
    assert vars(aggregate) == before


# The cast ------------------------------------------------------------------------------

UNIT_A = uuid4()
UNIT_B = uuid4()
ALICE = uuid4()
BOB = uuid4()
CITY_OFFICE = uuid4()  # 市委办公室信息科: information, city level
PROVINCE_OFFICE = uuid4()  # 省委办公厅: information, provincial level
CITY_DAILY = uuid4()  # 市日报: publicity, city level
CHANNEL_OF = {CITY_OFFICE: Channel.INFO, PROVINCE_OFFICE: Channel.INFO,
              CITY_DAILY: Channel.PUBLICITY}


# Submission facts and commands -------------------------------------------------------

def drafted(*, channel: Channel = Channel.INFO, authors: list[Author] | None = None,
            category: Category = Category.NEW_MEASURE, title: str = "我县推行“一窗通办”",
            event_date: str = "03-01", commission_id: UUID | None = None) -> Fact:
    return fact(Submission.Drafted, ref=None, title=title, channel=channel, category=category,
                authors=authors or [Author(ALICE)], unit_id=UNIT_A, event_date=d(event_date),
                commission_id=commission_id, research=False)


def submitted(on: str = "03-02") -> Fact:
    return fact(Submission.Submitted, submitted_on=d(on))


def approved(on: str = "03-03", by: str = "approver") -> Fact:
    return fact(Submission.Approved, approver=by, approved_at=at(on))


def returned(reason: str = "数据待核实") -> Fact:
    return fact(Submission.Returned, reason=reason)


def withdrawn(reason: str = "重复报送") -> Fact:
    return fact(Submission.Withdrawn, reason=reason)


def sent(outlet: UUID = CITY_OFFICE, on: str = "03-04", route: Route = Route.DIRECT) -> Fact:
    return fact(Submission.SentToOutlet, outlet_id=outlet, route=route, sent_on=d(on))


def adopted(outlet: UUID = CITY_OFFICE, on: str = "03-05", form: Form = Form.FULL,
            route: Route = Route.DIRECT) -> Fact:
    return fact(Submission.Adopted, outlet_id=outlet, form=form, route=route, adopted_on=d(on))


def declined(outlet: UUID = CITY_OFFICE, on: str = "03-05", reason: str = "不符合用稿要求") -> Fact:
    return fact(Submission.Declined, outlet_id=outlet, declined_on=d(on), reason=reason)


def retracted(outlet: UUID = CITY_OFFICE, reason: str = "重复统计") -> Fact:
    return fact(Submission.AdoptionRetracted, outlet_id=outlet, reason=reason)


def instructed(number: int = 1, on: str = "03-06", level: Level = Level.CITY) -> Fact:
    return fact(Submission.InstructionRecorded, number=number, leader_level=level,
                leader="市长", instructed_on=d(on), text="请认真总结推广")


def fed_back(number: int = 1, on: str = "03-10") -> Fact:
    return fact(Submission.InstructionFeedbackRecorded, number=number, fed_back_on=d(on),
                text="已在全县推广")


def appeal_filed(number: int = 1, officer: UUID = ALICE, on: str = "03-10") -> Fact:
    return fact(Submission.AppealFiled, number=number, officer_id=officer, filed_on=d(on),
                reason="漏计采用")


def appeal_decided(number: int = 1, upheld: bool = True, on: str = "03-12") -> Fact:
    return fact(Submission.AppealDecided, number=number, upheld=upheld, decided_on=d(on),
                reason="核实属实")


def adopt(item: Submission, outlet: UUID = CITY_OFFICE, on: str = "03-05",
          form: Form = Form.FULL, route: Route | None = None) -> None:
    item.adopt(outlet_id=outlet, outlet_channel=CHANNEL_OF[outlet], form=form, route=route,
               adopted_on=d(on), cause=CAUSE)


def send(item: Submission, outlet: UUID = CITY_OFFICE, on: str = "03-04",
         route: Route = Route.DIRECT) -> None:
    item.send(outlet_id=outlet, outlet_channel=CHANNEL_OF[outlet], route=route, sent_on=d(on),
              cause=CAUSE)


APPROVED = (drafted(), submitted(), approved())

STATES_BEFORE_APPROVAL = {
    "draft": (drafted(),),
    "submitted": (drafted(), submitted()),
    "returned": (drafted(), submitted(), returned()),
    "withdrawn": (drafted(), withdrawn()),
}


# Submission: drafting and sign-off -----------------------------------------------------

def test_drafted_submission_is_a_draft_of_its_lead_authors_unit() -> None:
    item = Submission(ref=None, title="我县推行“一窗通办”", channel=Channel.INFO,
                      category=Category.NEW_MEASURE, authors=[Author(ALICE)], unit_id=UNIT_A,
                      event_date=d("03-01"), commission_id=None, research=False, cause=CAUSE)

    then(item, drafted())
    assert item.status is Status.DRAFT
    assert item.submitted_on is None


def test_events_from_commands_replay_to_the_same_submission() -> None:
    item = Submission(ref=None, title="我县推行“一窗通办”", channel=Channel.INFO,
                      category=Category.NEW_MEASURE, authors=[Author(ALICE), Author(BOB)],
                      unit_id=UNIT_A, event_date=d("03-01"), commission_id=None, research=False,
                      cause=CAUSE)
    item.submit(d("03-02"), CAUSE)
    item.approve("approver", at("03-03"), CAUSE)
    send(item, PROVINCE_OFFICE, route=Route.FORWARDED)
    adopt(item, PROVINCE_OFFICE)
    adopt(item, CITY_OFFICE)
    item.retract_adoption(CITY_OFFICE, "重复统计", CAUSE)
    item.record_instruction(Level.PROVINCIAL, "副省长", d("03-06"), "很好", CAUSE)
    item.record_feedback(1, d("03-09"), "已落实", CAUSE)
    item.file_appeal(BOB, d("03-10"), "漏计", CAUSE)
    item.decide_appeal(1, True, d("03-12"), "属实", CAUSE)
    live = copy.deepcopy(vars(item))
    replayed = None
    for event in item.collect_events():
        replayed = event.mutate(replayed)

    assert replayed is not None and replayed.version == 11
    live.pop("_pending_events")
    assert {k: v for k, v in vars(replayed).items() if k != "_pending_events"} == live


def test_draft_is_submitted_on_a_day() -> None:
    item = given(drafted())

    item.submit(d("03-02"), CAUSE)

    then(item, submitted("03-02"))
    assert item.status is Status.SUBMITTED
    assert item.submitted_on == d("03-02")


def test_submitted_item_is_approved_by_its_approver_at_a_moment() -> None:
    item = given(drafted(), submitted("03-02"))

    item.approve("approver", at("03-02", hour=17), CAUSE)

    then(item, fact(Submission.Approved, approver="approver", approved_at=at("03-02", hour=17)))
    assert item.status is Status.APPROVED
    assert (item.approved_by, item.approved_at) == ("approver", at("03-02", hour=17))


def test_approval_cannot_precede_the_submission() -> None:
    item = given(drafted(), submitted("03-02"))

    with refused(item, InvalidInputError, "approved_at"):
        item.approve("approver", at("03-01", hour=18), CAUSE)


@pytest.mark.parametrize("state", ["draft", "returned", "withdrawn"])
def test_only_a_submitted_item_can_be_approved(state: str) -> None:
    item = given(*STATES_BEFORE_APPROVAL[state])

    with refused(item, WrongStateError, "submission_id"):
        item.approve("approver", at("03-03"), CAUSE)


def test_approved_item_cannot_be_approved_again() -> None:
    item = given(*APPROVED)

    with refused(item, WrongStateError, "submission_id"):
        item.approve("approver", at("03-04"), CAUSE)


def test_submitted_item_is_returned_for_revision() -> None:
    item = given(drafted(), submitted())

    item.return_for_revision("数据待核实", CAUSE)

    then(item, returned("数据待核实"))
    assert item.status is Status.RETURNED


@pytest.mark.parametrize("history", [(drafted(),), APPROVED, (drafted(), withdrawn())],
                         ids=["draft", "approved", "withdrawn"])
def test_only_a_submitted_item_can_be_returned(history: tuple[Fact, ...]) -> None:
    item = given(*history)

    with refused(item, WrongStateError, "submission_id"):
        item.return_for_revision("数据待核实", CAUSE)


def test_returned_item_is_revised_and_resubmitted() -> None:
    item = given(drafted(), submitted("03-02"), returned())

    item.revise("我县“一窗通办”改革见成效", Category.TYPICAL_EXPERIENCE,
                [Author(ALICE, Decimal("0.6")), Author(BOB, Decimal("0.4"))], d("03-01"), True,
                CAUSE)
    item.submit(d("03-04"), CAUSE)

    then(item,
         fact(Submission.Revised, title="我县“一窗通办”改革见成效",
              category=Category.TYPICAL_EXPERIENCE,
              authors=[Author(ALICE, Decimal("0.6")), Author(BOB, Decimal("0.4"))],
              event_date=d("03-01"), research=True),
         submitted("03-04"))
    assert item.status is Status.SUBMITTED
    assert item.submitted_on == d("03-04")
    assert [a.officer_id for a in item.authors] == [ALICE, BOB]


@pytest.mark.parametrize("history", [(drafted(), submitted()), APPROVED, (drafted(), withdrawn())],
                         ids=["submitted", "approved", "withdrawn"])
def test_only_drafts_and_returned_items_can_be_revised_or_submitted(
        history: tuple[Fact, ...]) -> None:
    item = given(*history)

    with refused(item, WrongStateError, "submission_id"):
        item.revise("新标题", Category.OTHER, [Author(ALICE)], d("03-01"), False, CAUSE)
    with refused(item, WrongStateError, "submission_id"):
        item.submit(d("03-04"), CAUSE)


@pytest.mark.parametrize("state", ["draft", "submitted", "returned", "approved"])
def test_item_not_adopted_can_be_withdrawn(state: str) -> None:
    item = given(*{**STATES_BEFORE_APPROVAL, "approved": APPROVED}[state])

    item.withdraw("重复报送", CAUSE)

    then(item, withdrawn("重复报送"))
    assert item.status is Status.WITHDRAWN


def test_withdrawn_item_cannot_be_withdrawn_again() -> None:
    item = given(drafted(), withdrawn())

    with refused(item, WrongStateError, "submission_id"):
        item.withdraw("again", CAUSE)


def test_adopted_item_cannot_be_withdrawn() -> None:
    item = given(*APPROVED, adopted(CITY_OFFICE))

    with refused(item, WrongStateError, "submission_id"):
        item.withdraw("作者要求撤稿", CAUSE)


def test_item_whose_only_adoption_was_retracted_can_be_withdrawn() -> None:
    item = given(*APPROVED, adopted(CITY_OFFICE), retracted(CITY_OFFICE))

    item.withdraw("作者要求撤稿", CAUSE)

    then(item, withdrawn("作者要求撤稿"))


# Submission: sending -------------------------------------------------------------------

def test_approved_item_is_sent_to_an_outlet_by_a_route() -> None:
    item = given(*APPROVED)

    send(item, PROVINCE_OFFICE, on="03-04", route=Route.FORWARDED)

    then(item, sent(PROVINCE_OFFICE, on="03-04", route=Route.FORWARDED))
    assert item.outcomes.sent == {PROVINCE_OFFICE: Route.FORWARDED}


@pytest.mark.parametrize("state", STATES_BEFORE_APPROVAL)
def test_only_an_approved_item_can_be_sent(state: str) -> None:
    item = given(*STATES_BEFORE_APPROVAL[state])

    with refused(item, WrongStateError, "submission_id"):
        send(item, CITY_OFFICE)


def test_item_cannot_be_sent_to_an_outlet_of_the_other_channel() -> None:
    item = given(*APPROVED)

    with refused(item, ChannelMismatchError, "outlet"):
        send(item, CITY_DAILY)


def test_item_cannot_be_sent_before_it_was_submitted() -> None:
    item = given(drafted(), submitted("03-02"), approved("03-03"))

    with refused(item, InvalidInputError, "sent_on"):
        send(item, CITY_OFFICE, on="03-01")


def test_item_cannot_be_sent_to_the_same_outlet_twice() -> None:
    item = given(*APPROVED, sent(CITY_OFFICE))

    with refused(item, WrongStateError, "outlet"):
        send(item, CITY_OFFICE, on="03-05")


# Submission: adoption ------------------------------------------------------------------

def test_approved_item_is_adopted_by_an_outlet() -> None:
    item = given(*APPROVED)

    adopt(item, CITY_OFFICE, on="03-05", form=Form.MERGED)

    then(item, adopted(CITY_OFFICE, on="03-05", form=Form.MERGED, route=Route.DIRECT))
    [adoption] = item.outcomes.adoptions
    assert (adoption.outlet_id, adoption.form, adoption.retracted) == (
        CITY_OFFICE, Form.MERGED, False)


def test_adoption_takes_the_route_the_item_was_sent_by() -> None:
    item = given(*APPROVED, sent(PROVINCE_OFFICE, route=Route.FORWARDED))

    adopt(item, PROVINCE_OFFICE)

    then(item, adopted(PROVINCE_OFFICE, route=Route.FORWARDED))


def test_adoption_with_a_route_given_overrides_the_route_sent_by() -> None:
    item = given(*APPROVED, sent(PROVINCE_OFFICE, route=Route.FORWARDED))

    adopt(item, PROVINCE_OFFICE, route=Route.DIRECT)

    then(item, adopted(PROVINCE_OFFICE, route=Route.DIRECT))


def test_draft_cannot_be_adopted() -> None:
    item = given(drafted())

    with refused(item, NotAdoptableError, "submission_id"):
        adopt(item)


def test_submitted_but_unapproved_item_cannot_be_adopted() -> None:
    item = given(drafted(), submitted())

    with refused(item, NotAdoptableError, "submission_id"):
        adopt(item)


def test_returned_submission_cannot_be_adopted() -> None:
    item = given(drafted(), submitted(), returned())

    with refused(item, NotAdoptableError, "submission_id"):
        adopt(item)


def test_withdrawn_submission_cannot_be_adopted() -> None:
    item = given(*APPROVED, withdrawn())

    with refused(item, NotAdoptableError, "submission_id"):
        adopt(item)


def test_adoption_cannot_be_dated_before_the_submission() -> None:
    item = given(drafted(), submitted("03-02"), approved("03-03"))

    with refused(item, AdoptionBeforeSubmissionError, "adopted_on"):
        adopt(item, on="03-01")


def test_adoption_on_the_day_of_submission_is_accepted() -> None:
    item = given(drafted(), submitted("03-02"), approved("03-02"))

    adopt(item, on="03-02")

    then(item, adopted(on="03-02"))


def test_same_outlet_cannot_adopt_the_item_twice() -> None:
    item = given(*APPROVED, adopted(CITY_OFFICE, on="03-05"))

    with refused(item, AlreadyAdoptedError, "outlet"):
        adopt(item, CITY_OFFICE, on="03-06", form=Form.EXCERPT)


def test_outlet_may_adopt_again_after_its_adoption_was_retracted() -> None:
    item = given(*APPROVED, adopted(CITY_OFFICE, on="03-05"), retracted(CITY_OFFICE))

    adopt(item, CITY_OFFICE, on="03-09", form=Form.EXCERPT)

    then(item, adopted(CITY_OFFICE, on="03-09", form=Form.EXCERPT))
    assert [(a.adopted_on, a.retracted) for a in item.outcomes.adoptions] == [
        (d("03-05"), True), (d("03-09"), False)]


def test_several_outlets_may_adopt_the_same_item() -> None:
    item = given(*APPROVED, adopted(CITY_OFFICE))

    adopt(item, PROVINCE_OFFICE, on="03-08")

    then(item, adopted(PROVINCE_OFFICE, on="03-08"))
    assert {a.outlet_id for a in item.outcomes.adoptions} == {CITY_OFFICE, PROVINCE_OFFICE}


@pytest.mark.parametrize(("channel", "outlet"), [(Channel.INFO, CITY_DAILY),
                                                 (Channel.PUBLICITY, CITY_OFFICE)],
                         ids=["information item, media outlet", "article, higher office"])
def test_outlet_of_the_other_channel_cannot_adopt_the_item(channel: Channel, outlet: UUID) -> None:
    item = given(drafted(channel=channel), submitted(), approved())

    with refused(item, ChannelMismatchError, "outlet"):
        adopt(item, outlet)


def test_publicity_article_is_adopted_by_a_media_outlet() -> None:
    item = given(drafted(channel=Channel.PUBLICITY), submitted(), approved())

    adopt(item, CITY_DAILY)

    then(item, adopted(CITY_DAILY))


# Submission: declines and retractions ----------------------------------------------------

def test_outlet_declines_an_approved_item() -> None:
    item = given(*APPROVED, sent(CITY_OFFICE))

    item.decline(CITY_OFFICE, d("03-05"), "不符合用稿要求", CAUSE)

    then(item, declined(CITY_OFFICE, on="03-05", reason="不符合用稿要求"))
    assert item.outcomes.declined == {CITY_OFFICE}


def test_adoption_after_a_decline_clears_the_decline() -> None:
    item = given(*APPROVED, declined(CITY_OFFICE, on="03-05"))

    adopt(item, CITY_OFFICE, on="03-07")

    then(item, adopted(CITY_OFFICE, on="03-07"))
    assert item.outcomes.declined == set()


@pytest.mark.parametrize("state", STATES_BEFORE_APPROVAL)
def test_only_an_approved_item_can_be_declined(state: str) -> None:
    item = given(*STATES_BEFORE_APPROVAL[state])

    with refused(item, WrongStateError, "submission_id"):
        item.decline(CITY_OFFICE, d("03-05"), "", CAUSE)


def test_decline_cannot_precede_the_submission() -> None:
    item = given(drafted(), submitted("03-02"), approved())

    with refused(item, InvalidInputError, "declined_on"):
        item.decline(CITY_OFFICE, d("03-01"), "", CAUSE)


def test_outlet_that_adopted_the_item_cannot_decline_it_without_a_retraction() -> None:
    item = given(*APPROVED, adopted(CITY_OFFICE))

    with refused(item, WrongStateError, "outlet"):
        item.decline(CITY_OFFICE, d("03-06"), "", CAUSE)


def test_adoption_is_retracted_with_a_reason_and_kept_in_the_history() -> None:
    item = given(*APPROVED, adopted(CITY_OFFICE), adopted(PROVINCE_OFFICE))

    item.retract_adoption(CITY_OFFICE, "重复统计", CAUSE)

    then(item, retracted(CITY_OFFICE, reason="重复统计"))
    assert [(a.outlet_id, a.retracted) for a in item.outcomes.adoptions] == [
        (CITY_OFFICE, True), (PROVINCE_OFFICE, False)]
    assert item.outcomes.active_adoption(CITY_OFFICE) is None


@pytest.mark.parametrize("history", [APPROVED, (*APPROVED, adopted(CITY_OFFICE), retracted()),
                                     (*APPROVED, adopted(PROVINCE_OFFICE))],
                         ids=["never adopted", "already retracted", "adopted by another outlet"])
def test_retraction_needs_an_adoption_in_force_by_that_outlet(history: tuple[Fact, ...]) -> None:
    item = given(*history)

    with refused(item, NotFoundError, "outlet"):
        item.retract_adoption(CITY_OFFICE, "重复统计", CAUSE)


# Submission: leader instructions and feedback -------------------------------------------

def test_leader_instructions_are_numbered_in_order() -> None:
    item = given(*APPROVED, adopted())

    first = item.record_instruction(Level.CITY, "市长", d("03-06"), "请认真总结推广", CAUSE)
    second = item.record_instruction(Level.PROVINCIAL, "副省长", d("03-08"), "好", CAUSE)

    assert (first, second) == (1, 2)
    then(item, instructed(1, on="03-06", level=Level.CITY),
         fact(Submission.InstructionRecorded, number=2, leader_level=Level.PROVINCIAL,
              leader="副省长", instructed_on=d("03-08"), text="好"))


@pytest.mark.parametrize("state", STATES_BEFORE_APPROVAL)
def test_instruction_needs_an_approved_item(state: str) -> None:
    item = given(*STATES_BEFORE_APPROVAL[state])

    with refused(item, WrongStateError, "submission_id"):
        item.record_instruction(Level.CITY, "市长", d("03-06"), "", CAUSE)


def test_instruction_cannot_precede_the_submission() -> None:
    item = given(drafted(), submitted("03-02"), approved())

    with refused(item, InvalidInputError, "instructed_on"):
        item.record_instruction(Level.CITY, "市长", d("03-01"), "", CAUSE)


def test_feedback_is_recorded_against_its_instruction() -> None:
    item = given(*APPROVED, adopted(), instructed(1, on="03-06"), instructed(2, on="03-07"))

    item.record_feedback(2, d("03-10"), "已在全县推广", CAUSE)

    then(item, fed_back(2, on="03-10"))
    assert [i.feedback_on for i in item.instructions] == [None, d("03-10")]


def test_feedback_on_the_day_of_the_instruction_is_accepted() -> None:
    item = given(*APPROVED, adopted(), instructed(1, on="03-06"))

    item.record_feedback(1, d("03-06"), "已在全县推广", CAUSE)

    then(item, fed_back(1, on="03-06"))


def test_feedback_cannot_precede_its_instruction() -> None:
    item = given(*APPROVED, adopted(), instructed(1, on="03-06"))

    with refused(item, InvalidInputError, "fed_back_on"):
        item.record_feedback(1, d("03-05"), "已落实", CAUSE)


def test_feedback_on_an_instruction_is_recorded_once() -> None:
    item = given(*APPROVED, adopted(), instructed(1), fed_back(1))

    with refused(item, WrongStateError, "instruction"):
        item.record_feedback(1, d("03-11"), "再次反馈", CAUSE)


def test_feedback_on_an_unknown_instruction_is_rejected() -> None:
    item = given(*APPROVED, adopted(), instructed(1))

    with refused(item, NotFoundError, "instruction"):
        item.record_feedback(2, d("03-10"), "已落实", CAUSE)


# Submission: appeals ---------------------------------------------------------------------

def test_author_files_numbered_appeals() -> None:
    item = given(drafted(authors=[Author(ALICE), Author(BOB)]), submitted(), approved(), adopted())

    first = item.file_appeal(ALICE, d("03-10"), "漏计采用", CAUSE)
    second = item.file_appeal(BOB, d("03-11"), "漏计采用", CAUSE)

    assert (first, second) == (1, 2)
    then(item, appeal_filed(1, ALICE, on="03-10"), appeal_filed(2, BOB, on="03-11"))


def test_only_an_author_can_appeal() -> None:
    item = given(*APPROVED, adopted())

    with refused(item, InvalidInputError, "officer"):
        item.file_appeal(BOB, d("03-10"), "漏计采用", CAUSE)


@pytest.mark.parametrize("upheld", [True, False])
def test_appeal_is_decided_upheld_or_dismissed(upheld: bool) -> None:
    item = given(*APPROVED, adopted(), appeal_filed(1))

    item.decide_appeal(1, upheld, d("03-12"), "核实属实", CAUSE)

    then(item, appeal_decided(1, upheld=upheld, on="03-12"))
    [appeal] = item.appeals
    assert (appeal.decided, appeal.upheld) == (True, upheld)


def test_appeal_is_decided_once() -> None:
    item = given(*APPROVED, adopted(), appeal_filed(1), appeal_decided(1))

    with refused(item, WrongStateError, "appeal"):
        item.decide_appeal(1, False, d("03-13"), "复议", CAUSE)


def test_appeal_cannot_be_decided_before_it_was_filed() -> None:
    item = given(*APPROVED, adopted(), appeal_filed(1, on="03-10"))

    with refused(item, InvalidInputError, "decided_on"):
        item.decide_appeal(1, True, d("03-09"), "核实属实", CAUSE)


def test_appeal_decided_on_the_day_it_was_filed_is_accepted() -> None:
    item = given(*APPROVED, adopted(), appeal_filed(1, on="03-10"))

    item.decide_appeal(1, False, d("03-10"), "不予支持", CAUSE)

    then(item, fact(Submission.AppealDecided, number=1, upheld=False, decided_on=d("03-10"),
                    reason="不予支持"))


def test_unknown_appeal_cannot_be_decided() -> None:
    item = given(*APPROVED, adopted(), appeal_filed(1))

    with refused(item, NotFoundError, "appeal"):
        item.decide_appeal(2, True, d("03-12"), "核实属实", CAUSE)


# Unit ----------------------------------------------------------------------------------

def registered_unit(name: str = "县政府办", on: date = date(2024, 1, 1)) -> Fact:
    return fact(Unit.Registered, code="u01", name=name, unit_class="A", registered_on=on)


def renamed_unit(name: str, on: date) -> Fact:
    return fact(Unit.Renamed, name=name, effective_on=on, reason="机构改革")


def test_registered_unit_is_known_by_its_code() -> None:
    unit = Unit(code="u01", name="县政府办", unit_class="A", registered_on=date(2024, 1, 1),
                cause=CAUSE)

    then(unit, registered_unit())
    assert unit.id == Unit.create_id("u01") != Unit.create_id("u02")
    assert (unit.name, unit.unit_class) == ("县政府办", "A")


def test_unit_rename_records_the_new_name_with_its_effective_date() -> None:
    unit = given(registered_unit())

    unit.rename("县政府办公室", date(2025, 7, 1), "机构改革", CAUSE)

    then(unit, renamed_unit("县政府办公室", date(2025, 7, 1)))
    assert unit.name == "县政府办公室"


def test_name_on_gives_the_name_in_force_that_day() -> None:
    unit = given(registered_unit("县政府办", date(2024, 1, 1)),
                 renamed_unit("县政府办公室", date(2025, 7, 1)),
                 renamed_unit("县人民政府办公室", date(2026, 1, 1)))

    assert unit.name_on(date(2024, 1, 1)) == "县政府办"
    assert unit.name_on(date(2025, 6, 30)) == "县政府办"
    assert unit.name_on(date(2025, 7, 1)) == "县政府办公室"
    assert unit.name_on(date(2025, 12, 31)) == "县政府办公室"
    assert unit.name_on(date(2026, 1, 1)) == "县人民政府办公室"
    assert unit.name_on(date(2023, 12, 31)) == "县政府办"  # before registration: its first name
    assert unit.name == "县人民政府办公室"


@pytest.mark.parametrize("effective_on", [date(2025, 7, 1), date(2025, 6, 30)],
                         ids=["same day as the last name", "before the last name"])
def test_unit_rename_must_take_effect_after_the_last_name(effective_on: date) -> None:
    unit = given(registered_unit(), renamed_unit("县政府办公室", date(2025, 7, 1)))

    with refused(unit, InvalidInputError, "effective_on"):
        unit.rename("县人民政府办公室", effective_on, "机构改革", CAUSE)


def test_unit_reclassification_records_the_new_class() -> None:
    unit = given(registered_unit())

    unit.reclassify("B", "撤并后调整", CAUSE)

    then(unit, fact(Unit.Reclassified, unit_class="B", reason="撤并后调整"))
    assert unit.unit_class == "B"
    with refused(unit, InvalidInputError, "unit_class"):  # the class it has: nothing to record
        unit.reclassify("B", "重复调整", CAUSE)


def test_a_unit_closes_once_after_its_registration_and_takes_no_one_from_that_day() -> None:
    early = given(registered_unit())  # registered on 2024-01-01
    with refused(early, InvalidInputError, "closed_on"):
        early.close(date(2024, 1, 1), None, "撤并", CAUSE)
    own = given(registered_unit())
    with refused(own, InvalidInputError, "successor"):
        own.close(date(2025, 7, 1), own.id, "撤并", CAUSE)
    successor = uuid4()
    unit = given(registered_unit())

    unit.close(date(2025, 7, 1), successor, "机构改革", CAUSE)

    then(unit, fact(Unit.Closed, closed_on=date(2025, 7, 1), successor_id=successor,
                    reason="机构改革"))
    unit.check_open_on(date(2025, 6, 30), "to_unit")  # its last day
    with refused(unit, WrongStateError, "to_unit"):
        unit.check_open_on(date(2025, 7, 1), "to_unit")
    with refused(unit, WrongStateError, "unit"):
        unit.close(date(2025, 8, 1), None, "再次撤并", CAUSE)
    with refused(unit, WrongStateError, "effective_on"):
        unit.rename("县档案馆", date(2025, 9, 1), "更名", CAUSE)


# Officer -------------------------------------------------------------------------------

def enrolled(on: date = date(2025, 1, 1), unit: UUID = UNIT_A) -> Fact:
    return fact(Officer.Enrolled, code="o01", name="张三", unit_id=unit, enrolled_on=on)


def transferred(to: UUID, on: date) -> Fact:
    return fact(Officer.Transferred, to_unit_id=to, effective_on=on, reason="轮岗")


def left(on: date) -> Fact:
    return fact(Officer.Left, left_on=on, reason="退休")


def test_enrolled_officer_belongs_to_the_unit_from_the_enrolment_day() -> None:
    officer = Officer(code="o01", name="张三", unit_id=UNIT_A, enrolled_on=date(2025, 1, 1),
                      cause=CAUSE)

    then(officer, enrolled(date(2025, 1, 1), UNIT_A))
    assert officer.id == Officer.create_id("o01")
    assert officer.unit_on(date(2024, 12, 31)) is None
    assert officer.unit_on(date(2025, 1, 1)) == UNIT_A
    assert officer.is_enrolled_on(date(2025, 1, 1))
    assert not officer.is_enrolled_on(date(2024, 12, 31))


def test_transfer_records_the_new_unit_and_its_effective_date() -> None:
    officer = given(enrolled(date(2025, 1, 1), UNIT_A))

    officer.transfer(UNIT_B, date(2025, 7, 1), "轮岗", CAUSE)

    then(officer, transferred(UNIT_B, date(2025, 7, 1)))
    assert officer.unit_id == UNIT_B


def test_unit_on_follows_transfers_by_their_effective_dates() -> None:
    officer = given(enrolled(date(2025, 1, 1), UNIT_A), transferred(UNIT_B, date(2025, 7, 1)),
                    transferred(UNIT_A, date(2026, 1, 1)))

    assert officer.unit_on(date(2025, 6, 30)) == UNIT_A
    assert officer.unit_on(date(2025, 7, 1)) == UNIT_B
    assert officer.unit_on(date(2025, 12, 31)) == UNIT_B
    assert officer.unit_on(date(2026, 1, 1)) == UNIT_A


def test_transfer_to_the_officers_own_unit_is_rejected() -> None:
    officer = given(enrolled(unit=UNIT_A))

    with refused(officer, InvalidInputError, "to_unit"):
        officer.transfer(UNIT_A, date(2025, 7, 1), "", CAUSE)


@pytest.mark.parametrize("effective_on", [date(2025, 7, 1), date(2025, 3, 1)],
                         ids=["same day as the last posting", "before the last posting"])
def test_transfer_must_take_effect_after_the_last_posting(effective_on: date) -> None:
    officer = given(enrolled(date(2025, 1, 1), UNIT_A), transferred(UNIT_B, date(2025, 7, 1)))

    with refused(officer, InvalidInputError, "effective_on"):
        officer.transfer(UNIT_A, effective_on, "", CAUSE)


def test_leaving_ends_the_membership_on_the_day_of_leaving() -> None:
    officer = given(enrolled(date(2025, 1, 1), UNIT_A), transferred(UNIT_B, date(2025, 7, 1)))

    officer.leave(date(2026, 2, 1), "退休", CAUSE)

    then(officer, left(date(2026, 2, 1)))
    assert officer.unit_on(date(2026, 1, 31)) == UNIT_B
    assert officer.unit_on(date(2026, 2, 1)) is None
    assert not officer.is_enrolled_on(date(2026, 2, 1))


@pytest.mark.parametrize("left_on", [date(2025, 7, 1), date(2025, 6, 1)],
                         ids=["same day as the last posting", "before the last posting"])
def test_leaving_must_come_after_the_last_posting(left_on: date) -> None:
    officer = given(enrolled(date(2025, 1, 1)), transferred(UNIT_B, date(2025, 7, 1)))

    with refused(officer, InvalidInputError, "left_on"):
        officer.leave(left_on, "", CAUSE)


def test_officer_who_left_can_neither_transfer_nor_leave_again() -> None:
    officer = given(enrolled(date(2025, 1, 1), UNIT_A), left(date(2026, 2, 1)))

    with refused(officer, WrongStateError, "officer"):
        officer.transfer(UNIT_B, date(2026, 3, 1), "", CAUSE)
    with refused(officer, WrongStateError, "officer"):
        officer.leave(date(2026, 3, 1), "", CAUSE)


# Account -------------------------------------------------------------------------------

def opened(*roles: Role) -> Fact:
    return fact(Account.Opened, username="li.si", display_name="李四",
                roles=list(roles or [Role.OFFICER]), officer_id=ALICE, unit_id=UNIT_A)


def test_opened_account_holds_its_roles() -> None:
    account = Account(username="li.si", display_name="李四", roles=[Role.OFFICER, Role.APPROVER],
                      officer_id=ALICE, unit_id=UNIT_A, cause=CAUSE)

    then(account, opened(Role.OFFICER, Role.APPROVER))
    assert account.has_role(Role.APPROVER)
    assert not account.has_role(Role.EDITOR)


def test_granting_a_role_records_it() -> None:
    account = given(opened(Role.OFFICER))

    account.grant(Role.APPROVER, CAUSE)

    then(account, fact(Account.RoleGranted, role=Role.APPROVER))
    assert account.has_role(Role.APPROVER)


def test_granting_a_role_already_held_is_rejected() -> None:
    account = given(opened(Role.OFFICER, Role.APPROVER))

    with refused(account, InvalidInputError, "role"):
        account.grant(Role.APPROVER, CAUSE)


def test_revoking_a_role_records_it_with_a_reason() -> None:
    account = given(opened(Role.OFFICER, Role.APPROVER))

    account.revoke(Role.APPROVER, "调岗", CAUSE)

    then(account, fact(Account.RoleRevoked, role=Role.APPROVER, reason="调岗"))
    assert not account.has_role(Role.APPROVER)
    assert account.has_role(Role.OFFICER)


def test_revoking_a_role_not_held_is_rejected() -> None:
    account = given(opened(Role.OFFICER))

    with refused(account, InvalidInputError, "role"):
        account.revoke(Role.EDITOR, "调岗", CAUSE)


def test_closed_account_has_no_roles_and_takes_no_changes() -> None:
    account = given(opened(Role.OFFICER, Role.APPROVER))

    account.close("离职", CAUSE)

    then(account, fact(Account.Closed, reason="离职"))
    assert not account.has_role(Role.APPROVER)
    with refused(account, WrongStateError, "username"):
        account.grant(Role.EDITOR, CAUSE)
    with refused(account, WrongStateError, "username"):
        account.revoke(Role.OFFICER, "", CAUSE)
    with refused(account, WrongStateError, "username"):
        account.close("again", CAUSE)


# Outlet --------------------------------------------------------------------------------

def test_outlet_is_registered_with_its_channel_and_level() -> None:
    outlet = Outlet(code="city-daily", name="市日报", channel=Channel.PUBLICITY, level=Level.CITY,
                    cause=CAUSE)

    then(outlet, fact(Outlet.Registered, code="city-daily", name="市日报",
                      channel=Channel.PUBLICITY, level=Level.CITY))
    assert outlet.id == Outlet.create_id("city-daily")


def test_outlet_rename_records_the_new_name() -> None:
    outlet = given(fact(Outlet.Registered, code="city-daily", name="市日报",
                        channel=Channel.PUBLICITY, level=Level.CITY))

    outlet.rename("市融媒体中心", "媒体融合", CAUSE)

    then(outlet, fact(Outlet.Renamed, name="市融媒体中心", reason="媒体融合"))
    assert (outlet.name, outlet.channel, outlet.level) == ("市融媒体中心", Channel.PUBLICITY,
                                                           Level.CITY)


# Commission ----------------------------------------------------------------------------

def issued(deadline: str = "03-10") -> Fact:
    return fact(Commission.Issued, ref="2026-01", topic="优化营商环境", unit_ids=[UNIT_A, UNIT_B],
                issued_on=d("03-01"), deadline=d(deadline))


def test_commission_is_issued_to_units_with_a_deadline() -> None:
    commission = Commission(ref="2026-01", topic="优化营商环境", unit_ids=[UNIT_A, UNIT_B],
                            issued_on=d("03-01"), deadline=d("03-10"), cause=CAUSE)

    then(commission, issued("03-10"))
    assert commission.id == Commission.create_id("2026-01")
    assert commission.is_open_for(UNIT_A) and commission.is_open_for(UNIT_B)


def test_commission_is_fulfilled_by_a_units_submission() -> None:
    commission = given(issued())
    item_id = uuid4()

    commission.fulfil(UNIT_A, item_id, d("03-08"), CAUSE)

    then(commission, fact(Commission.Fulfilled, unit_id=UNIT_A, submission_id=item_id,
                          fulfilled_on=d("03-08")))
    assert commission.fulfilled == {UNIT_A: item_id}
    assert not commission.is_open_for(UNIT_A)
    assert commission.is_open_for(UNIT_B)


def test_commission_lapses_for_a_unit_after_its_deadline() -> None:
    commission = given(issued("03-10"))

    commission.lapse(UNIT_B, d("03-11"), CAUSE)

    then(commission, fact(Commission.Lapsed, unit_id=UNIT_B, lapsed_on=d("03-11")))
    assert not commission.is_open_for(UNIT_B)


@pytest.mark.parametrize("lapsed_on", ["03-10", "03-05"], ids=["on the deadline", "before it"])
def test_commission_cannot_lapse_until_its_deadline_has_passed(lapsed_on: str) -> None:
    commission = given(issued("03-10"))

    with refused(commission, InvalidInputError, "lapsed_on"):
        commission.lapse(UNIT_A, d(lapsed_on), CAUSE)


def test_unit_not_commissioned_can_neither_fulfil_nor_lapse() -> None:
    commission = given(issued())
    other_unit = uuid4()

    with refused(commission, InvalidInputError, "unit"):
        commission.fulfil(other_unit, uuid4(), d("03-08"), CAUSE)
    with refused(commission, InvalidInputError, "unit"):
        commission.lapse(other_unit, d("03-11"), CAUSE)


@pytest.mark.parametrize("closed_by", [
    fact(Commission.Fulfilled, unit_id=UNIT_A, submission_id=UUID(int=1), fulfilled_on=d("03-08")),
    fact(Commission.Lapsed, unit_id=UNIT_A, lapsed_on=d("03-11")),
], ids=["fulfilled", "lapsed"])
def test_closed_part_of_a_commission_can_neither_be_fulfilled_nor_lapse(closed_by: Fact) -> None:
    commission = given(issued("03-10"), closed_by)

    with refused(commission, WrongStateError, "unit"):
        commission.fulfil(UNIT_A, uuid4(), d("03-12"), CAUSE)
    with refused(commission, WrongStateError, "unit"):
        commission.lapse(UNIT_A, d("03-12"), CAUSE)


# Target --------------------------------------------------------------------------------

def test_target_is_set_for_a_holder_and_a_year() -> None:
    target = Target(holder_kind=HolderKind.UNIT, holder_id=UNIT_A, year=2026, items=30,
                    points=Decimal("300"), monthly_items=even_split(30),
                    monthly_points=[Decimal(25)] * 12, cause=CAUSE)

    then(target, fact(Target.Set, holder_kind=HolderKind.UNIT, holder_id=UNIT_A, year=2026,
                      items=30, points=Decimal("300"), monthly_items=even_split(30),
                      monthly_points=[Decimal(25)] * 12))
    assert target.id == Target.create_id(HolderKind.UNIT, UNIT_A, 2026)
    assert target.id not in {Target.create_id(HolderKind.UNIT, UNIT_A, 2025),
                             Target.create_id(HolderKind.OFFICER, UNIT_A, 2026)}


def test_target_adjustment_records_the_new_figures_and_the_reason() -> None:
    target = given(fact(Target.Set, holder_kind=HolderKind.OFFICER, holder_id=ALICE, year=2026,
                        items=24, points=None, monthly_items=even_split(24),
                        monthly_points=None))

    target.adjust(items=12, points=Decimal("120"), monthly_items=[0] * 6 + [2] * 6,
                  monthly_points=[Decimal(0)] * 6 + [Decimal(20)] * 6, reason="下半年调入",
                  cause=CAUSE)

    then(target, fact(Target.Adjusted, items=12, points=Decimal("120"),
                      monthly_items=[0] * 6 + [2] * 6,
                      monthly_points=[Decimal(0)] * 6 + [Decimal(20)] * 6, reason="下半年调入"))
    assert (target.items, target.points, target.monthly_items, target.monthly_points) == (
        12, Decimal("120"), [0] * 6 + [2] * 6, [Decimal(0)] * 6 + [Decimal(20)] * 6)


@pytest.mark.parametrize(("total", "split"), [
    (24, [2] * 12),
    (14, [2, 2] + [1] * 10),
    (5, [1] * 5 + [0] * 7),
    (0, [0] * 12),
    (131, [11] * 11 + [10]),
])
def test_even_split_spreads_the_remainder_over_the_earliest_months(total: int,
                                                                   split: list[int]) -> None:
    assert even_split(total) == split
    assert sum(even_split(total)) == total


@pytest.mark.parametrize(("total", "split"), [
    ("300", [Decimal(25)] * 12),
    ("100", [Decimal("8.34")] * 4 + [Decimal("8.33")] * 8),
    ("0.05", [Decimal("0.01")] * 5 + [Decimal(0)] * 7),
])
def test_even_split_of_points_spreads_the_remaining_cents_over_the_earliest_months(
        total: str, split: list[Decimal]) -> None:
    assert even_split_amount(Decimal(total)) == split
    assert sum(even_split_amount(Decimal(total))) == Decimal(total)


@pytest.mark.parametrize("monthly", [[2] * 11, [2] * 13, [3] + [2] * 10 + [-1], [2] * 11 + [3]],
                         ids=["eleven parts", "thirteen parts", "a negative part", "sum too big"])
def test_monthly_split_must_have_twelve_parts_summing_to_the_total(monthly: list[int]) -> None:
    with pytest.raises(InvalidInputError) as caught:
        check_monthly("monthly_items", monthly, 24)

    assert caught.value.field == "monthly_items"


def test_monthly_split_of_twelve_parts_summing_to_the_total_is_accepted() -> None:
    check_monthly("monthly_items", [4, 0, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2], 24)


# Command record --------------------------------------------------------------------------

def test_command_record_keeps_the_command_its_fingerprint_and_its_result() -> None:
    record = CommandRecord(key="req-42", command="register_unit", fingerprint="ab12",
                           result="some-id", cause=CAUSE)

    then(record, fact(CommandRecord.Recorded, key="req-42", command="register_unit",
                      fingerprint="ab12", result="some-id"))
    assert record.id == CommandRecord.create_id("req-42") != CommandRecord.create_id("req-43")
