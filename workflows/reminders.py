"""Chasing (催报): who is behind the monthly quota, which commissions are near or past their
deadline, which leader instructions await the unit's feedback, which appeals await the
office's decision; delivered through a pluggable
channel (a log file by default). A commission part past its deadline is recorded as lapsed,
under an idempotency key derived from the commission and unit, so chasing twice, or two
workers chasing at once, records the lapse once."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Protocol
from uuid import UUID

from domain.application import CommandMeta, Tally
from projections.boards import BoardsView
from projections.quota import quota_progress
from projections.scores import ScoreReports

#: A commission is "near its deadline" this many days before it.
NEAR_DAYS = 3
ACTOR = "workflow:chasing"
KIND_NAMES = {"quota": "目标任务落后", "commission_due": "约稿临近截止",
              "commission_overdue": "约稿逾期未报", "instruction_feedback": "领导批示待反馈",
              "appeal_waiting": "申诉待处理"}


@dataclass(frozen=True)
class Reminder:
    kind: str
    to: str  # the officer's or unit's code
    name: str
    unit: str
    detail: str
    due: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "kind_name": KIND_NAMES[self.kind]}


class Delivery(Protocol):
    def deliver(self, reminders: list[Reminder], on: date) -> None: ...


class LogFileDelivery:
    """The default channel: one JSON line per reminder appended to a log file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def deliver(self, reminders: list[Reminder], on: date) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as log:
            for reminder in reminders:
                log.write(json.dumps({"on": on.isoformat(), **reminder.as_dict()},
                                     ensure_ascii=False, sort_keys=True) + "\n")


def quota_reminders(reports: ScoreReports, day: date) -> list[Reminder]:
    closed = {unit.code for unit in reports.settings(day).units.values()
              if unit.closed_by(day)}  # no one to chase
    found = []
    for by in ("unit", "officer"):
        progress = quota_progress(reports, str(day.year), by, as_of=day)
        for holder in progress["holders"]:
            if not holder["behind"] or (by == "unit" and holder["id"] in closed):
                continue
            found.append(Reminder(
                "quota", holder["id"], holder["name"], holder["unit"] or holder["name"],
                f"截至{holder['assessed_through']}月应完成{holder['due_target']}篇，"
                f"已完成{holder['due_done']}篇，差{holder['shortfall']}篇"))
    return found


def commission_reminders(boards: BoardsView, day: date) -> list[Reminder]:
    found = []
    for row in boards.commissions(day):
        label = f"约稿“{row['topic']}”"
        if row["state"] == "overdue":
            found.append(Reminder("commission_overdue", row["unit_code"], row["unit_name"],
                                  row["unit_name"],
                                  f"{label}已逾期{row['days_overdue']}天", row["deadline"]))
        elif row["state"] == "open" and row["days_left"] <= NEAR_DAYS:
            found.append(Reminder("commission_due", row["unit_code"], row["unit_name"],
                                  row["unit_name"],
                                  f"{label}还剩{row['days_left']}天截止", row["deadline"]))
    return found


def instruction_reminders(boards: BoardsView, day: date) -> list[Reminder]:
    rows = boards.query(
        "SELECT i.title, i.ref, u.code AS unit_code, u.name AS unit_name, b.leader, "
        "b.instructed_on FROM board_instructions b JOIN board_items i ON i.id = b.submission_id "
        "JOIN board_units u ON u.id = i.unit_id WHERE b.feedback_on IS NULL "
        "AND b.instructed_on <= ? ORDER BY b.instructed_on, i.ref, b.number",
        [day.isoformat()])
    return [Reminder("instruction_feedback", row["unit_code"], row["unit_name"],
                     row["unit_name"],
                     f"{row['leader']}对《{row['title']}》的批示"
                     f"（{row['instructed_on']}）待反馈落实情况，已等待"
                     f"{(day - date.fromisoformat(row['instructed_on'])).days}天",
                     row["instructed_on"])
            for row in rows]


def appeal_reminders(boards: BoardsView, day: date) -> list[Reminder]:
    """The appeals filed by ``day`` that no decision has answered, the longest waiting first:
    the office owes the officer who filed each a decision."""
    return [Reminder("appeal_waiting", row["officer"], row["officer_name"], row["unit_name"],
                     f"{row['officer_name']}对《{row['title']}》得分的第{row['number']}号申诉"
                     f"（{row['filed_on']}提出）待处理，已等待{row['waiting']}天",
                     row["filed_on"])
            for row in boards.all_appeals(day)
            if row["upheld"] is None and row["filed_on"] <= day.isoformat()]


def reminders(reports: ScoreReports, boards: BoardsView, day: date) -> list[Reminder]:
    """Everyone to chase on ``day``: quotas (as known that day), commissions, instructions,
    appeals."""
    return [*quota_reminders(reports, day), *commission_reminders(boards, day),
            *instruction_reminders(boards, day), *appeal_reminders(boards, day)]


def lapse_key(commission_id: str, unit_code: str) -> str:
    return f"lapse:{commission_id}:{unit_code}"


def record_lapses(app: Tally, boards: BoardsView, day: date,
                  meta: CommandMeta | None = None) -> list[UUID]:
    """Record every commission part past its deadline on ``day`` as lapsed (the day after
    the deadline), once."""
    recorded = []
    for row in boards.commissions(day):
        if row["state"] != "overdue":
            continue
        lapsed_on = date.fromisoformat(row["deadline"]) + timedelta(days=1)
        recorded.append(app.record_lapse(
            row["commission_id"], row["unit_code"], lapsed_on,
            meta=CommandMeta(actor=meta.actor if meta else ACTOR,
                             correlation_id=meta.correlation_id if meta else None,
                             idempotency_key=lapse_key(row["commission_id"], row["unit_code"]),
                             known_at=meta.known_at if meta else None)))
    return recorded
