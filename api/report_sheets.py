"""What each score report shows: its tables (sheets), their Chinese headings and number kinds.

Pure functions from the reports' plain data to ``Sheet`` s; the command line picks the format.
"""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

from api.report_output import (
    Column,
    Row,
    Sheet,
    count,
    decimal,
    money,
    percent,
    rate,
    text,
)
from domain.scoring import CENT
from domain.standings import Standing
from projections.bulletins import GRADE_BELOW, GRADE_THRESHOLDS, standing_row
from projections.labels import CHANNELS, LEVELS, label

HOLDER_NAMES = {"officer": "信息员", "unit": "单位"}
LINE_KINDS = {"adoption": "采用", "submission": "报送", "instruction": "领导批示",
              "bonus": "加分", "deduction": "扣分", "reward": "奖励", "quota": "目标任务",
              "adjustment": "期间调整"}
MONTHS = 12


def holder_name(by: str) -> str:
    return HOLDER_NAMES.get(by, by)


def naming(by: str) -> list[Column]:
    columns = [text("id", "编号", wrap=False),
               text("name", "姓名" if by == "officer" else "单位", wrap=False)]
    if by == "officer":
        columns.append(text("unit", "所在单位", wrap=False))
    return columns


# Ranking ---------------------------------------------------------------------------------

def ranking_rows(standings: list[Standing]) -> list[Row]:
    return [standing_row(s) for s in standings]


def ranking_sheet(rows: list[Row], by: str, title: str) -> Sheet:
    columns = [count("rank", "名次"), *naming(by), decimal("points", "得分"),
               money("money", "奖励（元）"), count("adoptions", "采用"),
               count("submitted", "报送"), rate("adoption_rate", "采用率"),
               count("items", "计任务篇数")]
    return Sheet(title, rows, columns)


# Bulletin --------------------------------------------------------------------------------

def bulletin_holder_columns(by: str, quarterly: bool) -> list[Column]:
    columns = [
        count("rank", "名次"), *naming(by),
        decimal("points", "本期得分"), decimal("ytd_points", "累计得分"),
        money("money", "本期奖励（元）"), money("ytd_money", "累计奖励（元）"),
        count("adoptions", "本期采用"),
        *[count(f"adoptions_by_level.{code}", f"{name}采用") for code, name in LEVELS.items()],
        count("ytd_adoptions", "累计采用"), count("submitted", "本期报送"),
        rate("adoption_rate", "采用率"),
        count("items", "本期计任务篇数"), count("target_items", "本期目标篇数"),
        percent("completion", "本期完成率"),
        count("ytd_items", "累计计任务篇数"), count("ytd_target_items", "累计目标篇数"),
        percent("ytd_completion", "累计完成率"), count("ytd_rank", "累计名次"),
    ]
    if quarterly:
        columns.append(text("grade", "等次"))
    return columns


#: The bulletin columns that fit a terminal; CSV, XLSX and JSON carry them all.
BULLETIN_TABLE = ("rank", "id", "name", "unit", "points", "ytd_points", "money", "adoptions",
                  "ytd_adoptions", "submitted", "adoption_rate", "completion",
                  "ytd_completion", "ytd_rank", "grade")


def holder_sheet(title: str, rows: list[Row], by: str, quarterly: bool) -> Sheet:
    columns = bulletin_holder_columns(by, quarterly)
    return Sheet(title, rows, columns,
                 table_columns=[c for c in columns if c.key in BULLETIN_TABLE])


def with_total(rows: list[Row], total: dict[str, Any]) -> list[Row]:
    return [*rows, {**total, "rank": None, "id": "", "name": "合计", "unit": "",
                    "adoption_rate": None, "ytd_rank": None, "grade": ""}]


