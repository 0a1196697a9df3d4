"""The audit trail: every event once, with who, when (recorded and known) and why; per item,
officer and unit; as known at any moment; rebuildable."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any
from uuid import uuid4

import pytest
from eventsourcing.persistence import IntegrityError

from domain.application import CommandMeta, Tally
from domain.errors import InvalidInputError, NotFoundError
from domain.identity import derived_id
from projections.audit import AuditTrail, AuditView
from projections.registry import open_projection
from projections.runner import RecordedTracking, catch_up, rebuild, tracking_name
from store.settings import DatabaseSettings
from tests.report_history import SUBMIT_B, History, office_history

OFFICE = timezone(timedelta(hours=8))


@pytest.fixture
def history(app: Tally) -> History:
    return office_history(app)


def caught_up(app: Tally, database: DatabaseSettings) -> Any:
    projection = open_projection(database, "audit")
    catch_up(app, projection)
    return projection


def events(rows: list[dict[str, Any]]) -> list[str]:
    return [row["event"] for row in rows]


def summaries(rows: list[dict[str, Any]]) -> str:
    return "\n".join(row["summary"] for row in rows)


def one_by_one(app: Tally, projection: Any) -> None:
    """Project the log again event by event, each committed alone (no batches)."""
    projection.view.reset(tracking_name(projection))
    for notification in app.recorder.select_notifications(start=1, limit=10_000):
        projection.process_event(
            app.mapper.to_domain_event(notification),
            RecordedTracking(tracking_name(projection), notification.id,
                             notification.recorded_at))


def snapshot(view: AuditView) -> dict[str, list[dict[str, Any]]]:
    order = {"audit_trail": "position", "audit_concerns": "kind, concerned_id, position",
             "audit_names": "id", "audit_items": "id"}
    return {table: view.query(f"SELECT * FROM {table} ORDER BY {order[table]}")  # noqa: S608
            for table in view.tables}


def test_the_trail_lists_every_event_once_with_its_actor_times_and_reason(
    app: Tally, database: DatabaseSettings, history: History
) -> None:
    view = caught_up(app, database).view
    notifications = app.recorder.select_notifications(start=1, limit=1000)
    rows = view.overall(limit=1000)
    assert [row["position"] for row in rows] == [n.id for n in notifications]
    for notification, row in zip(notifications, rows, strict=True):
        event = app.mapper.to_domain_event(notification)
        cause = event.cause
        assert (row["actor"], row["correlation_id"]) == (cause.actor, cause.correlation_id)
        assert row["recorded_at"] == notification.recorded_at
        assert row["known_at"] == (cause.known_at or notification.recorded_at)
        assert row["imported"] is (cause.known_at is not None)
        assert row["reason"] == (getattr(event, "reason", None) or None)
        assert row["event"] == type(event).__qualname__
        assert row["aggregate_id"] == str(event.originator_id)
        assert row["command_record"] is (row["aggregate_kind"] == "command_record")

    by_event = {(row["event"], row["reference"]): row for row in rows}
    adopted = [row for row in rows if row["event"] == "Submission.Adopted"]
    assert adopted[0]["summary"] == ("省委办公厅全文采用《关于春耕生产的情况》"
                                     "（2025-03-05，经办公室转报）")
    assert adopted[0]["known_at"] == datetime(2025, 3, 6, 10, 0, tzinfo=OFFICE)
    assert adopted[0]["actor"] == "editor" and adopted[0]["imported"]
    transfer = by_event[("Officer.Transferred", "o2")]
    assert transfer["summary"] == "刘洋由县委办公室调入城关镇，2025-06-01起"
    assert (transfer["reason"], transfer["imported"]) == ("工作调动", False)
    retracted = by_event[("Submission.AdoptionRetracted", "A-2025-01")]
    assert (retracted["actor"], retracted["reason"]) == ("editor", "市委办公室来函更正")
    returned = by_event[("Submission.Returned", "县委办公室督查工作动态")]
    assert (returned["actor"], returned["reason"]) == ("approver", "请补充数据")
    assert by_event[("Submission.Approved", "A-2025-01")]["summary"] == (
        "李敏（approver）审核签发《关于春耕生产的情况》，2025-03-02 09:00")
    assert by_event[("Commission.Lapsed", "C1")]["summary"] == (
        "县委办公室约稿《春耕备耕进展》逾期未报（2025-05-05记录）")


def test_an_items_trail_holds_its_events_its_fulfilment_and_its_command_record(
    app: Tally, database: DatabaseSettings, history: History
) -> None:
    view = caught_up(app, database).view
    assert events(view.for_item(history.item_b)) == [
        "Submission.Drafted", "Submission.Submitted", "Commission.Fulfilled",
        "CommandRecord.Recorded"]
    record = view.for_item(history.item_b)[-1]
    assert record["command_record"] and record["reference"] == SUBMIT_B.idempotency_key
    assert record["correlation_id"] == "req-submit-b" and record["actor"] == "wangfang"
    item_a = view.for_item(history.item_a)
    assert events(item_a) == [
        "Submission.Drafted", "Submission.Submitted", "Submission.Approved",
        "Submission.SentToOutlet", "Submission.Adopted", "Submission.Adopted",
        "Submission.AdoptionRetracted", "Submission.InstructionRecorded"]
    assert "城关镇" not in summaries(item_a)


def test_an_officer_sees_their_own_events_and_every_event_of_the_items_they_wrote(
    app: Tally, database: DatabaseSettings, history: History
) -> None:
    view = caught_up(app, database).view
    officer_id = {code: row["id"] for code in ("o1", "o2", "o3")
                  for row in [view.name_by_code("officer", code)]}
    co_author = view.for_officer(officer_id["o2"])
    assert [row["position"] for row in co_author] == sorted(row["position"] for row in co_author)
    assert {row["aggregate_id"] for row in co_author} == {officer_id["o2"], history.item_a}
    assert events(co_author) == ["Officer.Enrolled", *events(view.for_item(history.item_a)),
                                 "Officer.Transferred"]
    lead = view.for_officer(officer_id["o1"])
    assert {row["aggregate_id"] for row in lead} == {
        officer_id["o1"], history.item_a, history.item_c}
    assert "Officer.Transferred" not in events(lead)
    writer_of_b = view.for_officer(officer_id["o3"])
    assert {row["aggregate_id"] for row in writer_of_b} >= {history.item_b, history.c1}
    assert history.item_a not in {row["aggregate_id"] for row in writer_of_b}


def test_a_unit_sees_its_items_its_officers_postings_and_its_commissions(
    app: Tally, database: DatabaseSettings, history: History
) -> None:
    view = caught_up(app, database).view
    u1, u2 = (view.name_by_code("unit", code)["id"] for code in ("u1", "u2"))
    town = view.for_unit(u2)
    subjects = {row["aggregate_id"] for row in town}
    assert {history.item_b, history.c1, history.c3} <= subjects
    assert {history.item_a, history.item_c, history.c2}.isdisjoint(subjects)
    assert "刘洋由县委办公室调入城关镇，2025-06-01起" in summaries(town)
    assert "王芳登记为城关镇信息员，2025-01-01起" in summaries(town)
    office = view.for_unit(u1)
    assert "刘洋由县委办公室调入城关镇，2025-06-01起" in summaries(office)
    assert {history.item_a, history.item_c, history.c1, history.c2} <= {
        row["aggregate_id"] for row in office}
    assert history.item_b not in {row["aggregate_id"] for row in office}
    lapse = [row for row in office if row["event"] == "Commission.Lapsed"]
    assert len(lapse) == 1 and lapse[0]["reference"] == "C1"


def test_as_of_a_moment_the_trail_holds_only_what_was_known_then(
    app: Tally, database: DatabaseSettings, history: History
) -> None:
    view = caught_up(app, database).view
    reports = AuditTrail(view, zone=app.zone)
    then = reports.entries(as_of="2025-03-06")
    assert all(row["imported"] for row in then)
    assert events(then).count("Submission.Adopted") == 1
    assert "省委办公厅全文采用《关于春耕生产的情况》" in summaries(then)
    assert "市委办公室" not in summaries([r for r in then if r["event"] == "Submission.Adopted"])
    assert then[-1]["known_at"] == "2025-03-06T10:00:00+08:00"
    assert "Submission.AdoptionRetracted" not in events(then)
    before_dawn = reports.entries(as_of="2025-03-06T09:59")
    assert "Submission.Adopted" not in events(before_dawn)
    now = reports.entries()
    assert len(now) == app.recorder.max_notification_id()
    co_author_then = reports.entries(officer="o2", as_of="2025-03-02")
    assert events(co_author_then) == ["Officer.Enrolled", "Submission.Drafted",
                                      "Submission.Submitted", "Submission.Approved",
                                      "Submission.SentToOutlet"]
    assert reports.entries(officer="o2", as_of="2025-01-01") == []


def test_command_records_are_marked_and_a_repeated_command_records_nothing(
    app: Tally, database: DatabaseSettings, history: History
) -> None:
    app.submit(history.item_b, "2025-04-12", meta=SUBMIT_B)
    view = caught_up(app, database).view
    records = [row for row in view.overall(limit=1000) if row["command_record"]]
    assert len(records) == 1
    assert records[0]["summary"] == (
        f"幂等记录：submit命令，幂等键{SUBMIT_B.idempotency_key}，结果{history.item_b}")
    without = view.overall(limit=1000, commands=False)
    assert len(without) == app.recorder.max_notification_id() - 1
    assert view.count("item", history.item_b, commands=False) == 3


def test_pages_follow_the_log_order(
    app: Tally, database: DatabaseSettings, history: History
) -> None:
    view = caught_up(app, database).view
    everything = view.overall(limit=1000)
    pages = [view.overall(limit=7, offset=start) for start in range(0, len(everything), 7)]
    assert [row for page in pages for row in page] == everything
    assert view.count("all", None) == len(everything)


def test_codes_that_name_nothing_are_refused_naming_the_field(
    app: Tally, database: DatabaseSettings, history: History
) -> None:
    reports = AuditTrail(caught_up(app, database).view, zone=app.zone)
    with pytest.raises(NotFoundError) as missing:
        reports.entries(officer="o9")
    assert missing.value.field == "officer"
    with pytest.raises(NotFoundError) as no_item:
        reports.entries(item="Z-404")
    assert no_item.value.field == "item"
    with pytest.raises(InvalidInputError) as both:
        reports.entries(officer="o1", unit="u1")
    assert both.value.field == "unit"
    assert [row["event"] for row in reports.entries(item="A-2025-01")][:1] == [
        "Submission.Drafted"]
    assert reports.entries(item=history.item_a) == reports.entries(item="A-2025-01")


def test_catching_up_twice_applies_nothing_twice(
    app: Tally, database: DatabaseSettings, history: History
) -> None:
    projection = caught_up(app, database)
    first = snapshot(projection.view)
    assert catch_up(app, projection) == app.recorder.max_notification_id()
    assert snapshot(projection.view) == first
    notification = app.recorder.select_notifications(start=5, limit=1)[0]
    with pytest.raises(IntegrityError):
        projection.process_event(
            app.mapper.to_domain_event(notification),
            RecordedTracking(tracking_name(projection), notification.id,
                             notification.recorded_at))
    assert snapshot(projection.view) == first


def test_a_rebuild_equals_the_incrementally_built_trail(
    app: Tally, database: DatabaseSettings, history: History
) -> None:
    projection = caught_up(app, database)
    app.record_feedback(history.item_a, 1, "2025-03-20", "已组织学习", meta=CommandMeta(
        actor="zhangwei", idempotency_key="feedback-a-1"))
    app.rename_unit("u2", "城关街道", "2025-07-01", "撤镇设街道", meta=CommandMeta(actor="admin"))
    app.record_leaving("o1", "2025-10-01", "退休", meta=CommandMeta(actor="admin"))
    catch_up(app, projection)
    incremental = snapshot(projection.view)
    assert "城关镇更名为城关街道，2025-07-01起" in summaries(incremental["audit_trail"])
    assert "张伟离任（县委办公室），2025-10-01起" in summaries(incremental["audit_trail"])

    assert rebuild(app, projection) == app.recorder.max_notification_id()
    assert snapshot(projection.view) == incremental
    one_by_one(app, projection)
    assert snapshot(projection.view) == incremental


METHOD = """
[method]
code = "county-2025"
name = "某县政务信息计分办法"
effective_from = 2025-01-01

