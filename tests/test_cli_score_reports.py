"""``tally report ranking|bulletin|quota|ledger|diff|what-if|targets|findings``, run as real
processes in every format, over the small office of ``tests.bulletin_office``."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from domain.application import Tally
from store.bootstrap import init_database, open_tally
from store.settings import DatabaseSettings
from tests.bulletin_office import ITEM_B, ITEM_C, METHOD, known, record_office
from tests.test_cli_reports import tally


def recorded(settings: DatabaseSettings) -> dict[str, str]:
    app = open_tally(settings)
    try:
        return record_office(app)
    finally:
        app.close()


@pytest.fixture(scope="module")
def office_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite store of the small office, shared by the module's format tests."""
    settings = DatabaseSettings(f"sqlite:///{tmp_path_factory.mktemp('cli') / 'office.db'}")
    init_database(settings)
    recorded(settings)
    return settings.url


def ok(result) -> str:  # noqa: ANN001 - a CompletedProcess
    assert result.returncode == 0, result.stderr.decode()
    return result.stdout.decode("utf-8")


def test_ranking_as_json_lists_rank_id_name_points_and_adoptions(
    database: DatabaseSettings,
) -> None:
    recorded(database)
    rows = json.loads(ok(tally("report", "ranking", "--period", "2025-Q1", "--format", "json",
                               url=database.url)))
    assert [(r["rank"], r["id"], r["name"], r["points"], r["adoptions"]) for r in rows] == [
        (1, "o1", "张伟", "50.00", 2), (1, "o2", "王芳", "50.00", 1),
        (3, "o3", "李娜", "0.00", 0), (3, "o4", "刘洋", "0.00", 0)]
    assert rows[2]["adoption_rate"] is None
    units = json.loads(ok(tally("report", "ranking", "--period", "2025-03", "--by", "unit",
                                "--level", "city", "--format", "json", url=database.url)))
    assert [(r["id"], r["points"], r["adoptions"]) for r in units][0] == ("u1", "10.00", 1)


def test_the_bulletin_as_a_workbook_has_chinese_headers_widths_and_number_formats(
    database: DatabaseSettings, tmp_path: Path,
) -> None:
    recorded(database)
    path = tmp_path / "通报.xlsx"
    result = tally("report", "bulletin", "--period", "2025-03", "--format", "xlsx",
                   "--output", str(path), url=database.url)
    assert ok(result) == ""
    workbook = load_workbook(path)
    assert "2025-03 信息员" in workbook.sheetnames and "2025-03 单位" in workbook.sheetnames
    sheet = workbook["2025-03 信息员"]
    headers = [cell.value for cell in sheet[1]]
    assert headers[:6] == ["名次", "编号", "姓名", "所在单位", "本期得分", "累计得分"]
    by_code = {row[1].value: row for row in sheet.iter_rows(min_row=2)}
    zhang = by_code["o1"]
    points, ytd = zhang[headers.index("本期得分")], zhang[headers.index("累计得分")]
    assert (Decimal(str(points.value)), Decimal(str(ytd.value))) == (20, 50)
    assert points.number_format == "0.00"
    completion = zhang[headers.index("累计完成率")]
    assert (round(completion.value, 3), completion.number_format) == (0.666, "0.0%")
    assert by_code["o3"][headers.index("采用率")].value is None
    assert sheet.column_dimensions["B"].width >= 4 and sheet.freeze_panes == "A2"
    assert by_code[None][2].value == "合计"


def test_the_bulletin_as_csv_table_and_json(office_url: str) -> None:
    text = ok(tally("report", "bulletin", "--period", "2025-03", "--by", "unit",
                    "--format", "csv", url=office_url))
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    assert [(r["编号"], r["本期得分"], r["累计得分"], r["本期完成率"]) for r in rows] == [
        ("u1", "70.00", "90.00", "100.0%"), ("u2", "0.00", "0.00", ""), ("", "70.00", "90.00",
                                                                          "100.0%")]
    table = ok(tally("report", "bulletin", "--period", "2025-Q1", url=office_url))
    for shown in ("2025年第一季度信息宣传工作评定", "季评定", "等次", "合格", "排名规则",
                  "优秀（完成率≥100%）", ITEM_C):
        assert shown in table, shown
    content = json.loads(ok(tally("report", "bulletin", "--period", "2025", "--as-of",
                                  "2025-03-31", "--format", "json", url=office_url)))
    assert (content["kind"], content["as_of"]) == ("year", "2025-03-31T23:59:59.999999+08:00")
    assert ITEM_B not in {item["title"] for item in content["top_items"]}  # known 1 April