def bulletin_sheets(content: dict[str, Any]) -> list[Sheet]:
    """概况, 采用单位, 单位, 信息员, 重要采用, 领导批示 (and 年度重点稿件 at year end)."""
    quarterly = content["kind"] == "quarter"
    label_of = content["period"]["label"]
    levels = [*content["summary"]["adoptions_by_level"],
              {"name": "合计", "level": "", **content["summary"]["adoptions_by_channel"],
               "total": content["summary"]["adoptions"]}]
    sheets = [
        Sheet(f"{label_of} 采用情况（按级别）", levels,
              [text("name", "级别"), count("info", "政务信息"), count("publicity", "宣传稿件"),
               count("total", "合计")]),
        Sheet(f"{label_of} 采用情况（按采用单位）", content["summary"]["adoptions_by_outlet"],
              [text("name", "采用单位"), text("level_name", "级别"),
               text("channel_name", "渠道"), count("count", "采用次数")]),
        holder_sheet(f"{label_of} 单位", with_total(content["units"], content["unit_totals"]),
                     "unit", quarterly),
        holder_sheet(f"{label_of} 信息员",
                     with_total(content["officers"], content["officer_totals"]), "officer",
                     quarterly),
        Sheet(f"{label_of} 国家级省级采用", content["highlights"]["high_level_adoptions"],
              [text("title", "标题"), text("outlet_name", "采用单位"), text("level_name", "级别"),
               text("form", "采用方式"), text("adopted_on", "采用日期"),
               text("authors", "作者"), text("units", "单位"), decimal("points", "得分")]),
        Sheet(f"{label_of} 领导批示", content["highlights"]["instructions"],
              [text("title", "标题"), text("leader", "批示领导"), text("level_name", "级别"),
               text("instructed_on", "批示日期"), text("authors", "作者"),
               text("units", "单位")]),
    ]
    if "top_items" in content:
        sheets.append(Sheet(f"{label_of} 年度重点稿件", content["top_items"],
                            [count("rank", "名次"), text("title", "标题"),
                             text("authors", "作者"), text("units", "单位"),
                             decimal("points", "得分"), money("money", "奖励（元）"),
                             count("adoptions", "采用次数"),
                             Column("highest_level", "最高采用级别",
                                    lambda r: label(LEVELS, r["highest_level"] or ""))]))
        for channel, tables in content["channel_rankings"].items():
            for by in ("unit", "officer"):
                sheets.append(ranking_sheet(tables[f"{by}s"], by,
                                            f"{label_of} {label(CHANNELS, channel)}"
                                            f"{holder_name(by)}排名"))
    return sheets


def bulletin_notes(content: dict[str, Any]) -> list[str]:
    log = content["log"]
    notes = [f"排名规则：{content['tie_rule']}", f"完成率：{content['completion_rule']}"]
    if content["kind"] == "quarter":
        notes.append("等次：" + "，".join(f"{name}（完成率≥{least}%）"
                                        for least, name in GRADE_THRESHOLDS)
                     + f"，其余为{GRADE_BELOW}；未定目标的不评定。")
    notes.append(f"本期 {content['period']['start']} 至 {content['period']['end']}，"
                 f"累计 {content['year_to_date']['start']} 至 {content['year_to_date']['end']}；"
                 f"计分办法 {'、'.join(content['methods']) or '无'}")
    notes.append(f"截至 {content['as_of'] or '现在'}：事实 {log['facts']} 条，"
                 f"最后位置 {log['last_position']}，最后知悉 {log['last_known_at']}")
    return notes


# Quota progress ----------------------------------------------------------------------------

def quota_cells(holder: Row) -> Row:
    """One row per holder for the terminal: each month as done/target."""
    row = dict(holder)
    for month in holder["months"]:
        target = month["target"]
        row[f"m{month['month']}"] = f"{month['done']}/{'' if target is None else target}"
    row["behind_text"] = "落后" if holder["behind"] else ""
    return row


def quota_monthly_rows(progress: dict[str, Any]) -> list[Row]:
    return [{"id": holder["id"], "name": holder["name"], "unit": holder["unit"], **month}
            for holder in progress["holders"] for month in holder["months"]]


def quota_sheets(progress: dict[str, Any]) -> list[Sheet]:
    by = progress["by"]
    through = progress["assessed_through"]
    summary = [quota_cells(h) for h in progress["holders"]]
    months = [m["month"] for m in (progress["holders"][0]["months"]
                                   if progress["holders"] else [])]
    summary_columns = [
        *naming(by), count("year_target", "年度目标篇数"),
        percent("year_completion", "年度完成率"), count("due_target", f"截至{through}月应完成"),
        count("due_done", f"截至{through}月已完成"), percent("completion", "完成率"),
        count("shortfall", "差额"), text("behind_text", "落后"),
    ]
    month_columns = [text(f"m{m}", f"{m}月") for m in months]
    monthly = [*naming(by), count("month", "月份"), count("target", "当月目标"),
               count("done", "当月完成"), count("cumulative_target", "累计目标"),
               count("cumulative_done", "累计完成"), percent("completion", "累计完成率")]
    title = f"{progress['period']} {holder_name(by)}目标完成进度"
    return [
        Sheet(title, summary, summary_columns, table_columns=summary_columns + month_columns,
              dim=lambda r: not r["behind"]),
        Sheet(f"{progress['period']} 逐月明细", quota_monthly_rows(progress), monthly),
    ]


