"""Changes to the directory and the plan in the ledger files: units renamed, reclassified and
closed, officers leaving, targets adjusted and findings withdrawn are exported as rows and
imported again as the same facts, known at the same moments; a closing in the files moves the
officers still in the unit, as the command does."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from api.ledger_export import export_ledgers
from api.ledger_import import ImportReport, import_ledgers
from domain.account import Account
from domain.application import CommandMeta, Tally
from domain.commission import Commission
from domain.finding import Finding
from domain.method_book import MethodBook
from domain.officer import Officer
from domain.submission import Submission
from domain.target import Target
from domain.unit import Unit
from domain.values import HolderKind
from projections.registry import open_projection
from projections.runner import refresh
from projections.scores import ScoreReports
from store.bootstrap import open_tally
from store.settings import DatabaseSettings
from tests.conftest import event_count, fresh_store

LEDGERS = Path(__file__).parent / "data" / "ledgers"
META = CommandMeta(actor="admin")


@pytest.fixture
def other(database: DatabaseSettings, request: pytest.FixtureRequest,
          tmp_path: Path) -> Iterator[Tally]:
    """A second fresh store on the same backend, to import into."""
    folder = tmp_path / "other"
    folder.mkdir()
    with fresh_store(database.backend, request, folder) as settings:
        tally = open_tally(settings)
        SETTINGS[id(tally)] = settings
        yield tally
        tally.close()


@pytest.fixture(autouse=True)
def settings_of_app(app: Tally, database: DatabaseSettings) -> None:
    SETTINGS[id(app)] = database


SETTINGS: dict[int, DatabaseSettings] = {}  # each store's settings, by its Tally


def imported(app: Tally, source: Path) -> ImportReport:
    report = import_ledgers(app, source)
    assert report.ok, report.errors
    return report


def events(app: Tally) -> list[Any]:
    return [event for event, _ in known(app)]


def known(app: Tally) -> list[tuple[Any, datetime]]:
    """Each event, with the moment the office knew it (its record time, unless given)."""
    found = []
    for notification in app.recorder.select_notifications(start=1, limit=10_000):
        event = app.mapper.to_domain_event(notification)
        found.append((event, event.cause.known_at
                      or notification.recorded_at))  # type: ignore[attr-defined]
    return found


def facts(app: Tally) -> Counter[tuple[Any, ...]]:
    """Each event by kind, aggregate, version and the moment it was known."""
    return Counter((type(e).__qualname__, e.originator_id, e.originator_version, moment)
                   for e, moment in known(app))


def rankings(app: Tally) -> dict[tuple[str, str], Any]:
    ledger = open_projection(SETTINGS[id(app)], "ledger")
    try:
        refresh(app, ledger)
        reports = ScoreReports(ledger.view)
        return {(period, by): reports.ranking(period, by)
                for period in ("2025", "2025-H1", "2025-H2") for by in ("unit", "officer")}
    finally:
        ledger.view.datastore.close()  # type: ignore[attr-defined]


def write(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(exist_ok=True)
    for name, content in files.items():
        (folder / name).write_text(content, encoding="utf-8")
    return folder


def changed(app: Tally) -> None:
    """The small ledger, then every kind of change the files now hold."""
    imported(app, LEDGERS / "small")
    app.register_unit("u3", "东街社区", "C类", "2025-01-02", meta=META)
    app.enrol_officer("o3", "李娜", "u3", "2025-01-03", meta=META)
    app.enrol_officer("o4", "赵强", "u2", "2025-01-03", meta=META)
    app.rename_unit("u2", "城关街道", "2025-05-01", "撤镇设街道", meta=META)
    app.reclassify_unit("u1", "B类", "年中调整分类", meta=META)
    app.adjust_target("unit", "u1", 2025, 30, "120", "任务加码", meta=META)
    app.record_leaving("o4", "2025-06-15", "退休", meta=META)
    app.close_unit("u3", "2025-07-01", "机构改革", successor="u1", meta=META)
    app.record_finding("error", "unit", "u1", "2025-04-02", "数据差错", ref="F1", meta=META)
    app.withdraw_finding(str(Finding.create_id("F1")), "复核后撤销", meta=META)
    app.record_finding("missed", "unit", "u2", "2025-04-03", "漏报", meta=META)
    unreferenced = next(e.originator_id for e in events(app)
                        if isinstance(e, Finding.Recorded) and e.ref is None)
    app.withdraw_finding(str(unreferenced), "重复登记", meta=META)
    app.rename_outlet("city", "市委办公室（市委政研室）", "机构改革", meta=META)
    # a commission and a finding without a reference, which stand
    app.issue_commission("秋季重点工作", ["u1"], "2025-08-01", "2025-08-31", meta=META)
    app.record_finding("missed", "unit", "u1", "2025-08-05", "迟报", meta=META)
    # a draft revised and not submitted yet, and one revised before it was submitted
    draft = app.draft_submission("关于秋粮收购的情况", "info", "other", "o1", "2025-09-01",
                                 meta=META)
    app.revise_submission(draft, "关于秋粮收购进展的情况", "other", "o1", "2025-09-01",
                          meta=META)
    later = app.draft_submission("城关镇防汛工作动态", "info", "other", "o2", "2025-07-01",
                                 meta=META)
    app.revise_submission(later, "城关镇防汛抗旱工作动态", "other", "o2", "2025-07-02",
                          meta=META)
    app.submit(later, "2025-07-03", meta=META)
    app.grant_role("approver-u2", "editor", meta=META)
    app.revoke_role("approver-u2", "editor", "岗位调整", meta=META)
    app.close_account("approver-u1", "调离", meta=META)
    s1, s2 = (str(Submission.create_id(code)) for code in ("s1", "s2"))
    app.file_appeal(s1, "o1", "2025-03-01", "采用级别登记有误", meta=META)
    app.decide_appeal(s1, 1, False, "2025-03-05", "登记无误", meta=META)
    app.file_appeal(s2, "o2", "2025-03-20", "漏登市领导批示", meta=META)
    app.decide_appeal(s2, 1, True, "2025-03-25", "补登批示", correction=(
        "record_instruction", {"leader_level": "city", "leader": "市委书记",
                               "instructed_on": "2025-03-15"}), meta=META)
    # a version published wrong and withdrawn, its correction on the same day, rescheduled
    app.publish_method(method("wrong-2026", "2026-01-01"), meta=META)
    app.withdraw_method("wrong-2026", "发布有误", meta=META)
    app.publish_method(method("office-2026", "2026-01-01"), meta=META)
    app.reschedule_method("office-2026", "2026-02-01", "推迟执行", meta=META)


def method(code: str, effective_from: str) -> str:
    """The small ledger's method under another code and date."""
    text = (LEDGERS / "small" / "method.toml").read_text(encoding="utf-8")
    return text.replace('code = "office-2025"', f'code = "{code}"').replace(
        "effective_from = 2025-01-01", f"effective_from = {effective_from}")


