"""A small office's first quarter of 2025, for the bulletin and quota tests.

县委办公室 (u1): 张伟 (o1, target one item a month) has item A adopted by the province in
February and item B adopted by the city on 31 March, the last day of the month; 王芳 (o2, no
target) has item C adopted by the province in March, with a governor's instruction.
城关镇 (u2, no target): 李娜 (o3, target one a month) submits nothing; 刘洋 (o4) submits item D,
never adopted. Each fact is known the day after it happened.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from domain.application import CommandMeta, Tally
from projections.registry import open_projection
from projections.runner import catch_up
from projections.scores import ScoreReports
from store.settings import DatabaseSettings

METHOD = """
[method]
code = "office-2025"
name = "测试县信息工作计分办法"
effective_from = 2025-01-01
levels = "cumulative"
split = "even"
period_score = "sum"

[adoption.info]
national = { full = 30, merged = 15, excerpt = 10 }
provincial = { full = 20, merged = 10, excerpt = 6 }
city = { full = 10, merged = 5, excerpt = 3 }
county = { full = 5, merged = 3, excerpt = 2 }

[instruction]
provincial = 40

[rewards]
provincial = 500

[quota]
monthly_base = 10
yearly_cap = 120
counts = "adopted"
"""

ITEM_A = "关于春耕生产的情况"
ITEM_B = "关于防汛准备的情况"
ITEM_C = "关于营商环境优化的建议"
ITEM_D = "城关镇社区服务动态"


def known(day: str, actor: str = "editor") -> CommandMeta:
    return CommandMeta(actor=actor, known_at=f"{day}T09:00")


def record_office(app: Tally) -> dict[str, str]:
    start = known("2025-01-01", "admin")
    app.publish_method(METHOD, meta=start)
    for code, name in (("u1", "县委办公室"), ("u2", "城关镇")):
        app.register_unit(code, name, "A类", "2025-01-01", meta=start)
        app.open_account(f"approver-{code}", "审核人", ["approver"], unit=code, meta=start)
    for code, name, unit in (("o1", "张伟", "u1"), ("o2", "王芳", "u1"), ("o3", "李娜", "u2"),
                             ("o4", "刘洋", "u2")):
        app.enrol_officer(code, name, unit, "2025-01-01", meta=start)
    app.register_outlet("prov", "省委办公厅", "info", "provincial", meta=start)
    app.register_outlet("city", "市委办公室", "info", "city", meta=start)
    app.set_target("officer", "o1", 2025, items=12, meta=start)
    app.set_target("officer", "o3", 2025, items=12, meta=start)
    app.set_target("unit", "u1", 2025, items=24, meta=start)

    items = {}
    plan = [  # title, author, unit, event date, submitted, outlet, form, adopted on
        (ITEM_A, "o1", "u1", "2025-02-08", "2025-02-10", "prov", "full", "2025-02-20"),
        (ITEM_D, "o4", "u2", "2025-03-04", "2025-03-05", None, None, None),
        (ITEM_C, "o2", "u1", "2025-03-10", "2025-03-11", "prov", "merged", "2025-03-12"),
        (ITEM_B, "o1", "u1", "2025-03-29", "2025-03-30", "city", "full", "2025-03-31"),
    ]
    for title, author, unit, event_on, submitted_on, outlet, form, adopted_on in plan:
        meta = known(submitted_on)
        item = app.draft_submission(title, "info", "other", author, event_on, meta=meta)
        app.submit(item, submitted_on, meta=meta)
        app.approve(item, f"approver-{unit}", f"{submitted_on}T17:00", meta=meta)
        if outlet:
            app.send_to_outlet(item, outlet, "direct", submitted_on, meta=meta)
            day_after = date.fromisoformat(adopted_on) + timedelta(days=1)
            app.record_adoption(item, outlet, form, adopted_on,
                                meta=known(day_after.isoformat()))
        items[title] = str(item)
    app.record_instruction(items[ITEM_C], "provincial", "省长", "2025-03-20", "阅",
                           meta=known("2025-03-21"))
    return items


def office_reports(app: Tally, settings: DatabaseSettings) -> tuple[ScoreReports, Any]:
    """Score reports over the ledger projection, caught up; and the projection."""
    ledger = open_projection(settings, "ledger")
    catch_up(app, ledger)
    return ScoreReports(ledger.view, zone=app.zone), ledger