# Targets and findings ----------------------------------------------------------------------

HOLDER_COLUMNS = [text("holder_kind_name", "类别", wrap=False), text("holder", "编号", wrap=False),
                  text("name", "名称", wrap=False), text("unit", "所在单位", wrap=False)]


def _named_kinds(rows: list[Row]) -> list[Row]:
    return [{**row, "holder_kind_name": holder_name(row["holder_kind"])} for row in rows]


def targets_sheet(rows: list[Row], title: str) -> Sheet:
    return Sheet(title, _named_kinds(rows), [
        *HOLDER_COLUMNS, count("year", "年度"), count("items", "目标篇数"),
        decimal("points", "目标分数"), text("monthly_items", "各月篇数")])


def findings_sheet(rows: list[Row], title: str) -> Sheet:
    return Sheet(title, _named_kinds(rows), [
        text("found_on", "发现日期", wrap=False), text("kind_name", "问题", wrap=False),
        *HOLDER_COLUMNS, text("reason", "原因"), decimal("points", "扣分"),
        text("id", "编号", wrap=False)])


# Ledger, difference, what-if ---------------------------------------------------------------

def ledger_rows(standings: list[Standing], officer_names: dict[str, str]) -> list[Row]:
    """Every line of every standing, in rank order; a unit's lines name their officer."""
    rows = []
    for standing in standings:
        for line in sorted(standing.lines, key=lambda x: (x.valid_on, x.kind, x.ref, x.clause)):
            rows.append({
                "rank": standing.rank, "id": standing.code, "name": standing.name,
                "unit": standing.unit_name, "valid_on": line.valid_on.isoformat(),
                "officer": officer_names.get(line.officer_id or "", ""),
                "kind": line.kind, "fact": line.fact, "clause": line.clause,
                "method": line.method, "channel": line.channel.value if line.channel else None,
                "level": line.level.value if line.level else None,
                "points": str(line.points.quantize(CENT)), "money": str(line.money.quantize(CENT)),
            })
    return rows


def ledger_sheet(rows: list[Row], by: str, title: str) -> Sheet:
    columns = [*naming(by), *([text("officer", "信息员", wrap=False)] if by == "unit" else []),
               text("valid_on", "日期"),
               Column("kind", "类别", lambda r: label(LINE_KINDS, r["kind"])),
               text("fact", "事实"), text("clause", "计分条款"), text("method", "计分办法"),
               Column("channel", "渠道", lambda r: label(CHANNELS, r["channel"] or "")),
               Column("level", "级别", lambda r: label(LEVELS, r["level"] or "")),
               decimal("points", "得分"), money("money", "奖励（元）")]
    table = [c for c in columns if c.key not in ("method", "channel", "level")]
    return Sheet(title, rows, columns, table_columns=table)


def difference_document(difference: dict[str, Any], zone: tzinfo) -> dict[str, Any]:
    """The difference with each cause's known time in office time, and causes per holder."""
    causes = list(difference["causes"])  # known times are already in office time
    holders = [{**holder, "causes": [c for c in causes if c["id"] == holder["id"]]}
               for holder in difference["holders"]]
    return {**difference, "holders": holders, "causes": causes}


def difference_sheets(document: dict[str, Any], title: str) -> list[Sheet]:
    by = document["by"]
    holders = [*naming(by)[:2], decimal("before", "此前得分"), decimal("after", "此后得分"),
               decimal("change", "变化"), count("rank_before", "此前名次"),
               count("rank_after", "此后名次"),
               Column("causes", "原因", lambda r: "；".join(
                   f"{c['fact']} {c['points']}分" for c in r["causes"]))]
    causes = [text("known_at", "知悉时间"), text("id", "编号"), text("name", "名称"),
              text("valid_on", "日期"), text("fact", "事实"), text("clause", "计分条款"),
              decimal("points", "得分"), money("money", "奖励（元）")]
    return [Sheet(title, document["holders"], holders),
            Sheet("原因", document["causes"], causes)]


def what_if_sheet(rows: list[Row], by: str, title: str) -> Sheet:
    columns = [*naming(by)[:2], decimal("points", "现行得分"), count("rank", "现行名次"),
               decimal("what_if_points", "假设得分"), count("what_if_rank", "假设名次"),
               decimal("change", "变化")]
    return Sheet(title, rows, columns)
