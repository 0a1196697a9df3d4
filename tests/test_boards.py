"""The boards: each item and each commissioned unit as it stands now; rebuildable."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from domain.application import CommandMeta, Tally
from projections.boards import BoardsView
from projections.registry import open_projection
from projections.runner import RecordedTracking, catch_up, rebuild, tracking_name
from store.settings import DatabaseSettings
from tests.report_history import History, office_history

TODAY = date(2025, 6, 1)


@pytest.fixture
def history(app: Tally) -> History:
    return office_history(app)


def caught_up(app: Tally, database: DatabaseSettings) -> Any:
    projection = open_projection(database, "boards")
    catch_up(app, projection)
    return projection


def one_by_one(app: Tally, projection: Any) -> None:
    """Project the log again event by event, each committed alone (no batches)."""
    projection.view.reset(tracking_name(projection))
    for notification in app.recorder.select_notifications(start=1, limit=10_000):
        projection.process_event(
            app.mapper.to_domain_event(notification),
            RecordedTracking(tracking_name(projection), notification.id,
                             notification.recorded_at))


def snapshot(view: BoardsView) -> dict[str, list[dict[str, Any]]]:
    return {table: sorted(view.query(f"SELECT * FROM {table}"), key=repr)  # noqa: S608
            for table in view.tables}


def test_the_submissions_board_shows_each_item_as_it_stands(
    app: Tally, database: DatabaseSettings, history: History
) -> None:
    board = {row["id"]: row for row in caught_up(app, database).view.submissions(TODAY)}
    assert list(board) == [history.item_c, history.item_b, history.item_a]  # latest first

    a = board[history.item_a]
    assert (a["status"], a["unit_name"], a["authors"]) == ("approved", "县委办公室",
                                                          ["张伟", "刘洋"])
    assert (a["category"], a["channel"], a["event_date"]) == ("important_situation", "info",
                                                              "2025-03-01")
    assert (a["submitted_on"], a["approved_on"], a["approver_name"]) == (
        "2025-03-02", "2025-03-02", "李敏")
    assert a["adoptions"] == [{"outlet": "省委办公厅", "level": "provincial", "form": "full",
                               "adopted_on": "2025-03-05"}]
    assert {o["code"]: (o["state"], o["route"], o["sent_on"]) for o in a["outlets"]} == {
        "prov": ("adopted", "forwarded", "2025-03-02"), "city": ("retracted", "direct", None)}
    assert [(n["leader"], n["leader_level"], n["feedback_on"]) for n in a["instructions"]] == [
        ("市委书记", "city", None)]
    assert a["feedback_pending"] is True
    assert a["waiting_days"] is None

    b = board[history.item_b]
    assert (b["status"], b["unit_name"], b["authors"], b["waiting_days"]) == (
        "submitted", "城关镇", ["王芳"], (TODAY - date(2025, 4, 12)).days)
    assert (b["approved_on"], b["adoptions"], b["feedback_pending"]) == (None, [], False)
    assert board[history.item_c]["status"] == "returned"


def test_feedback_on_every_instruction_clears_the_pending_mark(
    app: Tally, database: DatabaseSettings, history: History
) -> None:
    projection = caught_up(app, database)
    app.record_feedback(history.item_a, 1, "2025-03-20", "已组织学习", meta=CommandMeta(actor="a"))
    catch_up(app, projection)
    [a] = [row for row in projection.view.submissions(TODAY) if row["id"] == history.item_a]
    assert a["feedback_pending"] is False
    assert a["instructions"][0]["feedback_on"] == "2025-03-20"


def test_the_board_can_be_narrowed_to_a_unit_or_a_status(
    app: Tally, database: DatabaseSettings, history: History
) -> None:
    view = caught_up(app, database).view
    assert [r["id"] for r in view.submissions(TODAY, unit_id=view.unit_id("u2"))] == [
        history.item_b]
    assert [r["id"] for r in view.submissions(TODAY, status="approved")] == [history.item_a]
    assert [r["id"] for r in view.submissions(TODAY, limit=1, offset=1)] == [history.item_b]
    assert view.unit_id("u9") is None


def test_the_commissions_board_shows_fulfilled_lapsed_overdue_and_open_units(
    app: Tally, database: DatabaseSettings, history: History
) -> None:
    rows = caught_up(app, database).view.commissions(TODAY)
    by_unit = {(row["ref"], row["unit_code"]): row for row in rows}
    assert list(by_unit) == [("C3", "u2"), ("C2", "u1"), ("C1", "u1"), ("C1", "u2")]

    fulfilled = by_unit[("C1", "u2")]
    assert (fulfilled["state"], fulfilled["item_title"], fulfilled["closed_on"]) == (
        "fulfilled", "城关镇春耕备耕有序推进", "2025-04-12")
    assert fulfilled["submission_id"] == history.item_b
    lapsed = by_unit[("C1", "u1")]
    assert (lapsed["state"], lapsed["closed_on"], lapsed["days_overdue"]) == (
        "lapsed", "2025-05-05", None)
    overdue = by_unit[("C2", "u1")]
    assert (overdue["state"], overdue["days_overdue"], overdue["days_left"]) == (
        "overdue", 17, None)  # due 15 May, seen on 1 June
    still_open = by_unit[("C3", "u2")]
    assert (still_open["state"], still_open["days_left"], still_open["topic"]) == (
        "open", 213, "年度亮点工作")
    on_the_day = {(r["ref"], r["unit_code"]): r for r in
                  caught_up(app, database).view.commissions(date(2025, 5, 15))}
    assert (on_the_day[("C2", "u1")]["state"], on_the_day[("C2", "u1")]["days_left"]) == (
        "open", 0)


def test_a_rebuild_equals_the_incrementally_built_boards(
    app: Tally, database: DatabaseSettings, history: History
) -> None:
    projection = caught_up(app, database)
    meta = CommandMeta(actor="admin")
    app.approve(history.item_b, "approver2", "2025-04-13T10:00", meta=meta)
    app.record_decline(history.item_b, "prov", "2025-04-20", "不符合要求", meta=meta)
    app.record_adoption(history.item_b, "prov", "merged", "2025-04-25", meta=meta)
    app.rename_unit("u2", "城关街道", "2025-07-01", "撤镇设街道", meta=meta)
    catch_up(app, projection)
    incremental = snapshot(projection.view)
    [b] = [r for r in projection.view.submissions(TODAY) if r["id"] == history.item_b]
    assert (b["unit_name"], b["approver_name"], b["waiting_days"]) == ("城关街道", "赵静", None)
    assert [(o["state"], o["form"], o["declined_on"]) for o in b["outlets"]] == [
        ("adopted", "merged", "2025-04-20")]

    assert rebuild(app, projection) == app.recorder.max_notification_id()
    assert snapshot(projection.view) == incremental
    one_by_one(app, projection)
    assert snapshot(projection.view) == incremental