# The round trip -------------------------------------------------------------------------------

def test_every_change_is_exported_and_imported_as_the_same_fact(
    app: Tally, other: Tally, tmp_path: Path,
) -> None:
    changed(app)

    report = export_ledgers(app, tmp_path / "out")

    assert report.not_exported == Counter()
    assert {name: report.rows[name] for name in (
        "unit_renames.csv", "unit_classes.csv", "unit_closings.csv", "leavings.csv",
        "target_adjustments.csv", "withdrawn_findings.csv")} == {
        "unit_renames.csv": 1, "unit_classes.csv": 1, "unit_closings.csv": 1,
        "leavings.csv": 1, "target_adjustments.csv": 1, "withdrawn_findings.csv": 2}
    assert (report.rows["account_changes.csv"], report.rows["appeals.csv"],
            report.rows["appeal_decisions.csv"], report.rows["outlet_renames.csv"],
            report.rows["revisions.csv"]) == (3, 2, 2, 1, 2)
    assert report.methods == ["office-2025", "wrong-2026", "office-2026"]
    assert report.rows["method_changes.csv"] == 5
    # The officer the closing moved is no row: the closing moves the officer again.
    assert "transfers.csv" not in report.rows

    again = imported(other, tmp_path / "out")

    assert again.commands["close_unit"] == 1 and again.commands["withdraw_finding"] == 2
    assert (again.commands["publish_method"], again.commands["withdraw_method"],
            again.commands["reschedule_method"]) == (3, 1, 1)
    # Every fact is the same event of the same aggregate, known alike. A finding or an item
    # recorded without a reference is exported with its id for a code, and keeps both: the
    # id, and no reference.
    created = (Commission.Issued, Finding.Recorded, Submission.Drafted)
    unreferenced = {e.originator_id for e in events(app)
                    if isinstance(e, created) and e.ref is None}
    assert len(unreferenced) == 5
    assert {e.originator_id for e in events(other)
            if isinstance(e, created) and e.ref is None} == unreferenced
    # The officer the closing moved is known at the closing's moment (the store stamps each
    # event of a command apart, PostgreSQL by some microseconds).
    [closed] = [moment for e, moment in known(app) if isinstance(e, Unit.Closed)]
    moved = ("Officer.Transferred", Officer.create_id("o3"), 2)
    assert facts(other) == Counter({
        (kind, aggregate, version, closed if (kind, aggregate, version) == moved else moment): n
        for (kind, aggregate, version, moment), n in facts(app).items()})
    assert rankings(other) == rankings(app)


