"""Every command rejects bad input with an error naming the field, and records nothing.

Each bad case is one good call (``GOOD``) with one argument spoilt, run through the real service
on SQLite and on PostgreSQL. The cases of one command share a store (a refusal must leave it as
it was), and the unspoilt call is then accepted on it, so each refusal is down to the spoilt
argument. The idempotency tests are at the end.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from domain.application import CommandMeta, Tally
from domain.directory_commands import DirectoryCommands
from domain.errors import (
    AdoptionBeforeSubmissionError,
    AlreadyAdoptedError,
    AlreadyExistsError,
    AuthorNotEnrolledError,
    ChannelMismatchError,
    IdempotencyKeyReusedError,
    InvalidInputError,
    NotAdoptableError,
    NotAuthorisedError,
    NotFoundError,
    SharesError,
    TallyError,
    WrongStateError,
)
from domain.planning_commands import PlanningCommands
from domain.submission_commands import SubmissionCommands
from tests.conftest import event_count


@dataclass(frozen=True)
class Item:
    """Stands for the id of a fresh submission in ``state``, made when a case needs it."""

    state: str
    authors: str = "o1"
    event_date: str = "2026-03-01"


@dataclass(frozen=True)
class Later:
    """Stands for a value only the running store can give: an id, or a day after today."""

    name: str


COMMISSION = Later("an issued commission")
UNKNOWN_ID = Later("an id nothing has")
FUTURE_DAY = Later("a day after today")
FUTURE_MOMENT = Later("a moment after now")

# How each state of an item is reached from the one before it.
ITEM_STEPS: dict[str, tuple[str | None, str, dict[str, Any]]] = {
    "draft": (None, "draft_submission", {}),
    "submitted": ("draft", "submit", {"submitted_on": "2026-03-02"}),
    "approved": ("submitted", "approve",
                 {"approver": "approver1", "approved_at": "2026-03-03T10:00:00+08:00"}),
    "returned": ("submitted", "return_submission", {"reason": "数据待核实"}),
    "withdrawn": ("draft", "withdraw", {"reason": "重复报送"}),
    "adopted": ("approved", "record_adoption",
                {"outlet": "city-info", "form": "full", "adopted_on": "2026-03-05"}),
    "instructed": ("adopted", "record_instruction",
                   {"leader_level": "city", "leader": "市长", "instructed_on": "2026-03-06"}),
    "appealed": ("adopted", "file_appeal",
                 {"officer": "o1", "filed_on": "2026-03-10", "reason": "漏计采用"}),
}


class World:
    """A small county: two units, four officers (o3 left in February, o4 joins in April),
    three accounts, an outlet per channel and a unit target; items and commissions on demand."""

    def __init__(self, app: Tally, meta: CommandMeta) -> None:
        self.app = app
        self.meta = meta
        self.made: dict[Any, Any] = {}
        run = self.run
        run("register_unit", code="u1", name="县政府办", unit_class="A", registered_on="2026-01-01")
        run("register_unit", code="u2", name="城关镇", unit_class="B", registered_on="2026-01-01")
        for code, name, joined in [("o1", "张三", "2026-01-01"), ("o2", "李四", "2026-01-01"),
                                   ("o3", "王五", "2026-01-01"), ("o4", "赵六", "2026-04-01")]:
            run("enrol_officer", code=code, name=name, unit="u1", enrolled_on=joined)
        run("record_leaving", officer="o3", left_on="2026-02-01", reason="调离")
        run("open_account", username="approver1", display_name="县政府办审核人",
            roles=["approver"], unit="u1")
        run("open_account", username="approver2", display_name="城关镇审核人",
            roles=["approver"], unit="u2")
        run("open_account", username="clerk", display_name="张三", roles=["officer"],
            officer="o1", unit="u1")
        run("register_outlet", code="city-info", name="市委办公室", channel="info", level="city")
        run("register_outlet", code="city-daily", name="市日报", channel="publicity",
            level="city")
        run("set_target", holder_kind="unit", holder="u1", year=2026, items=30)

    def run(self, command: str, **arguments: Any) -> Any:
        return getattr(self.app, command)(**arguments, meta=self.meta)

    def resolve(self, arguments: dict[str, Any]) -> dict[str, Any]:
        return {name: self.value(value) for name, value in arguments.items()}

    def value(self, value: Any) -> Any:
        if not isinstance(value, Item | Later):
            return value
        if value not in self.made:
            self.made[value] = self.item(value) if isinstance(value, Item) else self.later(value)
        return self.made[value]

    def item(self, wanted: Item) -> UUID:
        before, command, arguments = ITEM_STEPS[wanted.state]
        if before is None:
            drafted: UUID = self.run(command, title="我县推行“一窗通办”", channel="info",
                                     category="new_measure", authors=wanted.authors,
                                     event_date=wanted.event_date)
            return drafted
        item_id = self.item(replace(wanted, state=before))
        self.run(command, submission_id=item_id, **arguments)
        return item_id

    def later(self, wanted: Later) -> Any:
        if wanted is COMMISSION:
            return self.run("issue_commission", topic="优化营商环境", units=["u1"],
                            issued_on="2026-03-01", deadline="2026-03-10")
        if wanted is UNKNOWN_ID:
            return str(uuid4())
        if wanted is FUTURE_DAY:
            return (self.app.today() + timedelta(days=2)).isoformat()
        if wanted is FUTURE_MOMENT:
            return (self.app.clock() + timedelta(days=1)).isoformat()
        raise AssertionError(wanted)


@pytest.fixture
def world(app: Tally, meta: CommandMeta) -> World:
    return World(app, meta)


GOOD: dict[str, dict[str, Any]] = {
    "register_unit": dict(code="u9", name="宣传科", unit_class="A", registered_on="2026-01-01"),
    "rename_unit": dict(unit="u1", name="县政府办公室", effective_on="2026-06-01",
                        reason="机构改革"),
    "reclassify_unit": dict(unit="u1", unit_class="C", reason="职能调整"),
    "close_unit": dict(unit="u2", closed_on="2026-06-01", reason="撤并", successor="u1"),
    "enrol_officer": dict(code="o9", name="周八", unit="u1", enrolled_on="2026-01-05"),
    "transfer_officer": dict(officer="o1", to_unit="u2", effective_on="2026-06-01",
                             reason="轮岗"),
    "record_leaving": dict(officer="o2", left_on="2026-06-01", reason="退休"),
    "open_account": dict(username="wu.jiu", display_name="吴九", roles=["officer", "editor"],
                         officer="o2", unit="u1"),
    "grant_role": dict(username="clerk", role="editor"),
    "revoke_role": dict(username="approver1", role="approver", reason="调岗"),
    "close_account": dict(username="approver2", reason="调离本县"),
    "register_outlet": dict(code="prov-info", name="省委办公厅", channel="info",
                            level="provincial"),
    "rename_outlet": dict(outlet="city-info", name="市委办公室（市委机要局）", reason="机构改革"),
    "draft_submission": dict(title="城关镇“街长制”见实效", channel="info",
                             category="typical_experience", authors="o1:0.6;o2:0.4",
                             event_date="2026-03-01"),
    "revise_submission": dict(submission_id=Item("returned"), title="我县“一窗通办”改革见成效",
                              category="new_measure", authors="o1;o2", event_date="2026-03-01"),
    "submit": dict(submission_id=Item("draft"), submitted_on="2026-03-02"),
    "approve": dict(submission_id=Item("submitted"), approver="approver1",
                    approved_at="2026-03-03T10:00:00+08:00"),
    "return_submission": dict(submission_id=Item("submitted"), reason="数据待核实"),
    "withdraw": dict(submission_id=Item("approved"), reason="重复报送"),
    "send_to_outlet": dict(submission_id=Item("approved"), outlet="city-info", route="forwarded",
                           sent_on="2026-03-04"),
    "record_adoption": dict(submission_id=Item("approved"), outlet="city-info", form="full",
                            adopted_on="2026-03-05"),
    "record_decline": dict(submission_id=Item("approved"), outlet="city-info",
                           declined_on="2026-03-05", reason="不符合用稿要求"),
    "retract_adoption": dict(submission_id=Item("adopted"), outlet="city-info",
                             reason="重复统计"),
    "record_instruction": dict(submission_id=Item("adopted"), leader_level="city", leader="市长",
                               instructed_on="2026-03-06", text="请认真总结推广"),
    "record_feedback": dict(submission_id=Item("instructed"), instruction=1,
                            fed_back_on="2026-03-10", text="已在全县推广"),
    "file_appeal": dict(submission_id=Item("adopted"), officer="o1", filed_on="2026-03-10",
                        reason="漏计采用"),
    "decide_appeal": dict(submission_id=Item("appealed"), appeal=1, upheld=True,
                          decided_on="2026-03-12", reason="核实属实"),
    "issue_commission": dict(topic="优化营商环境", units=["u1", "u2"], issued_on="2026-03-01",
                             deadline="2026-03-10"),
    "record_lapse": dict(commission_id=COMMISSION, unit="u1", lapsed_on="2026-03-11"),
    "set_target": dict(holder_kind="officer", holder="o1", year=2026, items=24,
                       monthly_items=[2] * 12),
    "adjust_target": dict(holder_kind="unit", holder="u1", year=2026, items=36, points=None,
                          reason="任务加码"),
}


def bad(command: str, error: type[TallyError], field: str, case: str, **spoilt: Any) -> Any:
    return pytest.param(command, spoilt, error, field, id=f"{command}: {case}")


BAD = [
    # Directory
    bad("register_unit", AlreadyExistsError, "code", "duplicate unit code", code="u1"),
    bad("register_unit", InvalidInputError, "code", "code with a space", code="u 9"),
    bad("register_unit", InvalidInputError, "name", "whitespace name", name="  "),
    bad("register_unit", InvalidInputError, "registered_on", "no such day",
        registered_on="2026-02-30"),
    bad("register_unit", InvalidInputError, "registered_on", "future day",
        registered_on=FUTURE_DAY),
    bad("rename_unit", NotFoundError, "unit", "unknown unit", unit="u404"),
    bad("rename_unit", InvalidInputError, "effective_on", "not after the last name",
        effective_on="2026-01-01"),
    bad("rename_unit", InvalidInputError, "effective_on", "day written with slashes",
        effective_on="2026/06/01"),
    bad("reclassify_unit", NotFoundError, "unit", "unknown unit", unit="u404"),
    bad("reclassify_unit", InvalidInputError, "unit_class", "the class it has",
        unit_class="A"),
    bad("reclassify_unit", InvalidInputError, "unit_class", "blank class", unit_class=" "),
    bad("reclassify_unit", InvalidInputError, "reason", "no reason", reason=""),
    bad("close_unit", NotFoundError, "unit", "unknown unit", unit="u404"),
    bad("close_unit", NotFoundError, "successor", "unknown successor", successor="u404"),
    bad("close_unit", InvalidInputError, "successor", "its own successor", successor="u2"),
    bad("close_unit", InvalidInputError, "closed_on", "not after its registration",
        closed_on="2026-01-01"),
    bad("close_unit", InvalidInputError, "successor", "officers left, no successor",
        unit="u1", successor=None),
    bad("enrol_officer", AlreadyExistsError, "code", "duplicate officer code", code="o1"),
    bad("enrol_officer", NotFoundError, "unit", "unknown unit", unit="u404"),
    bad("enrol_officer", InvalidInputError, "enrolled_on", "day and month swapped",
        enrolled_on="2026-31-01"),
    bad("enrol_officer", InvalidInputError, "enrolled_on", "future day", enrolled_on=FUTURE_DAY),
    bad("transfer_officer", NotFoundError, "officer", "unknown officer", officer="o404"),
    bad("transfer_officer", NotFoundError, "to_unit", "unknown unit", to_unit="u404"),
    bad("transfer_officer", InvalidInputError, "to_unit", "to the officer's own unit",
        to_unit="u1"),
    bad("transfer_officer", WrongStateError, "officer", "officer who left", officer="o3"),
    bad("record_leaving", NotFoundError, "officer", "unknown officer", officer="o404"),
    bad("record_leaving", InvalidInputError, "left_on", "not a day", left_on="next month"),
    bad("open_account", InvalidInputError, "roles", "unknown role", roles=["officer", "boss"]),
    bad("open_account", InvalidInputError, "roles", "no roles", roles=[]),
    bad("open_account", InvalidInputError, "roles", "roles as a number", roles=5),
    bad("open_account", AlreadyExistsError, "username", "duplicate username",
        username="approver1"),
    bad("open_account", NotFoundError, "officer", "unknown officer", officer="o404"),
    bad("open_account", NotFoundError, "unit", "unknown unit", unit="u404"),
    bad("grant_role", InvalidInputError, "role", "unknown role", role="boss"),
    bad("grant_role", InvalidInputError, "role", "role already held", role="officer"),
    bad("grant_role", NotFoundError, "username", "unknown account", username="nobody"),
    bad("revoke_role", InvalidInputError, "role", "role not held", role="leader"),
    bad("revoke_role", InvalidInputError, "reason", "empty reason", reason=""),
    bad("close_account", NotFoundError, "username", "unknown account", username="nobody"),
    bad("close_account", InvalidInputError, "reason", "empty reason", reason=" "),
    bad("close_account", InvalidInputError, "username", "no username", username=""),
    bad("register_outlet", InvalidInputError, "channel", "unknown channel", channel="radio"),
    bad("register_outlet", InvalidInputError, "level", "unknown level", level="township"),
    bad("register_outlet", AlreadyExistsError, "code", "duplicate outlet code", code="city-info"),
    bad("rename_outlet", NotFoundError, "outlet", "unknown outlet", outlet="nowhere"),
    bad("rename_outlet", InvalidInputError, "name", "the name it has", name="市委办公室"),
    bad("rename_outlet", InvalidInputError, "name", "blank name", name=" "),
    bad("rename_outlet", InvalidInputError, "reason", "no reason", reason=""),
    # Drafting
    bad("draft_submission", InvalidInputError, "title", "empty title", title=""),
    bad("draft_submission", InvalidInputError, "title", "whitespace title", title=" \t\n "),
    bad("draft_submission", InvalidInputError, "title", "no title", title=None),
    bad("draft_submission", InvalidInputError, "title", "title of 201 characters",
        title="信" * 201),
    bad("draft_submission", InvalidInputError, "title", "title with a NUL", title="标题\x00"),
    bad("draft_submission", InvalidInputError, "title", "title with a bell (Excel refuses it)",
        title="标题\x07"),
    bad("draft_submission", InvalidInputError, "title", "title with a lone surrogate",
        title="标题\ud800"),
    bad("retract_adoption", InvalidInputError, "reason", "escape sequence in a reason",
        reason="\x1b[31m"),
    bad("draft_submission", InvalidInputError, "channel", "unknown channel", channel="tv"),
    bad("draft_submission", InvalidInputError, "category", "unknown category",
        category="gossip"),
    bad("draft_submission", InvalidInputError, "event_date", "month 13",
        event_date="2026-13-01"),
    bad("draft_submission", InvalidInputError, "event_date", "a word", event_date="yesterday"),
    bad("draft_submission", InvalidInputError, "event_date", "empty", event_date=""),
    bad("draft_submission", InvalidInputError, "event_date", "a date and time",
        event_date="2026-03-01T09:00:00"),
    bad("draft_submission", InvalidInputError, "event_date", "future day",
        event_date=FUTURE_DAY),
    bad("draft_submission", NotFoundError, "authors", "unknown officer", authors="o1;o404"),
    bad("draft_submission", InvalidInputError, "authors", "no authors", authors=""),
    bad("draft_submission", InvalidInputError, "authors", "duplicate author", authors="o1;o1"),
    bad("draft_submission", SharesError, "authors", "shares summing to 0.9",
        authors="o1:0.6;o2:0.3"),
    bad("draft_submission", SharesError, "authors", "shares summing to 1.1",
        authors=[{"officer": "o1", "share": "0.6"}, {"officer": "o2", "share": "0.5"}]),
    bad("draft_submission", SharesError, "authors", "missing share for one author",
        authors="o1:0.6;o2"),
    bad("draft_submission", SharesError, "authors", "a zero share", authors="o1:1;o2:0"),
    bad("draft_submission", InvalidInputError, "authors", "share not a number",
        authors="o1:half;o2:half"),
    bad("draft_submission", InvalidInputError, "authors", "a mapping of shares",
        authors={"o1": "0.6", "o2": "0.4"}),
    bad("draft_submission", AuthorNotEnrolledError, "authors", "lead author who has left",
        authors="o3"),
    bad("draft_submission", NotFoundError, "commission", "unknown commission",
        commission=UNKNOWN_ID),
    bad("draft_submission", InvalidInputError, "commission", "commission not an id",
        commission="约稿一"),
    bad("draft_submission", InvalidInputError, "research", "research neither yes nor no",
        research="maybe"),
    bad("draft_submission", InvalidInputError, "submission_id", "given id not an id",
        submission_id="稿件一"),
    bad("draft_submission", InvalidInputError, "submission_id", "given id and a ref",
        submission_id=str(uuid4()), ref="R-2026-01"),
    bad("draft_submission", AlreadyExistsError, "submission_id", "given id of an item",
        submission_id=Item("draft")),
    bad("revise_submission", WrongStateError, "submission_id", "approved item",
        submission_id=Item("approved")),
    bad("revise_submission", InvalidInputError, "title", "whitespace title", title="   "),
    bad("revise_submission", SharesError, "authors", "shares not summing to one",
        authors="o1:0.5;o2:0.4"),
    # Submission and sign-off
    bad("submit", NotFoundError, "submission_id", "unknown submission",
        submission_id=UNKNOWN_ID),
    bad("submit", InvalidInputError, "submission_id", "submission id not an id",
        submission_id="item-1"),
    bad("submit", InvalidInputError, "submitted_on", "future day", submitted_on=FUTURE_DAY),
    bad("submit", InvalidInputError, "submitted_on", "not a day", submitted_on="2026-3-2x"),
    bad("submit", AuthorNotEnrolledError, "authors", "co-author who had left",
        submission_id=Item("draft", authors="o1;o3", event_date="2026-01-15")),
    bad("submit", AuthorNotEnrolledError, "authors", "co-author who had not yet joined",
        submission_id=Item("draft", authors="o1;o4")),
    bad("submit", WrongStateError, "submission_id", "item already submitted",
        submission_id=Item("submitted")),
    bad("approve", NotAuthorisedError, "approver", "account without the approver role",
        approver="clerk"),
    bad("approve", NotAuthorisedError, "approver", "approver of another unit",
        approver="approver2"),
    bad("approve", NotFoundError, "approver", "unknown approver", approver="nobody"),
    bad("approve", InvalidInputError, "approved_at", "before the submission",
        approved_at="2026-03-01T10:00:00+08:00"),
    bad("approve", InvalidInputError, "approved_at", "future moment",
        approved_at=FUTURE_MOMENT),
    bad("approve", InvalidInputError, "approved_at", "not a moment", approved_at="tomorrow"),
    bad("approve", WrongStateError, "submission_id", "a draft", submission_id=Item("draft")),
    bad("return_submission", WrongStateError, "submission_id", "a draft",
        submission_id=Item("draft")),
    bad("return_submission", InvalidInputError, "reason", "whitespace reason", reason="  "),
    bad("withdraw", WrongStateError, "submission_id", "an adopted item",
        submission_id=Item("adopted")),
    bad("withdraw", WrongStateError, "submission_id", "a withdrawn item",
        submission_id=Item("withdrawn")),
    # Outlets
    bad("send_to_outlet", InvalidInputError, "route", "unknown route", route="pigeon"),
    bad("send_to_outlet", NotFoundError, "outlet", "unknown outlet", outlet="cctv"),
    bad("send_to_outlet", ChannelMismatchError, "outlet", "outlet of the other channel",
        outlet="city-daily"),
    bad("send_to_outlet", InvalidInputError, "sent_on", "before the submission",
        sent_on="2026-03-01"),
    bad("send_to_outlet", WrongStateError, "submission_id", "a draft",
        submission_id=Item("draft")),
    bad("record_adoption", NotAdoptableError, "submission_id", "a draft",
        submission_id=Item("draft")),
    bad("record_adoption", NotAdoptableError, "submission_id", "an unapproved item",
        submission_id=Item("submitted")),
    bad("record_adoption", NotAdoptableError, "submission_id", "a returned item",
        submission_id=Item("returned")),
    bad("record_adoption", NotAdoptableError, "submission_id", "a withdrawn item",
        submission_id=Item("withdrawn")),
    bad("record_adoption", AdoptionBeforeSubmissionError, "adopted_on", "before the submission",
        adopted_on="2026-03-01"),
    bad("record_adoption", AlreadyAdoptedError, "outlet", "the same outlet twice",
        submission_id=Item("adopted")),
    bad("record_adoption", ChannelMismatchError, "outlet", "outlet of the other channel",
        outlet="city-daily"),
    bad("record_adoption", NotFoundError, "outlet", "unknown outlet", outlet="cctv"),
    bad("record_adoption", NotFoundError, "submission_id", "unknown submission",
        submission_id=UNKNOWN_ID),
    bad("record_adoption", InvalidInputError, "form", "unknown form", form="partial"),
    bad("record_adoption", InvalidInputError, "route", "unknown route", route="fax"),
    bad("record_adoption", InvalidInputError, "adopted_on", "future day",
        adopted_on=FUTURE_DAY),
    bad("record_adoption", InvalidInputError, "adopted_on", "no such day",
        adopted_on="2026-02-29"),
    bad("record_decline", WrongStateError, "outlet", "outlet that adopted it",
        submission_id=Item("adopted")),
    bad("record_decline", InvalidInputError, "declined_on", "before the submission",
        declined_on="2026-03-01"),
    bad("retract_adoption", NotFoundError, "outlet", "no adoption by that outlet",
        submission_id=Item("approved")),
    bad("retract_adoption", InvalidInputError, "reason", "empty reason", reason=""),
    # Instructions and appeals
    bad("record_instruction", InvalidInputError, "leader_level", "unknown level",
        leader_level="galactic"),
    bad("record_instruction", InvalidInputError, "leader", "empty leader", leader=" "),
    bad("record_instruction", InvalidInputError, "instructed_on", "future day",
        instructed_on=FUTURE_DAY),
    bad("record_instruction", WrongStateError, "submission_id", "a draft",
        submission_id=Item("draft")),
    bad("record_feedback", NotFoundError, "instruction", "unknown instruction", instruction=2),
    bad("record_feedback", InvalidInputError, "instruction", "instruction number zero",
        instruction=0),
    bad("record_feedback", InvalidInputError, "instruction", "instruction not a number",
        instruction="first"),
    bad("record_feedback", InvalidInputError, "fed_back_on", "before the instruction",
        fed_back_on="2026-03-05"),
    bad("file_appeal", InvalidInputError, "officer", "officer not an author", officer="o2"),
    bad("file_appeal", NotFoundError, "officer", "unknown officer", officer="o404"),
    bad("decide_appeal", NotFoundError, "appeal", "unknown appeal", appeal=2),
    bad("decide_appeal", InvalidInputError, "upheld", "upheld neither yes nor no",
        upheld="perhaps"),
    bad("decide_appeal", InvalidInputError, "decided_on", "before the appeal was filed",
        decided_on="2026-03-09"),
    # Commissions
    bad("issue_commission", InvalidInputError, "deadline", "deadline before the issue date",
        deadline="2026-02-28"),
    bad("issue_commission", InvalidInputError, "units", "no units", units=[]),
    bad("issue_commission", InvalidInputError, "units", "units as a number", units=5),
    bad("issue_commission", NotFoundError, "units", "unknown unit", units=["u1", "u404"]),
    bad("issue_commission", InvalidInputError, "topic", "empty topic", topic=""),
    bad("issue_commission", InvalidInputError, "commission_id", "given id not an id",
        commission_id="约稿一"),
    bad("issue_commission", AlreadyExistsError, "commission_id", "given id of a commission",
        commission_id=COMMISSION),
    bad("issue_commission", InvalidInputError, "issued_on", "future issue date",
        issued_on=FUTURE_DAY, deadline="2100-01-01"),
    bad("record_lapse", NotFoundError, "commission_id", "unknown commission",
        commission_id=UNKNOWN_ID),
    bad("record_lapse", InvalidInputError, "lapsed_on", "on the deadline",
        lapsed_on="2026-03-10"),
    bad("record_lapse", InvalidInputError, "unit", "unit not commissioned", unit="u2"),
    # Targets
    bad("set_target", InvalidInputError, "items", "neither items nor points", items=None,
        monthly_items=None),
    bad("set_target", InvalidInputError, "monthly_items", "monthly split not summing",
        monthly_items=[2] * 11 + [3]),
    bad("set_target", InvalidInputError, "monthly_items", "eleven months",
        monthly_items=[2] * 11),
    bad("set_target", InvalidInputError, "monthly_items", "monthly split as a number",
        monthly_items=24),
    bad("set_target", InvalidInputError, "monthly_points", "monthly points not summing",
        points="120", monthly_points=["10"] * 11 + ["5"]),
    bad("set_target", InvalidInputError, "monthly_points", "monthly points as a number",
        points="120", monthly_points=120),
    bad("set_target", InvalidInputError, "holder_kind", "unknown holder kind",
        holder_kind="team"),
    bad("set_target", NotFoundError, "holder", "unknown holder", holder="o404"),
    bad("set_target", InvalidInputError, "year", "year out of range", year=1999),
    bad("set_target", InvalidInputError, "items", "negative items", items=-1,
        monthly_items=None),
    bad("set_target", InvalidInputError, "points", "points not a number", points="lots"),
    bad("set_target", InvalidInputError, "points", "points with three decimals",
        points="10.005"),
    bad("set_target", AlreadyExistsError, "year", "second target for the same year",
        holder_kind="unit", holder="u1"),
    bad("adjust_target", NotFoundError, "year", "no target that year", year=2025),
    bad("adjust_target", InvalidInputError, "reason", "empty reason", reason=""),
]


BAD_BY_COMMAND: dict[str, list[Any]] = {}
for param in BAD:
    BAD_BY_COMMAND.setdefault(param.values[0], []).append(param)


def test_every_command_in_the_application_module_has_good_and_bad_cases() -> None:
    """The commands of ``Tally`` but the assessment's (tested in test_assessment_input.py)."""
    commands = {name for part in (DirectoryCommands, SubmissionCommands, PlanningCommands)
                for name, member in vars(part).items()
                if not name.startswith("_") and callable(member)
                and "meta" in inspect.signature(member).parameters}

    assert set(GOOD) == commands
    assert set(BAD_BY_COMMAND) == commands