def test_quota_progress_in_each_format(office_url: str, tmp_path: Path) -> None:
    table = ok(tally("report", "quota", "--period", "2025", "--as-of", "2025-04-15",
                     url=office_url))
    assert "截至3月应完成" in table and "落后" in table and "1/1" in table
    text = ok(tally("report", "quota", "--period", "2025-Q1", "--as-of", "2025-04-15",
                    "--format", "csv", url=office_url))
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    assert [(r["月份"], r["当月目标"], r["当月完成"], r["累计完成率"]) for r in rows
            if r["编号"] == "o1"] == [("1", "1", "0", "0.0%"), ("2", "1", "1", "50.0%"),
                                     ("3", "1", "1", "66.6%")]
    progress = json.loads(ok(tally("report", "quota", "--period", "2025", "--by", "unit",
                                   "--as-of", "2025-04-15", "--format", "json",
                                   url=office_url)))
    assert [(h["id"], h["behind"]) for h in progress["holders"]] == [("u1", True),
                                                                    ("u2", False)]
    path = tmp_path / "quota.xlsx"
    ok(tally("report", "quota", "--period", "2025", "--format", "xlsx", "--output", str(path),
             url=office_url))
    sheet = load_workbook(path).worksheets[1]
    assert [c.value for c in sheet[1]][:4] == ["编号", "姓名", "所在单位", "月份"]


def test_the_ledger_the_difference_and_what_if(office_url: str, tmp_path: Path) -> None:
    lines = json.loads(ok(tally("report", "ledger", "--period", "2025-03", "--format", "json",
                                url=office_url)))
    zhang = [(line["kind"], line["points"]) for line in lines if line["id"] == "o1"]
    assert sorted(zhang) == [("adoption", "10.00"), ("quota", "10.00")]
    assert "目标任务" in ok(tally("report", "ledger", "--period", "2025-03", "--by", "unit",
                                url=office_url))
    difference = json.loads(ok(tally("report", "diff", "--period", "2025-03", "--before",
                                     "2025-03-31", "--after", "2025-04-01", "--format", "json",
                                     url=office_url)))
    # the adoption learned on 1 April, and March's quota base it completed (a period rule's
    # line, known when its fact was): the causes add up to the change
    cause, rule = difference["causes"]
    assert (cause["id"], cause["points"], cause["known_at"]) == (
        "o1", "10.00", "2025-04-01T09:00:00+08:00")
    assert ITEM_B in cause["fact"] and "市委办公室" in cause["fact"]
    assert (rule["id"], rule["clause"], rule["points"], rule["known_at"]) == (
        "o1", "quota.monthly_base", "10.00", "")
    holder = difference["holders"][0]  # the rest only moved in rank
    assert (holder["id"], holder["change"]) == ("o1", "20.00")
    method = tmp_path / "double.toml"
    method.write_text(METHOD.replace("provincial = { full = 20, merged = 10",
                                     "provincial = { full = 40, merged = 20"), encoding="utf-8")
    text = ok(tally("report", "what-if", "--period", "2025-Q1", "--method", str(method),
                    "--format", "csv", url=office_url))
    rows = {r["编号"]: r for r in csv.DictReader(io.StringIO(text.removeprefix("\ufeff")))}
    assert (rows["o1"]["现行得分"], rows["o1"]["假设得分"], rows["o1"]["变化"]) == (
        "50.00", "70.00", "20.00")


def test_targets_and_findings_lists(office_url: str) -> None:
    targets = json.loads(ok(tally("report", "targets", "--year", "2025", "--format", "json",
                                  url=office_url)))
    assert [(t["holder_kind"], t["holder"], t["items"]) for t in targets] == [
        ("unit", "u1", 24), ("officer", "o1", 12), ("officer", "o3", 12)]
    table = ok(tally("report", "targets", "--year", "2025", "--by", "unit", url=office_url))
    assert "目标篇数" in table and "县委办公室" in table and "张伟" not in table
    assert json.loads(ok(tally("report", "findings", "--period", "2025", "--format", "json",
                               url=office_url))) == []
    refused = tally("report", "findings", "--period", "2025", "--by", "unit", "--holder", "u9",
                    url=office_url)
    assert refused.returncode == 1 and "[holder]" in refused.stderr.decode()


def test_bad_options_name_their_field(office_url: str) -> None:
    for args, field in ((["--period", "2025-13"], "period"),
                        (["--period", "2025", "--by", "team"], "by"),
                        (["--period", "2025", "--as-of", "yesterday"], "as_of"),
                        (["--period", "2025", "--order", "luck"], "order")):
        result = tally("report", "ranking", *args, url=office_url)
        assert result.returncode == 1, args
        assert f"[{field}]" in result.stderr.decode() and b"Traceback" not in result.stderr


def test_a_late_fact_changes_the_present_ranking_not_the_earlier_one(
    database: DatabaseSettings,
) -> None:
    items = recorded(database)
    before = ok(tally("report", "ranking", "--period", "2025-03", "--as-of", "2025-04-02",
                      "--format", "json", url=database.url))
    app: Tally = open_tally(database)
    try:
        app.record_instruction(items[ITEM_B], "provincial", "副省长", "2025-03-31", "阅",
                               meta=known("2025-04-05"))
    finally:
        app.close()
    assert ok(tally("report", "ranking", "--period", "2025-03", "--as-of", "2025-04-02",
                    "--format", "json", url=database.url)) == before
    now = json.loads(ok(tally("report", "ranking", "--period", "2025-03", "--format", "json",
                              url=database.url)))
    assert (now[0]["id"], now[0]["points"]) == ("o1", "60.00")
