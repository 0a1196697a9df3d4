"""A decision resting on what a command read and does not change is saved only if that still
holds when its events are appended (``domain.unchanged``): an approval by an account whose
approver role another writer revoked meanwhile is refused, not recorded; so are a commission,
a lapse or a target for a unit closed meanwhile, and a draft or a submission by an author who
left meanwhile. A draft whose lead author moved meanwhile is decided again and belongs to the
new unit. (The closing of a unit and postings into it: tests/test_unit_closing.py.)

Each test lets another writer change what the command read after it read it, before it saves
(``race``); each fails if the command does not name what it read."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from domain.application import CommandMeta, Tally
from domain.errors import AuthorNotEnrolledError, NotAuthorisedError, WrongStateError
from store.bootstrap import open_tally
from store.settings import DatabaseSettings
from tests.conftest import event_count
from tests.report_history import office_history

ADMIN = CommandMeta(actor="admin")


def test_an_approval_by_an_account_that_lost_its_role_meanwhile_is_refused(
        app: Tally, database: DatabaseSettings, monkeypatch: pytest.MonkeyPatch) -> None:
    found = office_history(app)
    other = open_tally(database)
    read_account = app._account
    revoked = []

    def racing(field: str, code: str) -> Any:
        account = read_account(field, code)
        if not revoked:  # after the approval read the account, before it saves
            revoked.append(other.revoke_role("approver2", "approver", "调离审核岗位",
                                             meta=ADMIN))
        return account

    monkeypatch.setattr(app, "_account", racing)
    before = event_count(app)
    with pytest.raises(NotAuthorisedError) as refused:
        app.approve(found.item_b, "approver2", "2025-04-13T09:00",
                    meta=CommandMeta(actor="approver2"))
    other.close()

    assert refused.value.field == "approver"
    assert event_count(app) == before + 1  # the revocation alone
    assert app.get_submission(found.item_b)["status"] == "submitted"


def race(app: Tally, database: DatabaseSettings, monkeypatch: pytest.MonkeyPatch,
         reader: str, reads: Callable[..., bool], change: Callable[[Tally], object]) -> list[int]:
    """Once ``app.<reader>`` has read what ``reads(*its arguments)`` picks, another writer makes
    ``change``; returns the number of such reads once the command has run (a decision made
    again reads again)."""
    other = open_tally(database)
    read = getattr(app, reader)
    seen: list[int] = []

    def racing(*args: Any) -> Any:
        found = read(*args)
        if reads(*args):
            if not seen:
                change(other)
            seen.append(1)
        return found

    monkeypatch.setattr(app, reader, racing)
    return seen


def reads_u2(field: str, code: str) -> bool:
    return code == "u2"


@pytest.mark.parametrize("command", ["issue_commission", "record_lapse", "set_target"])
def test_a_decision_for_a_unit_closed_meanwhile_is_refused(
        app: Tally, database: DatabaseSettings, monkeypatch: pytest.MonkeyPatch,
        command: str) -> None:
    found = office_history(app)
    closed_on = "2026-01-05" if command == "record_lapse" else "2025-07-01"  # C3's deadline
    seen = race(app, database, monkeypatch, "_unit", reads_u2,
                lambda other: other.close_unit("u2", closed_on, "机构改革", successor="u1",
                                               meta=ADMIN))
    before = event_count(app)
    with pytest.raises(WrongStateError) as refused:
        if command == "issue_commission":
            app.issue_commission("下半年工作要点", ["u1", "u2"], "2025-08-01", "2025-08-31",
                                 meta=ADMIN)
        elif command == "record_lapse":
            app.record_lapse(found.c3, "u2", "2026-01-10", meta=ADMIN)
        else:
            app.set_target("unit", "u2", 2026, items=10, meta=ADMIN)

    assert seen == [1, 1]  # decided again on the closed unit
    assert refused.value.field == {"issue_commission": "units", "record_lapse": "unit",
                                   "set_target": "holder"}[command]
    assert event_count(app) == before + 3  # the closing, o2's and o3's moves


def test_a_draft_by_an_author_who_left_meanwhile_is_refused(
        app: Tally, database: DatabaseSettings, monkeypatch: pytest.MonkeyPatch) -> None:
    office_history(app)
    seen = race(app, database, monkeypatch, "_officer", lambda field, code: code == "o3",
                lambda other: other.record_leaving("o3", "2025-07-01", "退休", meta=ADMIN))
    before = event_count(app)
    with pytest.raises(AuthorNotEnrolledError) as refused:
        app.draft_submission("城关镇夏粮收购进度", "info", "other", "o3", "2025-06-20",
                             meta=CommandMeta(actor="wangfang"))

    assert seen == [1, 1] and refused.value.field == "authors"
    assert event_count(app) == before + 1  # the leaving alone


def test_a_draft_whose_author_moved_meanwhile_belongs_to_the_new_unit(
        app: Tally, database: DatabaseSettings, monkeypatch: pytest.MonkeyPatch) -> None:
    office_history(app)
    race(app, database, monkeypatch, "_officer", lambda field, code: code == "o3",
         lambda other: other.transfer_officer("o3", "u1", "2025-06-01", meta=ADMIN))
    item = app.draft_submission("夏季防汛值班安排", "info", "other", "o3", "2025-06-20",
                                meta=CommandMeta(actor="wangfang"))

    assert app.get_submission(item)["unit_id"] == str(app._unit("unit", "u1").id)


def test_a_submission_by_an_author_who_left_meanwhile_is_refused(
        app: Tally, database: DatabaseSettings, monkeypatch: pytest.MonkeyPatch) -> None:
    office_history(app)
    drafted = app.draft_submission("城关镇夏粮收购进度", "info", "other", "o3", "2025-06-20",
                                   meta=CommandMeta(actor="wangfang"))
    o3 = app._officer("authors", "o3").id
    seen = race(app, database, monkeypatch, "_load",
                lambda kind, aggregate_id, field: aggregate_id == o3,
                lambda other: other.record_leaving("o3", "2025-06-25", "退休", meta=ADMIN))
    before = event_count(app)
    with pytest.raises(AuthorNotEnrolledError) as refused:
        app.submit(drafted, "2025-06-28", meta=CommandMeta(actor="wangfang"))

    assert seen == [1, 1] and refused.value.field == "authors"
    assert event_count(app) == before + 1  # the leaving alone
    assert app.get_submission(drafted)["status"] == "draft"