def test_the_imported_changes_hold_as_they_did(app: Tally, other: Tally, tmp_path: Path) -> None:
    changed(app)
    export_ledgers(app, tmp_path / "out.xlsx")

    imported(other, tmp_path / "out.xlsx")

    u2 = other.repository.get(Unit.create_id("u2"))
    assert (u2.name_on(date(2025, 4, 30)), u2.name_on(date(2025, 5, 1))) == ("城关镇", "城关街道")
    assert other.repository.get(Unit.create_id("u1")).unit_class == "B类"
    u3 = other.repository.get(Unit.create_id("u3"))
    assert (u3.closed_on, u3.successor_id) == (date(2025, 7, 1), Unit.create_id("u1"))
    assert other.officer_unit_on("o3", "2025-07-01") == "u1"
    assert other.officer_unit_on("o4", "2025-06-15") is None
    target = other.repository.get(Target.create_id(HolderKind.UNIT, Unit.create_id("u1"), 2025))
    assert (target.items, str(target.points)) == (30, "120")
    findings = [other.repository.get(e.originator_id) for e in events(other)
                if isinstance(e, Finding.Recorded)]
    assert {f.found_on.isoformat(): f.withdrawn for f in findings} == {
        "2025-04-02": True, "2025-04-03": True, "2025-08-05": False}
    approver = other.repository.get(Account.create_id("approver-u2"))
    assert [role.value for role in approver.roles] == ["approver"]
    assert other.repository.get(Account.create_id("approver-u1")).closed
    item = other.repository.get(Submission.create_id("s2"))
    assert [(a.number, a.upheld) for a in item.appeals] == [(1, True)]
    assert [(i.number, i.leader_level.value) for i in item.instructions] == [(1, "city")]
    unit_ranking = rankings(other)[("2025-H2", "unit")]
    assert "u3" not in {row["id"] for row in unit_ranking}


# Hand-written files -------------------------------------------------------------------------

DIRECTORY = {
    "units.csv": "unit_id,name,class,registered_on\nu1,县委办公室,A类,2025-01-02\n"
                 "u2,城关镇,B类,2025-01-02\n",
    "officers.csv": "officer_id,name,unit_id,enrolled_on\no1,张伟,u2,2025-01-02\n"
                    "o2,王芳,u2,2025-01-02\n",
}


@pytest.mark.parametrize("store_first", [False, True], ids=["same-run", "in-the-store"])
def test_a_closing_moves_the_officers_still_in_the_unit_to_its_successor(
    app: Tally, tmp_path: Path, store_first: bool,
) -> None:
    closing = {"unit_closings.csv": "unit_id,closed_on,successor_id,reason\n"
                                    "u2,2025-07-01,u1,机构改革\n"}
    if store_first:  # the officers come from the store, the closing from the files
        imported(app, write(tmp_path / "directory", DIRECTORY))
        report = imported(app, write(tmp_path / "closing", closing))
    else:
        report = imported(app, write(tmp_path / "both", DIRECTORY | closing))

    assert report.commands["close_unit"] == 1
    assert [app.officer_unit_on(code, "2025-07-01") for code in ("o1", "o2")] == ["u1", "u1"]
    assert app.officer_unit_on("o1", "2025-06-30") == "u2"


