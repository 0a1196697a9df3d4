"""A small office history for the report tests: imported first, then recorded live.

The directory and item A come from an old ledger (imported with the moments it says they were
known); the rest is recorded live. Item A is co-authored by 张伟 (o1) and 刘洋 (o2), who later
moves from 县委办公室 (u1) to 城关镇 (u2); item B (王芳, o3, u2) fulfils commission C1 for u2
and is submitted under an idempotency key; item C (张伟) is returned with a reason.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.application import CommandMeta, Tally

ADMIN = CommandMeta(actor="admin")
EDITOR = CommandMeta(actor="editor")
SUBMIT_B = CommandMeta(actor="wangfang", correlation_id="req-submit-b",
                       idempotency_key="submit-b-2025-04-12")


def imported(moment: str, actor: str = "importer") -> CommandMeta:
    """A command read from the old ledger, known at ``moment`` (office time)."""
    return CommandMeta(actor=actor, correlation_id=f"import-{moment}", known_at=moment)


@dataclass(frozen=True)
class History:
    item_a: str
    item_b: str
    item_c: str
    c1: str
    c2: str
    c3: str


def office_history(app: Tally) -> History:
    directory = imported("2025-01-02T09:00")
    app.register_unit("u1", "县委办公室", "A类", "2025-01-01", meta=directory)
    app.register_unit("u2", "城关镇", "B类", "2025-01-01", meta=directory)
    app.enrol_officer("o1", "张伟", "u1", "2025-01-01", meta=directory)
    app.enrol_officer("o2", "刘洋", "u1", "2025-01-01", meta=directory)
    app.enrol_officer("o3", "王芳", "u2", "2025-01-01", meta=directory)
    app.open_account("approver", "李敏", ["approver"], unit="u1", meta=directory)
    app.open_account("approver2", "赵静", ["approver"], unit="u2", meta=directory)
    app.register_outlet("prov", "省委办公厅", "info", "provincial", meta=directory)
    app.register_outlet("city", "市委办公室", "info", "city", meta=directory)

    drafted = imported("2025-03-02T18:00")
    item_a = app.draft_submission("关于春耕生产的情况", "info", "important_situation",
                                  "o1;o2", "2025-03-01", ref="A-2025-01", meta=drafted)
    app.submit(item_a, "2025-03-02", meta=drafted)
    app.approve(item_a, "approver", "2025-03-02T09:00", meta=drafted)
    app.send_to_outlet(item_a, "prov", "forwarded", "2025-03-02", meta=drafted)
    app.record_adoption(item_a, "prov", "full", "2025-03-05",
                        meta=imported("2025-03-06T10:00", "editor"))
    app.record_adoption(item_a, "city", "excerpt", "2025-03-06",
                        meta=imported("2025-03-07T10:00", "editor"))

    app.retract_adoption(item_a, "city", "市委办公室来函更正", meta=EDITOR)
    app.record_instruction(item_a, "city", "市委书记", "2025-03-08", "请各地借鉴", meta=EDITOR)
    app.transfer_officer("o2", "u2", "2025-06-01", "工作调动", meta=ADMIN)

    c1 = app.issue_commission("春耕备耕进展", ["u1", "u2"], "2025-04-01", "2025-04-30",
                              ref="C1", meta=EDITOR)
    c2 = app.issue_commission("防汛准备情况", ["u1"], "2025-05-01", "2025-05-15", ref="C2",
                              meta=EDITOR)
    c3 = app.issue_commission("年度亮点工作", ["u2"], "2025-05-20", "2025-12-31", ref="C3",
                              meta=EDITOR)
    item_b = app.draft_submission("城关镇春耕备耕有序推进", "info", "new_measure", "o3",
                                  "2025-04-10", commission=str(c1), ref="B-2025-01",
                                  meta=CommandMeta(actor="wangfang"))
    app.submit(item_b, "2025-04-12", meta=SUBMIT_B)
    app.record_lapse(c1, "u1", "2025-05-05", meta=EDITOR)

    item_c = app.draft_submission("县委办公室督查工作动态", "info", "other", "o1", "2025-05-10",
                                  meta=CommandMeta(actor="zhangwei"))
    app.submit(item_c, "2025-05-11", meta=CommandMeta(actor="zhangwei"))
    app.return_submission(item_c, "请补充数据", meta=CommandMeta(actor="approver"))
    return History(str(item_a), str(item_b), str(item_c), str(c1), str(c2), str(c3))
