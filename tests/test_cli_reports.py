"""``tally report``: the audit trail and the boards on the command line, run as real processes."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from store.bootstrap import init_database, open_tally
from store.settings import DatabaseSettings
from tests.report_history import History, office_history


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
