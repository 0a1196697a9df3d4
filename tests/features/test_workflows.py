"""The workflow specifications in Chinese: every scenario of features/workflows/*.feature, run
against the real service and workflows on SQLite and on PostgreSQL. The office, the method and
the facts come from the shared steps (tests/features/conftest.py); the steps of period close,
errata, rewards, honours, chasing and appeals are here."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pytest_bdd import given, scenarios, then, when

from domain.application import CommandMeta, Tally
from domain.honour import Honour
from domain.identity import derived_id
from domain.reward import Reward
from projections.ledger import LedgerProjection
from projections.registry import open_projection
from projections.runner import catch_up
from projections.scores import ScoreReports
from store.settings import DatabaseSettings
from tests.features import office
from tests.features.conftest import FORMS, period_code, step
from workflows.appeals import appeal_correlation, decide_appeal
from workflows.honours import fill_vacancies, revise_honours
from workflows.publication import close_period, reissue
from workflows.reminders import record_lapses, reminders
from workflows.runner import open_errata

FEATURES = Path(__file__).resolve().parents[2] / "features" / "workflows"
EDITOR = CommandMeta(actor="编辑")
HONOURS = {"先进集体": "units", "先进个人": "officers", "优秀信息": "items"}

pytestmark = pytest.mark.usefixtures("app")

scenarios(*sorted(str(path) for path in FEATURES.glob("*.feature")))


@pytest.fixture
def issued() -> dict[str, Any]:
    """The bytes and digest of each bulletin as it was published in the scenario."""
    return {}


def run_errata(app: Tally, database: DatabaseSettings, ledger: LedgerProjection) -> None:
    catch_up(app, open_errata(database, app, ledger))


def decisions(app: Tally, kind: str) -> list[Any]:
    """Every reward or honour recorded, loaded from the log (a test needs no read model)."""
    topic = f"domain.{kind}:"
    ids = {n.originator_id for n in app.recorder.select_notifications(start=1, limit=100_000)
           if n.topic.startswith(topic)}
    return [app.repository.get(aggregate_id) for aggregate_id in sorted(ids, key=str)]


# Period close and errata -----------------------------------------------------------------


@given(step("关闭{期间}，发布通报"))
@when(step("关闭{期间}，发布通报"))
def period_closed(app: Tally, ledger: LedgerProjection, issued: dict[str, Any],
                  期间: str) -> None:
    period = period_code(期间)
    close_period(app, ledger, period, meta=EDITOR)
    issued[period] = reissue(app, ledger, period)
    assert issued[period].digest == app.published_bulletin(period)["digest"]


@when("更正流程处理了新记录的事实")
def errata_run(app: Tally, database: DatabaseSettings, ledger: LedgerProjection) -> None:
    run_errata(app, database, ledger)


@then(step("重新生成{期间}的通报，字节和摘要值与发布时相同"))
def reissued_unchanged(app: Tally, ledger: LedgerProjection, issued: dict[str, Any],
                       期间: str) -> None:
    period = period_code(期间)
    again = reissue(app, ledger, period)
    assert (again.data, again.digest) == (issued[period].data, issued[period].digest)
    assert again.digest == app.published_bulletin(period)["digest"]


@then(step("{期间}的通报有{篇数}份更正"), target_fixture="errata")
def errata_count(app: Tally, 期间: str, 篇数: str) -> list[dict[str, Any]]:
    errata = app.published_bulletin(period_code(期间))["errata"]
    assert len(errata) == int(篇数), errata
    return errata


@then(step("{期间}的通报没有更正"))
def no_errata(app: Tally, 期间: str) -> None:
    assert app.published_bulletin(period_code(期间))["errata"] == []


@then(step("更正写明稿件\"{标题}\"和原因\"{事由}\""))
def erratum_names(errata: list[dict[str, Any]], 标题: str, 事由: str) -> None:
    erratum = errata[-1]
    assert any(标题 in text for text in erratum["fact"]["described"]), erratum
    assert 事由 in erratum["reason"], erratum["reason"]


@then(step("更正写明{名称}的得分由{分值}变为{金额}"))
def erratum_holder(errata: list[dict[str, Any]], 名称: str, 分值: str, 金额: str) -> None:
    holders = {h["id"]: h for h in errata[-1]["holders"]}
    assert office.number(holders[名称]["before"]) == office.number(分值), holders
    assert office.number(holders[名称]["after"]) == office.number(金额), holders


# Rewards and honours ------------------------------------------------------------------------


@then(step("{名称}获得{篇数}笔奖励，共{金额}元"))
def rewards_granted(app: Tally, 名称: str, 篇数: str, 金额: str) -> None:
    officer_id = str(derived_id("officer", 名称))
    mine = [r for r in decisions(app, "reward") if isinstance(r, Reward)
            and r.officer_id == officer_id and r.revoked_reason is None]
    assert len(mine) == int(篇数)
    assert office.number(sum((r.amount for r in mine), Decimal(0))) == office.number(金额)


@then(step("{名称}的奖励已收回，原因为\"{事由}\""))
def reward_revoked(app: Tally, 名称: str, 事由: str) -> None:
    officer_id = str(derived_id("officer", 名称))
    revoked = [r for r in decisions(app, "reward") if isinstance(r, Reward)
               and r.officer_id == officer_id and r.revoked_reason is not None]
    assert revoked and all(事由 in r.revoked_reason for r in revoked)


@then(step("{年}年评出的{名称}为："))
def honours_are(app: Tally, 年: str, 名称: str, datatable: list[list[str]]) -> None:
    category = HONOURS[名称]
    found = [[str(h.rank), h.name, office.number(h.points)]
             for h in standing_honours(app, 年) if h.category == category]
    found.sort(key=lambda row: (int(row[0]), row[1]))
    expected = [[row[0], row[1], office.number(row[2])] for row in datatable[1:]]
    assert found == expected


@then(step("{年}年没有评出{名称}"))
def no_honours(app: Tally, 年: str, 名称: str) -> None:
    assert not [h for h in standing_honours(app, 年) if h.category == HONOURS[名称]]


@then(step("{名称}的{年}年{荣誉}荣誉已撤销，原因为\"{事由}\""))
def honour_revoked(app: Tally, 名称: str, 年: str, 荣誉: str, 事由: str) -> None:
    mine = [h for h in honours(app, 年) if h.category == HONOURS[荣誉] and h.name == 名称]
    assert len(mine) == 1, mine
    assert mine[0].revoked_reason is not None and 事由 in mine[0].revoked_reason, mine[0]


@then(step("{年}年没有撤销的荣誉"))
def no_honour_revoked(app: Tally, 年: str) -> None:
    honoured = honours(app, 年)
    assert honoured and all(h.revoked_reason is None for h in honoured)


@then("重新处理这次撤销，不再记录任何事实")
def retraction_revised_again(app: Tally, ledger: LedgerProjection) -> None:
    """The errata workflow reading the retraction again (a crash before its tracking
    position was written, a second follower) revokes nothing twice."""
    [retraction] = [n for n in app.recorder.select_notifications(start=1, limit=100_000)
                    if n.topic.endswith("AdoptionRetracted")]
    before = app.recorder.max_notification_id()
    published = app.published_bulletin("2025")
    assert revise_honours(app, ledger, "2025", retraction.id, published["as_of"],
                          "采用单位更正", EDITOR) == []
    assert app.recorder.max_notification_id() == before


@when(step("办公室决定递补{年}年的荣誉空缺，理由为\"{事由}\""))
def vacancies_filled(app: Tally, database: DatabaseSettings, ledger: LedgerProjection, 年: str,
                     事由: str) -> None:
    fill_vacancies(app, ledger, open_projection(database, "catalog"), 年, 事由, EDITOR)


@then(step("{名称}的{年}年{荣誉}荣誉由{替补}递补，理由为\"{事由}\""))
def honour_filled(app: Tally, 名称: str, 年: str, 荣誉: str, 替补: str, 事由: str) -> None:
    category = [h for h in honours(app, 年) if h.category == HONOURS[荣誉]]
    [vacated] = [h for h in category if h.name == 名称]
    [filler] = [h for h in category if h.name == 替补]
    assert vacated.revoked_reason is not None and filler.revoked_reason is None
    assert (vacated.filled_by, vacated.filled_reason) == (filler.id, 事由)


@then(step("{名称}的{年}年{荣誉}荣誉无人递补"))
def honour_not_filled(app: Tally, 名称: str, 年: str, 荣誉: str) -> None:
    [vacated] = [h for h in honours(app, 年)
                 if h.category == HONOURS[荣誉] and h.name == 名称]
    assert vacated.revoked_reason is not None and vacated.filled_by is None


@then(step("再次决定递补{年}年的荣誉空缺，不再记录任何事实"))
def vacancies_filled_again(app: Tally, database: DatabaseSettings, ledger: LedgerProjection,
                           年: str) -> None:
    before = app.recorder.max_notification_id()
    assert fill_vacancies(app, ledger, open_projection(database, "catalog"), 年, "再次决定",
                          EDITOR) == []
    assert app.recorder.max_notification_id() == before


def honours(app: Tally, year: str) -> list[Honour]:
    return [h for h in decisions(app, "honour") if isinstance(h, Honour) and h.year == int(year)]


def standing_honours(app: Tally, year: str) -> list[Honour]:
    return [h for h in honours(app, year) if h.revoked_reason is None]


# Chasing -----------------------------------------------------------------------------------


@given(step("{单位}有约稿\"{约稿}\"，截止日期为{截止日期}"))
def commission_issued(app: Tally, meta: CommandMeta, 单位: str, 约稿: str,
                      截止日期: str) -> None:
    office.ensure_unit(app, meta, 单位)
    app.issue_commission(约稿, [单位], "2025-04-01", 截止日期, ref=office.item_ref(约稿),
                         meta=meta)


@when(step("{日期}催报"), target_fixture="chased")
@when(step("{日期}再次催报"), target_fixture="chased")
def chased(app: Tally, database: DatabaseSettings, ledger: LedgerProjection,
           日期: str) -> dict[str, Any]:
    boards = open_projection(database, "boards")
    catch_up(app, boards)
    day = date.fromisoformat(日期)
    found = reminders(ScoreReports(ledger.view, app.zone), boards.view, day)
    before = app.recorder.max_notification_id()
    lapses = record_lapses(app, boards.view, day, EDITOR)
    return {"reminders": found, "lapses": lapses,
            "recorded": app.recorder.max_notification_id() - before}


@then(step("提醒{单位}：{事由}"))
def reminded(chased: dict[str, Any], 单位: str, 事由: str) -> None:
    details = [r.detail for r in chased["reminders"] if r.name == 单位]
    assert any(事由 in detail for detail in details), details


@then(step("约稿\"{约稿}\"记为{单位}逾期未报，只记录一次"))
def lapse_recorded(app: Tally, chased: dict[str, Any], 约稿: str, 单位: str) -> None:
    commission = app.repository.get(derived_id("commission", office.item_ref(约稿)))
    assert derived_id("unit", 单位) in commission.lapsed
    assert chased["recorded"] in (0, 2)  # the lapse and its idempotency record, or nothing


@then("这次没有记录任何事实")
def nothing_recorded(chased: dict[str, Any]) -> None:
    assert chased["recorded"] == 0


# Appeals -----------------------------------------------------------------------------------


@when(step("{名称}对\"{标题}\"提出申诉，日期为{日期}"), target_fixture="appeal")
def appeal_filed(app: Tally, 名称: str, 标题: str, 日期: str) -> tuple[str, int]:
    item = office.item_id(标题)
    return str(item), app.file_appeal(item, 名称, 日期, "采用漏记",
                                      meta=CommandMeta(actor=名称))


@when(step("编辑支持申诉，补记{采用单位}{采用形式}了\"{标题}\"，日期为{日期}"))
def appeal_upheld(app: Tally, appeal: tuple[str, int], 采用单位: str, 采用形式: str,
                  标题: str, 日期: str) -> None:
    decide_appeal(app, appeal[0], appeal[1], True, 日期, "核实属实", actor="编辑",
                  correction=("record_adoption", {"outlet": 采用单位,
                                                  "form": FORMS[采用形式],
                                                  "adopted_on": 日期}))


@then("审计记录中申诉决定和补记的采用属于同一请求")
def appeal_linked(app: Tally, database: DatabaseSettings, appeal: tuple[str, int]) -> None:
    audit = open_projection(database, "audit")
    catch_up(app, audit)
    correlation = appeal_correlation(appeal[0], appeal[1])
    rows = audit.view.query("SELECT event FROM audit_trail WHERE correlation_id = ?",
                            [correlation])
    events = {row["event"] for row in rows}
    assert any("AppealDecided" in e for e in events) and any("Adopted" in e for e in events), \
        events