def test_a_closing_without_a_successor_is_refused_while_officers_remain(
    app: Tally, tmp_path: Path,
) -> None:
    report = import_ledgers(app, write(tmp_path / "files", DIRECTORY | {
        "leavings.csv": "officer_id,left_on\no1,2025-06-30\n",
        "unit_closings.csv": "unit_id,closed_on,reason\nu2,2025-07-01,机构改革\n"}))

    assert [(e.file, e.line, e.field) for e in report.errors] == [
        ("unit_closings.csv", 2, "successor_id")]
    assert "o2" in report.errors[0].message and "o1" not in report.errors[0].message
    assert event_count(app) == 0


def test_a_change_to_nothing_known_is_refused_naming_file_line_and_column(
    app: Tally, tmp_path: Path,
) -> None:
    report = import_ledgers(app, write(tmp_path / "files", DIRECTORY | {
        "unit_renames.csv": "unit_id,name,effective_on,reason\nu9,新名,2025-03-01,更名\n",
        "target_adjustments.csv": "holder_id,year,items,reason\nu1,2025,10,加码\n",
        "withdrawn_findings.csv": "finding_id,reason\nF9,撤销\n",
        "leavings.csv": "officer_id,left_on\no1,2025-13-01\n",
        "account_changes.csv": "username,change,role,reason\nnobody,closed,,\n"
                               "nobody,granted,chief,\n",
        "appeals.csv": "submission_id,officer_id,filed_on,reason\ns9,o1,2025-03-01,有误\n"}))

    assert sorted((e.file, e.line, e.field) for e in report.errors) == [
        ("account_changes.csv", 2, "reason"), ("account_changes.csv", 2, "username"),
        ("account_changes.csv", 3, "role"), ("account_changes.csv", 3, "username"),
        ("appeals.csv", 2, "submission_id"), ("leavings.csv", 2, "left_on"),
        ("target_adjustments.csv", 2, "year"),
        ("unit_renames.csv", 2, "unit_id"), ("withdrawn_findings.csv", 2, "finding_id")]
    assert event_count(app) == 0


def test_method_changes_are_named_by_file_line_and_column(app: Tally, tmp_path: Path) -> None:
    files = write(tmp_path / "files", {
        "method.toml": method("office-2025", "2025-01-01"),
        "method_changes.csv": "code,change,effective_from,reason\n"
                              "office-2025,rescheduled,,推迟\n"
                              "office-2024,withdrawn,,有误\n"
                              "office-2025,withdrawn,,\n"
                              "office-2025,renamed,,\n"})

    report = import_ledgers(app, files)

    assert sorted((e.file, e.line, e.field) for e in report.errors) == [
        ("method_changes.csv", 2, "effective_from"), ("method_changes.csv", 3, "code"),
        ("method_changes.csv", 4, "reason"), ("method_changes.csv", 5, "change")]
    assert event_count(app) == 0


def test_a_method_is_known_when_its_published_row_says(app: Tally, tmp_path: Path) -> None:
    imported(app, write(tmp_path / "files", {
        "method.toml": method("office-2025", "2025-01-01"),
        "method_changes.csv": "code,change,known_on\noffice-2025,published,2024-12-20\n",
        "units.csv": "unit_id,name,class,registered_on\nu1,县委办公室,A类,2025-01-02\n"}))

    [(published, moment)] = [(e, m) for e, m in known(app)
                             if isinstance(e, MethodBook.VersionPublished)]
    assert moment.astimezone(app.zone).isoformat() == "2024-12-20T23:59:59+08:00"


def test_at_one_moment_a_methods_changes_keep_the_order_of_their_rows(
        app: Tally, tmp_path: Path) -> None:
    """A version withdrawn and its correction published for the same day, both known on 10
    December: the withdrawal's row comes first, so the correction's date is free."""
    report = imported(app, write(tmp_path / "files", {
        "method-a.toml": method("wrong-2026", "2026-01-01"),
        "method-b.toml": method("office-2026", "2026-01-01"),
        "method_changes.csv": "code,change,reason,known_on\n"
                              "wrong-2026,published,,2025-12-01\n"
                              "wrong-2026,withdrawn,发布有误,2025-12-10\n"
                              "office-2026,published,,2025-12-10\n"}))

    assert report.commands["publish_method"] == 2 and report.commands["withdraw_method"] == 1
    assert app.repository.get(MethodBook.create_id()).versions["wrong-2026"].withdrawn
    assert not app.repository.get(MethodBook.create_id()).versions["office-2026"].withdrawn