@pytest.mark.parametrize("command", BAD_BY_COMMAND)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_recorded(
        app: Tally, world: World, command: str) -> None:
    """Each bad case of the command in turn, on one store: a refusal leaves it as it was."""
    problems = []
    for case in BAD_BY_COMMAND[command]:
        _, spoilt, error, field = case.values
        arguments = world.resolve({**GOOD[command], **spoilt})
        before = event_count(app)
        try:
            world.run(command, **arguments)
        except TallyError as refusal:
            if (type(refusal), refusal.field) != (error, field):
                problems.append(f"{case.id}: {type(refusal).__name__} naming "
                                f"{refusal.field!r} ({refusal})")
        except Exception as crash:  # noqa: BLE001 - reported below with the case
            problems.append(f"{case.id}: {crash!r}")
        else:
            problems.append(f"{case.id}: accepted")
        if event_count(app) != before:
            problems.append(f"{case.id}: recorded {event_count(app) - before} events")

    assert not problems, "\n".join(problems)
    # The unspoilt call is accepted on the same store, so each refusal was the spoilt value's.
    before = event_count(app)
    world.run(command, **world.resolve(GOOD[command]))
    assert event_count(app) > before


BAD_META = [
    (CommandMeta(actor=""), "actor"),
    (CommandMeta(actor="   "), "actor"),
    (CommandMeta(actor=None), "actor"),  # type: ignore[arg-type]
    (CommandMeta(actor="admin", known_at="2026-13-01T00:00:00"), "known_at"),
    (CommandMeta(actor="admin", known_at="2100-01-01T00:00:00+08:00"), "known_at"),
    (CommandMeta(actor="admin", idempotency_key="k" * 201), "idempotency_key"),
]


