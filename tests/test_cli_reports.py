"""``tally report``: the audit trail and the boards on the command line, run as real processes."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from domain.application import CommandMeta, Tally
from projections.registry import open_projection
from store.bootstrap import init_database, open_tally
from store.settings import DatabaseSettings
from tests.bulletin_office import METHOD
from tests.report_history import History, office_history
from workflows.publication import close_period

SETUP = CommandMeta(actor="setup")


def tally(*args: str, url: str) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "TALLY_DATABASE_URL": url, "COLUMNS": "250"}
    return subprocess.run([sys.executable, "-m", "api", *args], env=env, capture_output=True,
                          timeout=120, check=False)


def recorded(settings: DatabaseSettings) -> History:
    app = open_tally(settings)
    try:
        return office_history(app)
    finally:
        app.close()


@pytest.fixture
def sqlite_store(tmp_path: Path) -> tuple[str, History]:
    settings = DatabaseSettings(f"sqlite:///{tmp_path / 'office.db'}")
    init_database(settings)
    return settings.url, recorded(settings)


def test_report_audit_per_officer_as_json(database: DatabaseSettings) -> None:
    history = recorded(database)
    result = tally("report", "audit", "--officer", "o2", "--format", "json", url=database.url)
    assert result.returncode == 0, result.stderr.decode()
    rows = json.loads(result.stdout.decode("utf-8"))
    assert {row["aggregate_kind"] for row in rows} == {"officer", "submission"}
    assert {row["aggregate_id"] for row in rows} - {history.item_a} == {rows[0]["aggregate_id"]}
    transfer = [row for row in rows if row["event"] == "Officer.Transferred"]
    assert transfer[0]["summary"] == "刘洋由县委办公室调入城关镇，2025-06-01起"
    assert (transfer[0]["reason"], transfer[0]["imported"]) == ("工作调动", False)
    assert rows[0]["known_at"] == "2025-01-02T09:00:00+08:00" and rows[0]["imported"] is True


def test_report_audit_as_csv_opens_in_excel_with_a_header_row(
    sqlite_store: tuple[str, History],
) -> None:
    url, history = sqlite_store
    result = tally("report", "audit", "--item", "A-2025-01", "--as-of", "2025-03-06",
                   "--format", "csv", url=url)
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(result.stdout.decode("utf-8-sig"))))
    assert rows[0][:4] == ["序号", "记录时间", "知悉时间", "导入"]
    assert [row[rows[0].index("事件")] for row in rows[1:]] == [
        "Submission.Drafted", "Submission.Submitted", "Submission.Approved",
        "Submission.SentToOutlet", "Submission.Adopted"]
    assert rows[-1][rows[0].index("摘要")].startswith("省委办公厅全文采用《关于春耕生产的情况》")
    assert {row[rows[0].index("导入")] for row in rows[1:]} == {"是"}


def test_report_audit_as_a_table_and_its_errors(sqlite_store: tuple[str, History]) -> None:
    url, _ = sqlite_store
    result = tally("report", "audit", "--unit", "u1", "--limit", "3", url=url)
    assert result.returncode == 0, result.stderr.decode()
    out = result.stdout.decode("utf-8")
    assert "审计记录（单位 u1）" in out and "登记单位县委办公室" in out and "共 3 行" in out
    unknown = tally("report", "audit", "--officer", "o9", url=url)
    assert unknown.returncode == 1
    assert "NotFoundError [officer]: no officer o9" in unknown.stderr.decode()
    assert b"Traceback" not in unknown.stderr


def test_report_boards_of_submissions_and_commissions(sqlite_store: tuple[str, History]) -> None:
    url, history = sqlite_store
    table = tally("report", "board", "submissions", url=url)
    assert table.returncode == 0, table.stderr.decode()
    assert "关于春耕生产的情况" in table.stdout.decode() and "待反馈" in table.stdout.decode()
    result = tally("report", "board", "submissions", "--status", "submitted", "--format", "json",
                   url=url)
    assert result.returncode == 0, result.stderr.decode()
    [item] = json.loads(result.stdout.decode("utf-8"))
    assert (item["id"], item["authors"], item["waiting_days"] > 0) == (
        history.item_b, ["王芳"], True)
    commissions = tally("report", "board", "commissions", "--format", "csv", url=url)
    assert commissions.returncode == 0, commissions.stderr.decode()
    rows = list(csv.DictReader(io.StringIO(commissions.stdout.decode("utf-8-sig"))))
    assert {(row["约稿编号"], row["单位"]): row["状态"] for row in rows} == {
        ("C1", "县委办公室"): "逾期未报", ("C1", "城关镇"): "已完成",
        ("C2", "县委办公室"): "已超期", ("C3", "城关镇"): "已超期"}
    assert rows[-1]["完成稿件"] == "《城关镇春耕备耕有序推进》"


def test_report_board_of_appeals(app: Tally, database: DatabaseSettings) -> None:
    history = office_history(app)
    app.file_appeal(history.item_a, "o1", "2025-06-01", "省级采用漏记",
                    meta=CommandMeta(actor="zhangwei"))
    result = tally("report", "board", "appeals", "--format", "json", url=database.url)
    assert result.returncode == 0, result.stderr.decode()
    [appeal] = json.loads(result.stdout.decode("utf-8"))
    assert (appeal["submission_id"], appeal["officer"], appeal["upheld"]) == (
        history.item_a, "o1", None)
    assert appeal["waiting"] == (app.today() - date(2025, 6, 1)).days


def test_report_audit_of_a_period_keeps_what_was_learned_in_it(
    sqlite_store: tuple[str, History],
) -> None:
    url, _ = sqlite_store
    result = tally("report", "audit", "--item", "A-2025-01", "--period", "2025-03",
                   "--as-of", "2025-03-06", "--format", "json", url=url)
    assert result.returncode == 0, result.stderr.decode()
    rows = json.loads(result.stdout.decode("utf-8"))
    assert [row["event"] for row in rows] == [
        "Submission.Drafted", "Submission.Submitted", "Submission.Approved",
        "Submission.SentToOutlet", "Submission.Adopted"]
    later = tally("report", "audit", "--item", "A-2025-01", "--period", "2025-04",
                  "--format", "json", url=url)
    march = {row["position"] for row in rows}
    assert not march & {row["position"] for row in json.loads(later.stdout.decode("utf-8"))}
    refused = tally("report", "audit", "--period", "2025-13", url=url)
    assert refused.returncode == 1 and b"[period]" in refused.stderr


def test_report_rewards_and_honours_of_a_closed_year_with_what_was_revoked(
        tmp_path: Path) -> None:
    settings = DatabaseSettings(f"sqlite:///{tmp_path / 'office.db'}")
    init_database(settings)
    app = open_tally(settings)
    try:
        history = office_history(app)
        app.publish_method(METHOD + "\n[honours.officers]\ntop = 2\n", meta=SETUP)
        ledger = open_projection(settings, "ledger")
        close_period(app, ledger, "2025", meta=SETUP)
        app.retract_adoption(history.item_a, "prov", "省委办公厅来函更正", meta=SETUP)
        late = app.draft_submission("城关镇春耕备耕情况续报", "info", "other", "o3",
                                    "2025-04-01", meta=SETUP)  # learned after the close
        app.submit(late, "2025-04-02", meta=SETUP)
        app.approve(late, "approver2", "2025-04-02T09:00", meta=SETUP)
        app.record_adoption(late, "prov", "full", "2025-04-05", meta=SETUP)
        ledger.view.datastore.close()
    finally:
        app.close()
    url = settings.url
    assert tally("workflows", "run", url=url).returncode == 0

    table = tally("report", "rewards", "--period", "2025-Q1", url=url)
    assert table.returncode == 0, table.stderr.decode()
    assert "2025-Q1期间奖励发放：2笔，实发0.00元" in table.stdout.decode()
    result = tally("report", "rewards", "--period", "2025-03", "--format", "csv", url=url)
    rows = list(csv.DictReader(io.StringIO(result.stdout.decode("utf-8-sig"))))
    assert sorted((row["信息员"], row["奖励（元）"], row["收回"]) for row in rows) == [
        ("刘洋", "250", "已撤销：撤销采用：省委办公厅来函更正"),
        ("张伟", "250", "已撤销：撤销采用：省委办公厅来函更正")]
    assert {row["稿件"] for row in rows} == {"《关于春耕生产的情况》"}

    honours = tally("report", "honours", "--year", "2025", "--format", "json", url=url)
    assert honours.returncode == 0, honours.stderr.decode()
    assert sorted((h["category"], h["name"], h["rank"], h["points"],
                   h["revoked_reason"].split("；")[0]) for h in json.loads(honours.stdout)) == [
        ("officers", "刘洋", 1, "10", "撤销采用：省委办公厅来函更正"),
        ("officers", "张伟", 1, "10", "撤销采用：省委办公厅来函更正")]
    refused = tally("report", "honours", "--year", "2025-Q1", url=url)
    assert refused.returncode == 1
    assert "InvalidInputError [year]" in refused.stderr.decode()

    # the office decides to fill the two places: the next two officers within the rules now
    no_reason = tally("workflows", "fill-honours", "--year", "2025", "--reason", " ",
                      "--actor", "编辑", url=url)
    assert no_reason.returncode == 1 and "[reason]" in no_reason.stderr.decode()
    filled = tally("workflows", "fill-honours", "--year", "2025", "--reason", "经研究决定递补",
                   "--actor", "编辑", url=url)
    assert filled.returncode == 0, filled.stderr.decode()
    assert "1 honours awarded" in filled.stdout.decode()
    rows = json.loads(tally("report", "honours", "--year", "2025", "--format", "json",
                            url=url).stdout)
    assert sorted((h["name"], h["revoked_reason"] is None, h["filled_by"], h["filled_reason"],
                   h["fills"]) for h in rows) == [
        ("刘洋", False, None, None, None),  # nobody else within the rules: the place stays
        ("张伟", False, "王芳", "经研究决定递补", None),
        ("王芳", True, None, None, "张伟")]
    table = tally("report", "honours", "--year", "2025", "--format", "csv", url=url).stdout
    assert "由王芳递补：经研究决定递补" in table.decode("utf-8-sig")
    again = tally("workflows", "fill-honours", "--year", "2025", "--reason", "再议",
                  "--actor", "编辑", url=url)
    assert again.returncode == 0 and "0 honours awarded" in again.stdout.decode()
