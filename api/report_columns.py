"""The columns of the table reports (audit trail, boards, reminders): each column's key in the
JSON rows, its Chinese heading, and how a row shows it as text. The command line, the JSON API
and the pages all print, export and download these tables with the same columns."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from projections.labels import (
    AGGREGATE_KINDS,
    CATEGORIES,
    CHANNELS,
    COMMISSION_STATES,
    FORMS,
    HONOURS,
    LEVELS,
    OUTLET_STATES,
    STATUSES,
    label,
)
from workflows.reminders import KIND_NAMES

#: A report column: its key in the JSON rows, its heading, and how a row shows it as text.
Column = tuple[str, str, Callable[[dict[str, Any]], str]]


# The audit trail ----------------------------------------------------------------------

def yes(value: Any) -> str:
    return "是" if value else ""


def moment(office_time: str) -> str:
    """``2025-03-06T10:00:00+08:00`` as Excel and people read it: ``2025-03-06 10:00:00``."""
    return office_time[:19].replace("T", " ")


AUDIT_COLUMNS: list[Column] = [
    ("position", "序号", lambda r: str(r["position"])),
    ("recorded_at", "记录时间", lambda r: moment(r["recorded_at"])),
    ("known_at", "知悉时间", lambda r: moment(r["known_at"])),
    ("imported", "导入", lambda r: yes(r["imported"])),
    ("actor", "操作人", lambda r: r["actor"]),
    ("correlation_id", "请求编号", lambda r: r["correlation_id"]),
    ("aggregate_kind", "对象类别", lambda r: label(AGGREGATE_KINDS, r["aggregate_kind"])),
    ("aggregate_id", "对象编号", lambda r: r["aggregate_id"]),
    ("reference", "对象", lambda r: r["reference"]),
    ("event", "事件", lambda r: r["event"]),
    ("reason", "原因", lambda r: r["reason"] or ""),
    ("summary", "摘要", lambda r: r["summary"]),
    ("command_record", "幂等记录", lambda r: yes(r["command_record"])),
]
AUDIT_TABLE = ("position", "recorded_at", "known_at", "imported", "actor", "aggregate_kind",
               "reference", "summary", "reason")


# The boards ----------------------------------------------------------------------------

def outlets_text(row: dict[str, Any]) -> str:
    return "；".join(f"{o['name']}（{label(OUTLET_STATES, o['state'])}）" for o in row["outlets"])


def adoptions_text(row: dict[str, Any]) -> str:
    return "；".join(f"{a['outlet']} {label(LEVELS, a['level'])} {label(FORMS, a['form'])} "
                    f"{a['adopted_on']}" for a in row["adoptions"])


def instructions_text(row: dict[str, Any]) -> str:
    return "；".join(
        f"{n['leader']}（{label(LEVELS, n['leader_level'])}）{n['instructed_on']}，"
        + (f"{n['feedback_on']}已反馈" if n["feedback_on"] else "待反馈")
        for n in row["instructions"])


def number(value: int | None) -> str:
    return "" if value is None else str(value)


SUBMISSION_COLUMNS: list[Column] = [
    ("ref", "编号", lambda r: r["ref"] or ""),
    ("title", "标题", lambda r: r["title"]),
    ("status", "状态", lambda r: label(STATUSES, r["status"])),
    ("unit_name", "单位", lambda r: r["unit_name"]),
    ("authors", "作者", lambda r: "、".join(r["authors"])),
    ("category", "类别", lambda r: label(CATEGORIES, r["category"])),
    ("channel", "渠道", lambda r: label(CHANNELS, r["channel"])),
    ("event_date", "事件日期", lambda r: r["event_date"]),
    ("submitted_on", "报送日期", lambda r: r["submitted_on"] or ""),
    ("approved_on", "签发日期", lambda r: r["approved_on"] or ""),
    ("approver", "签发人", lambda r: r["approver_name"] or r["approver"] or ""),
    ("outlets", "报送去向", outlets_text),
    ("adoptions", "采用", adoptions_text),
    ("instructions", "领导批示", instructions_text),
    ("feedback_pending", "待反馈", lambda r: yes(r["feedback_pending"])),
    ("waiting_days", "待审核天数", lambda r: number(r["waiting_days"])),
]

#: The columns that fit a terminal; CSV and JSON carry them all.
SUBMISSION_TABLE = ("ref", "title", "status", "unit_name", "authors", "submitted_on",
                    "approved_on", "approver", "adoptions", "instructions", "waiting_days")


COMMISSION_COLUMNS: list[Column] = [
    ("ref", "约稿编号", lambda r: r["ref"] or ""),
    ("topic", "主题", lambda r: r["topic"]),
    ("issued_on", "发出日期", lambda r: r["issued_on"]),
    ("deadline", "截止日期", lambda r: r["deadline"]),
    ("unit_name", "单位", lambda r: r["unit_name"]),
    ("state", "状态", lambda r: label(COMMISSION_STATES, r["state"])),
    ("item_title", "完成稿件", lambda r: f"《{r['item_title']}》" if r["item_title"] else ""),
    ("closed_on", "完成或逾期日期", lambda r: r["closed_on"] or ""),
    ("days_left", "剩余天数", lambda r: number(r["days_left"])),
    ("days_overdue", "超期天数", lambda r: number(r["days_overdue"])),
]


APPEAL_STATES = {"pending": "待处理", "upheld": "成立", "dismissed": "不成立"}


def appeal_state(row: dict[str, Any]) -> str:
    upheld = row["upheld"]
    return APPEAL_STATES["pending" if upheld is None else "upheld" if upheld else "dismissed"]


APPEAL_COLUMNS: list[Column] = [
    ("ref", "稿件编号", lambda r: r["ref"] or ""),
    ("title", "稿件", lambda r: f"《{r['title']}》"),
    ("unit_name", "单位", lambda r: r["unit_name"]),
    ("number", "申诉号", lambda r: number(r["number"])),
    ("officer_name", "申诉人", lambda r: r["officer_name"]),
    ("filed_on", "申诉日期", lambda r: r["filed_on"]),
    ("reason", "申诉理由", lambda r: r["reason"]),
    ("upheld", "处理结果", appeal_state),
    ("decided_on", "处理日期", lambda r: r["decided_on"] or ""),
    ("decision_reason", "处理意见", lambda r: r["decision_reason"] or ""),
    ("waiting", "等待天数", lambda r: number(r["waiting"])),
]


# Reminders -----------------------------------------------------------------------------

REMINDER_COLUMNS: list[Column] = [
    ("kind", "类别", lambda r: KIND_NAMES[r["kind"]]),
    ("to", "编号", lambda r: r["to"]),
    ("name", "对象", lambda r: r["name"]),
    ("unit", "单位", lambda r: r["unit"]),
    ("detail", "内容", lambda r: r["detail"]),
    ("due", "期限或日期", lambda r: r["due"] or ""),
]


# Rewards and honours ------------------------------------------------------------------

def revoked(row: dict[str, Any]) -> str:
    return f"已撤销：{row['revoked_reason']}" if row["revoked_reason"] else ""


REWARD_COLUMNS: list[Column] = [
    ("valid_on", "日期", lambda r: r["valid_on"]),
    ("title", "稿件", lambda r: f"《{r['title']}》" if r["title"] else r["ref"]),
    ("officer_name", "信息员", lambda r: r["officer_name"] or ""),
    ("unit_name", "单位", lambda r: r["unit_name"] or ""),
    ("clause", "计分办法条款", lambda r: r["clause"]),
    ("amount", "奖励（元）", lambda r: r["amount"]),
    ("granted_at_close_of", "发放于期间", lambda r: r["granted_at_close_of"]),
    ("revoked_reason", "收回", revoked),
]


def filled(row: dict[str, Any]) -> str:
    """Whose honour filled a revoked one's place, and why; or whose place an honour fills."""
    if row["filled_by"]:
        return f"由{row['filled_by']}递补：{row['filled_reason']}"
    return f"递补{row['fills']}" if row["fills"] else ""


HONOUR_COLUMNS: list[Column] = [
    ("category", "类别", lambda r: label(HONOURS, r["category"])),
    ("rank", "名次", lambda r: str(r["rank"])),
    ("name", "名称", lambda r: r["name"]),
    ("points", "得分", lambda r: r["points"]),
    ("rule", "评先规则", lambda r: r["rule"]),
    ("revoked_reason", "撤销", revoked),
    ("filled_by", "递补", filled),
]