@pytest.mark.parametrize("command", ["register_unit", "record_adoption"])
def test_bad_command_meta_is_refused_naming_the_field_and_nothing_is_recorded(
        app: Tally, world: World, command: str) -> None:
    arguments = world.resolve(GOOD[command])
    before = event_count(app)

    for bad_meta, field in BAD_META:
        with pytest.raises(InvalidInputError) as caught:
            getattr(app, command)(**arguments, meta=bad_meta)
        assert caught.value.field == field, bad_meta

    assert event_count(app) == before


# Idempotency ---------------------------------------------------------------------------

def keyed(key: str) -> CommandMeta:
    return CommandMeta(actor="admin", idempotency_key=key)


@pytest.mark.parametrize("command", ["register_unit", "draft_submission", "record_adoption",
                                     "record_instruction", "file_appeal", "set_target"])
def test_the_same_idempotency_key_twice_records_nothing_twice(
        app: Tally, world: World, command: str) -> None:
    arguments = world.resolve(GOOD[command])
    before = event_count(app)

    first = getattr(app, command)(**arguments, meta=keyed("request-7"))
    after_first = event_count(app)
    again = getattr(app, command)(**arguments, meta=keyed("request-7"))

    assert again == first
    assert type(again) is type(first)
    assert after_first > before
    assert event_count(app) == after_first