[adoption.info]
provincial = { full = 20, merged = 10, excerpt = 6 }
"""


def test_every_kind_of_event_is_summed_up_with_the_names_known_before_it(
    app: Tally, database: DatabaseSettings, history: History
) -> None:
    meta = CommandMeta(actor="admin")
    app.publish_method(METHOD, meta=meta)
    app.reschedule_method("county-2025", "2025-02-01", "推迟施行", meta=meta)
    app.set_target("officer", "o1", 2025, items=24, points=100, meta=meta)
    app.adjust_target("officer", "o1", 2025, items=20, points=None, reason="年中调整", meta=meta)
    finding = app.record_finding("missed", "officer", "o1", "2025-05-20", "未及时报送汛情",
                                 submission_id=history.item_c, meta=meta)
    app.withdraw_finding(finding, "经核实已报送", meta=meta)
    app.grant_role("approver", "editor", meta=meta)
    app.revoke_role("approver", "editor", "岗位调整", meta=meta)
    app.file_appeal(history.item_a, "o1", "2025-04-01", "计分有误", meta=meta)
    app.decide_appeal(history.item_a, 1, True, "2025-04-05", "予以更正", meta=meta)
    app.revise_submission(history.item_c, "县委办公室督查工作动态（修改稿）", "other", "o1;o2",
                          "2025-05-10", meta=meta)
    app.withdraw_method("county-2025", "停止使用", meta=meta)
    app.publish_bulletin("2025-03", app.recorder.max_notification_id(), "2025-04-02T09:00",
                         "ab" * 32, meta=meta)
    app.issue_erratum("2025-03", uuid4(), {"item_id": history.item_a}, "采用单位更正", [], [],
                      meta=meta)
    o1_id = str(derived_id("officer", "o1"))
    reward = app.grant_reward("line-1", "2025-03", o1_id, None, history.item_a, "A-2025-01",
                              "rewards.provincial", "2025-03-05", "500", meta=meta)
    app.revoke_reward(reward, "采用单位更正", meta=meta)
    honour = app.award_honour(2025, "officers", "o1", "张伟", 1, "10",
                              "county-2025 honours.officers: top=1", meta=meta)
    app.revoke_honour(honour, "采用单位更正；不再符合评先规则", meta=meta)
    app.award_honour(2025, "items", history.item_a, "关于春耕生产的情况", 1, "10",
                     "county-2025 honours.items: top=1", meta=meta)
    view = caught_up(app, database).view

    rows = view.overall(limit=1000)
    assert not [row["summary"] for row in rows
                if "未知" in row["summary"] or row["summary"].endswith(" 事件")]
    text = summaries(rows)
    for expected in (
        "发布计分办法《某县政务信息计分办法》（county-2025），2025-01-01起施行",
        "计分办法《某县政务信息计分办法》改为2025-02-01起施行",
        "撤回计分办法《某县政务信息计分办法》",
        "设定张伟2025年目标：稿件24篇，积分100分",
        "调整张伟2025年目标为：稿件20篇",
        "通报张伟漏报（2025-05-20），涉及《县委办公室督查工作动态》",
        "撤销通报：张伟漏报",
        "账号approver增加角色：编辑",
        "账号approver撤销角色：编辑",
        "张伟对《关于春耕生产的情况》的计分提出申诉（第1号，2025-04-01）",
        "支持《关于春耕生产的情况》第1号申诉（2025-04-05）",
        "修改《县委办公室督查工作动态（修改稿）》（作者张伟、刘洋，其他，事件日期2025-05-10）",
        "发布《2025年3月信息宣传工作通报》：截至日志第",
        "发出《2025年3月信息宣传工作通报》的更正：采用单位更正，涉及《关于春耕生产的情况》",
        "发放张伟《关于春耕生产的情况》的奖励500元（rewards.provincial，2025-03期间，2025-03-05）",
        "收回张伟《关于春耕生产的情况》的奖励500元",
        "张伟评为2025年先进个人（第1名，10分；county-2025 honours.officers: top=1）",
        "撤销张伟的2025年先进个人称号",
        "《关于春耕生产的情况》评为2025年优秀信息（第1名，10分",
    ):
        assert expected in text
    reasons = {row["event"]: row["reason"] for row in rows}
    assert reasons["Finding.Recorded"] == "未及时报送汛情"
    assert reasons["Honour.Revoked"] == "采用单位更正；不再符合评先规则"
    assert reasons["Target.Adjusted"] == "年中调整"

    o1, o2 = (view.name_by_code("officer", code)["id"] for code in ("o1", "o2"))
    own = events(view.for_officer(o1))
    assert {"Target.Set", "Target.Adjusted", "Finding.Recorded", "Finding.Withdrawn",
            "Submission.AppealFiled", "Reward.Granted", "Reward.Revoked", "Honour.Awarded",
            "Honour.Revoked"} <= set(own)
    assert {"Bulletin.ErratumIssued", "Reward.Granted", "Reward.Revoked",
            "Honour.Awarded"} <= set(events(view.for_item(history.item_a)))
    # 刘洋 became a co-author of item C by its revision: they see the item from its drafting on.
    added = [row for row in view.for_officer(o2) if row["aggregate_id"] == history.item_c]
    assert events(added)[:3] == ["Submission.Drafted", "Submission.Submitted",
                                 "Submission.Returned"]
    item_c = events(view.for_item(history.item_c))
    assert {"Finding.Recorded", "Finding.Withdrawn", "Submission.Revised"} <= set(item_c)
    u1 = view.name_by_code("unit", "u1")["id"]
    assert {"Target.Set", "Target.Adjusted", "Finding.Recorded", "Finding.Withdrawn",
            "Account.RoleGranted", "Account.RoleRevoked"} <= set(events(view.for_unit(u1)))
    u2 = view.name_by_code("unit", "u2")["id"]
    assert "Account.RoleGranted" not in events(view.for_unit(u2))
