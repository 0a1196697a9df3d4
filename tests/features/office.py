"""What the scoring specifications do to an office: real commands in, scores read from reports.

Names are codes here: the officer 张伟 has the code 张伟, the outlet 省委办公厅 the code 省委办公厅,
and an item's title is its reference, so the steps never keep a table of ids of their own.
Nothing here computes a score; every number a step checks comes from ``ScoreReports``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from domain.application import CommandMeta, Tally
from domain.scoring import ScoreLine
from domain.standings import Standing
from domain.submission import Submission
from domain.unit import Unit

SINCE = "2024-01-01"  # units and officers exist before any fact the specifications give


def step_pattern(text: str, values: dict[str, str]) -> str:
    """A step's regular expression, written as the step reads: ``{name}`` is a value the step
    takes (its pattern from ``values``), ``[...]`` an optional part, the rest literal text."""
    parts = []
    for token in re.split(r"(\{\w+\}|\[|\])", text):
        if token == "[":
            parts.append("(?:")
        elif token == "]":
            parts.append(")?")
        elif token.startswith("{") and token.endswith("}"):
            parts.append(f"(?P<{token[1:-1]}>{values[token[1:-1]]})")
        else:
            parts.append(re.escape(token))
    return "".join(parts)


def approver_of(unit: str) -> str:
    return f"{unit}审核员"


def is_unit(app: Tally, name: str) -> bool:
    return Unit.create_id(name) in app.repository


def holder_kind(app: Tally, name: str) -> str:
    return "unit" if is_unit(app, name) else "officer"


def item_ref(title: str) -> str:
    """The item's reference: its title, which needs no spaces in Chinese and loses them here."""
    return title.replace(" ", "_")


def item_id(title: str) -> UUID:
    return Submission.create_id(item_ref(title))


def publish(app: Tally, meta: CommandMeta, source: str) -> str:
    return app.publish_method(source, meta=meta)


def ensure_unit(app: Tally, meta: CommandMeta, unit: str) -> None:
    """A unit and the approver who signs its items off (审核签发)."""
    if not is_unit(app, unit):
        app.register_unit(unit, unit, "A类", SINCE, meta=meta)
        app.open_account(approver_of(unit), f"{unit}审核人", ["approver"], unit=unit, meta=meta)


def enrol(app: Tally, meta: CommandMeta, name: str, unit: str) -> None:
    ensure_unit(app, meta, unit)
    app.enrol_officer(name, name, unit, SINCE, meta=meta)


def register_outlet(app: Tally, meta: CommandMeta, name: str, channel: str, level: str) -> None:
    app.register_outlet(name, name, channel, level, meta=meta)


def submit_item(app: Tally, meta: CommandMeta, *, authors: str, title: str, channel: str,
                category: str, research: bool, event_date: str, submitted_on: str) -> UUID:
    """Draft, submit and approve an item on ``submitted_on``; ``authors`` as "o1:0.6;o2:0.4"."""
    submission = app.draft_submission(title, channel, category, authors, event_date,
                                      research=research, ref=item_ref(title),
                                      meta=meta)
    app.submit(submission, submitted_on, meta=meta)
    lead = authors.split(";")[0].split(":")[0]
    unit = app.officer_unit_on(lead, app.today())
    assert unit is not None, f"{lead} has no unit"
    app.approve(submission, approver_of(unit), f"{submitted_on}T18:00:00+08:00", meta=meta)
    return submission


def send(app: Tally, meta: CommandMeta, title: str, outlet: str, route: str, day: str) -> None:
    app.send_to_outlet(item_id(title), outlet, route, day, meta=meta)


def adopt(app: Tally, meta: CommandMeta, title: str, outlet: str, form: str, day: str) -> None:
    app.record_adoption(item_id(title), outlet, form, day, meta=meta)


def retract(app: Tally, meta: CommandMeta, title: str, outlet: str) -> None:
    app.retract_adoption(item_id(title), outlet, "采用单位更正", meta=meta)


def instruct(app: Tally, meta: CommandMeta, title: str, level: str, leader: str,
             day: str) -> None:
    app.record_instruction(item_id(title), level, leader, day, "请各地参阅", meta=meta)


def find(app: Tally, meta: CommandMeta, holder: str, kind: str, reason: str, day: str) -> None:
    app.record_finding(kind, holder_kind(app, holder), holder, day, reason, meta=meta)


def lapse(app: Tally, meta: CommandMeta, unit: str, topic: str, deadline: str,
          lapsed_on: str) -> None:
    commission = app.issue_commission(topic, [unit], deadline, deadline, meta=meta)
    app.record_lapse(commission, unit, lapsed_on, meta=meta)


def monthly_target(app: Tally, meta: CommandMeta, holder: str, year: str,
                   per_month: int) -> None:
    app.set_target(holder_kind(app, holder), holder, year, items=12 * per_month,
                   monthly_items=[per_month] * 12, meta=meta)


def transfer(app: Tally, meta: CommandMeta, officer: str, unit: str, day: str) -> None:
    ensure_unit(app, meta, unit)
    app.transfer_officer(officer, unit, day, "工作调动", meta=meta)


def close_unit(app: Tally, meta: CommandMeta, unit: str, day: str, successor: str) -> None:
    ensure_unit(app, meta, successor)
    app.close_unit(unit, day, "机构改革", successor=successor, meta=meta)


def reschedule(app: Tally, meta: CommandMeta, code: str, day: str) -> None:
    app.reschedule_method(code, day, "按上级通知调整施行日期", meta=meta)


def report_moment(app: Tally) -> datetime:
    """The record time of the last fact the office knows; what is recorded later is newer."""
    position = app.recorder.max_notification_id()
    moment = app.recorder.recorded_at(position)  # type: ignore[attr-defined]
    time.sleep(0.01)  # both backends keep record times strictly apart from here on
    return moment


def number(text: object) -> str:
    """A number as it reads, whatever the scale: 20, 20.00 and 2E+1 are all "20"."""
    value = Decimal(str(text).replace(",", "")).normalize()
    return format(value, "f") if value else "0"


#: How each field of a score line reads in a table of the specifications.
LINE_FIELDS: dict[str, Callable[[ScoreLine], str]] = {
    "clause": lambda line: line.clause,
    "points": lambda line: number(line.points),
    "money": lambda line: number(line.money),
    "method": lambda line: line.method,
    "date": lambda line: line.valid_on.isoformat(),
}


def line_tables(found: Standing, fields: list[str],
                rows: list[list[str]]) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:
    """The standing's lines and the expected rows, as sorted tables of the given fields."""
    numeric = {i for i, name in enumerate(fields) if name in ("points", "money")}
    expected = sorted(tuple(number(cell) if i in numeric else cell for i, cell in enumerate(row))
                      for row in rows)
    actual = sorted(tuple(LINE_FIELDS[name](line) for name in fields) for line in found.lines)
    return actual, expected


def explain(found: Standing) -> str:
    """The standing's lines, printed when a check fails, to show where each point came from."""
    lines = "\n".join(f"  {line.valid_on} {line.clause} {line.points} {line.money} {line.fact}"
                      for line in found.lines)
    return f"{found.code}: {found.points} 分, {found.money} 元\n{lines}"