def test_repeated_adoption_under_its_key_leaves_one_adoption(app: Tally, world: World) -> None:
    arguments = world.resolve(GOOD["record_adoption"])

    for _ in range(3):
        app.record_adoption(**arguments, meta=keyed("adoption-notice-12"))

    assert len(app.get_submission(arguments["submission_id"])["adoptions"]) == 1


def test_the_same_key_for_another_command_is_refused_and_nothing_is_recorded(
        app: Tally, world: World) -> None:
    app.register_unit(**GOOD["register_unit"], meta=keyed("request-8"))
    before = event_count(app)

    with pytest.raises(IdempotencyKeyReusedError) as caught:
        app.enrol_officer(**GOOD["enrol_officer"], meta=keyed("request-8"))

    assert caught.value.field == "idempotency_key"
    assert event_count(app) == before
    with pytest.raises(NotFoundError):
        app.officer_unit_on("o9", "2026-03-01")


@pytest.mark.parametrize("command, changed", [
    ("register_unit", {"code": "u10"}),
    ("register_unit", {"name": "宣传部"}),
    ("record_adoption", {"form": "excerpt"}),
    ("record_adoption", {"adopted_on": "2026-03-06"}),
])
def test_the_same_key_with_other_arguments_is_refused_and_nothing_is_recorded(
        app: Tally, world: World, command: str, changed: dict[str, Any]) -> None:
    arguments = world.resolve(GOOD[command])
    getattr(app, command)(**arguments, meta=keyed("request-9"))
    before = event_count(app)

    with pytest.raises(IdempotencyKeyReusedError) as caught:
        getattr(app, command)(**{**arguments, **changed}, meta=keyed("request-9"))

    assert caught.value.field == "idempotency_key"
    assert event_count(app) == before


def test_a_refused_command_does_not_use_up_its_key(app: Tally, world: World) -> None:
    with pytest.raises(InvalidInputError):
        app.register_unit(**{**GOOD["register_unit"], "name": ""}, meta=keyed("request-10"))

    unit_id = app.register_unit(**GOOD["register_unit"], meta=keyed("request-10"))

    assert app.register_unit(**GOOD["register_unit"], meta=keyed("request-10")) == unit_id


def test_without_a_key_a_repeated_registration_is_a_duplicate(app: Tally, world: World) -> None:
    app.register_unit(**GOOD["register_unit"], meta=CommandMeta(actor="admin"))
    before = event_count(app)

    with pytest.raises(AlreadyExistsError) as caught:
        app.register_unit(**GOOD["register_unit"], meta=CommandMeta(actor="admin"))

    assert caught.value.field == "code"
    assert event_count(app) == before
