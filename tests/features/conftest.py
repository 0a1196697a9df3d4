"""Steps of the scoring specifications in Chinese (features/scoring/*.feature), and their fixtures.

Every step drives the real ``Tally`` service (the ``app`` fixture, so each scenario runs on SQLite
and on PostgreSQL) and every number is read from ``ScoreReports`` after the projections catch up.
Each step is written as it reads in a feature: ``{名称}`` is a value it takes, ``[...]`` optional.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from pytest_bdd import given, parsers, then, when

from domain.application import CommandMeta, Tally
from domain.standings import Standing
from projections.ledger import VIEWS as LEDGER_VIEWS
from projections.ledger import LedgerProjection
from projections.runner import catch_up, open_view
from projections.scores import ScoreReports
from store.settings import DatabaseSettings
from tests.conftest import PG_ADMIN, fresh_store
from tests.features import office

CHANNELS = {"政务信息": "info", "宣传稿件": "publicity"}
LEVELS = {"国家级": "national", "省级": "provincial", "市级": "city", "县级": "county"}
FORMS = {"全文采用": "full", "综合采用": "merged", "摘要采用": "excerpt"}
ROUTES = {"转报": "forwarded", "直接报送": "direct"}
FINDINGS = {"漏报": "missed", "瞒报": "concealed", "谎报": "false", "差错": "error"}
#: What an item is called in a step: its channel, its category and whether it is research.
KINDS = {
    "信息": ("info", "other", False),
    "新举措信息": ("info", "new_measure", False),
    "重要情况信息": ("info", "important_situation", False),
    "典型经验信息": ("info", "typical_experience", False),
    "调研文章": ("info", "other", True),
    "宣传稿件": ("publicity", "other", False),
    "典型经验宣传稿件": ("publicity", "typical_experience", False),
}
QUARTERS = {"一": 1, "二": 2, "三": 3, "四": 4}
#: ``AS_OF`` is the moment a report is made as of: the one the scenario noted, or now.
AS_OF = {"报表生成时": "report_moment", "当前": None}

DAY = r"\d{4}-\d{2}-\d{2}"
NAME = r"[^，、\"]+?"
QUOTED = r"[^\"]+"
VALUES = {
    "日期": DAY, "事发日期": DAY, "截止日期": DAY,
    "标题": QUOTED, "事由": QUOTED, "约稿": QUOTED, "办法": QUOTED,
    "作者": r"[^\"]+?", "名称": NAME, "采用单位": NAME, "单位": NAME, "领导": NAME,
    "替补": NAME, "承接单位": NAME,
    "种类": "|".join(sorted(KINDS, key=len, reverse=True)),
    "采用形式": "|".join(FORMS), "报送方式": "|".join(ROUTES), "级别": "|".join(LEVELS),
    "问题": "|".join(FINDINGS), "时点": "|".join(AS_OF),
    "期间": r"\d{4}年(?:第[一二三四]季度|[上下]半年|\d{1,2}月)?", "年": r"\d{4}",
    "荣誉": "先进集体|先进个人|优秀信息",
    "分值": r"-?[\d.]+", "金额": r"[\d,.]+", "篇数": r"\d+", "排名对象": "信息员|单位",
}


def step(text: str) -> parsers.re:
    return parsers.re(office.step_pattern(text, VALUES))


# Fixtures ------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_store(request: pytest.FixtureRequest,
                   tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[DatabaseSettings,
                                                                               list[str]]]:
    """One initialised PostgreSQL schema per test worker, and the tables in it."""
    with fresh_store("postgres", request, tmp_path_factory.mktemp("postgres")) as settings:
        schema = settings.eventsourcing_env()["POSTGRES_SCHEMA"]
        with psycopg.connect(PG_ADMIN) as conn:
            rows = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s",
                                (schema,)).fetchall()
        yield settings, [f'"{schema}"."{name}"' for (name,) in rows]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[DatabaseSettings]:
    """As in tests/conftest.py, an empty store on each backend; but on PostgreSQL the worker's
    schema is emptied, not created anew, which would otherwise take most of a scenario's time."""
    if request.param == "sqlite":
        with fresh_store("sqlite", request, tmp_path) as settings:
            yield settings
        return
    settings, tables = request.getfixturevalue("postgres_store")
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        # The log and its chain are append-only (store/guard.py): the test's superuser turns
        # the guard's triggers off for this session to empty them.
        conn.execute("SET session_replication_role = replica")
        conn.execute("; ".join(f"DELETE FROM {table}" for table in tables))  # noqa: S608
    yield settings



@pytest.fixture
def meta() -> CommandMeta:
    return CommandMeta(actor="计分规则说明")


@pytest.fixture
def ledger(database: DatabaseSettings) -> Iterator[LedgerProjection]:
    """The projection score reports read: the points ledger and the facts behind it."""
    projection = LedgerProjection(open_view(database, LEDGER_VIEWS))
    yield projection
    projection.view.datastore.close()


@pytest.fixture
def reports(app: Tally, ledger: LedgerProjection) -> Callable[[], ScoreReports]:
    """Reports on what is recorded so far: the ledger catches up before each reading."""
    caught_up = {"position": -1}

    def current() -> ScoreReports:
        position = app.recorder.max_notification_id() or 0
        if position != caught_up["position"]:  # a run of checks needs one catch-up only
            catch_up(app, ledger)
            caught_up["position"] = position
        return ScoreReports(ledger.view)

    return current


# Reading the words of a step -----------------------------------------------------------------


def period_code(text: str) -> str:
    """2025年 → 2025, 2025年3月 → 2025-03, 2025年第一季度 → 2025-Q1, 2025年上半年 → 2025-H1."""
    match = re.fullmatch(r"(\d{4})年(?:第(.)季度|(.)半年|(\d{1,2})月)?", text)
    assert match, text
    year, quarter, half, month = match.groups()
    if quarter:
        return f"{year}-Q{QUARTERS[quarter]}"
    if half:
        return f"{year}-H{1 if half == '上' else 2}"
    if month:
        return f"{year}-{int(month):02d}"
    return year


def author_list(text: str) -> str:
    """张伟 / 张伟和王芳 / 张伟（0.6）和王芳（0.4） → the service's "张伟:0.6;王芳:0.4"."""
    authors = []
    for part in re.split(r"[、和]", text):
        match = re.fullmatch(r"(.+?)(?:（([\d.]+)）)?", part.strip())
        assert match, part
        name, share = match.groups()
        authors.append(f"{name}:{share}" if share else name)
    return ";".join(authors)


def read_standing(app: Tally, reports: Callable[[], ScoreReports],
                  request: pytest.FixtureRequest, values: dict[str, Any]) -> Standing:
    """The standing a "then" step names: its holder, its period, and the moment if it gives one."""
    fixture = AS_OF.get(values.get("时点") or "当前")
    as_of: datetime | None = request.getfixturevalue(fixture) if fixture else None
    holder = values["名称"]
    return reports().standing(holder, period_code(values["期间"]),
                              by=office.holder_kind(app, holder), as_of=as_of)


# Given: the method and the office --------------------------------------------------------------


@given(step("计分办法如下："), target_fixture="method_code")
@given(step("发布计分办法："), target_fixture="method_code")
@when(step("发布计分办法："), target_fixture="method_code")
def method_published(app: Tally, meta: CommandMeta, docstring: str) -> str:
    return office.publish(app, meta, docstring)


@given("有以下信息员：")
def officers(app: Tally, meta: CommandMeta, datatable: list[list[str]]) -> None:
    header, *rows = datatable
    for row in rows:
        entry = dict(zip(header, row, strict=True))
        office.enrol(app, meta, entry["姓名"], entry["单位"])


@given("有以下采用单位：")
def outlets(app: Tally, meta: CommandMeta, datatable: list[list[str]]) -> None:
    header, *rows = datatable
    for row in rows:
        entry = dict(zip(header, row, strict=True))
        office.register_outlet(app, meta, entry["名称"], CHANNELS[entry["渠道"]],
                               LEVELS[entry["级别"]])


@given(step("{名称}的{年}年目标任务为每月{篇数}篇"))
def monthly_target(app: Tally, meta: CommandMeta, 名称: str, 年: str, 篇数: str) -> None:
    office.monthly_target(app, meta, 名称, 年, int(篇数))


# When: what happens ----------------------------------------------------------------------------

SUBMITTED = "{作者}[合作]报送了{种类}\"{标题}\"，[事发日期为{事发日期}，报送]日期为{日期}"


@given(step(SUBMITTED))
@when(step(SUBMITTED))
def item_submitted(app: Tally, meta: CommandMeta, 作者: str, 种类: str, 标题: str,
                   事发日期: str | None, 日期: str) -> None:
    channel, category, research = KINDS[种类]
    office.submit_item(app, meta, authors=author_list(作者), title=标题, channel=channel,
                       category=category, research=research, event_date=事发日期 or 日期,
                       submitted_on=日期)


SENT = "把\"{标题}\"{报送方式}{采用单位}，日期为{日期}"


@given(step(SENT))
@when(step(SENT))
def item_sent(app: Tally, meta: CommandMeta, 标题: str, 报送方式: str, 采用单位: str,
              日期: str) -> None:
    office.send(app, meta, 标题, 采用单位, ROUTES[报送方式], 日期)


ADOPTED = "{采用单位}{采用形式}了\"{标题}\"，日期为{日期}"


@given(step(ADOPTED))
@when(step(ADOPTED))
def item_adopted(app: Tally, meta: CommandMeta, 采用单位: str, 采用形式: str, 标题: str,
                 日期: str) -> None:
    office.adopt(app, meta, 标题, 采用单位, FORMS[采用形式], 日期)


@when(step("{采用单位}撤销了对\"{标题}\"的采用"))
def adoption_retracted(app: Tally, meta: CommandMeta, 采用单位: str, 标题: str) -> None:
    office.retract(app, meta, 标题, 采用单位)


@when(step("{级别}领导{领导}批示了\"{标题}\"，日期为{日期}"))
def instruction_recorded(app: Tally, meta: CommandMeta, 级别: str, 领导: str, 标题: str,
                         日期: str) -> None:
    office.instruct(app, meta, 标题, LEVELS[级别], 领导, 日期)


@when(step("{名称}被通报{问题}\"{事由}\"，日期为{日期}"))
def finding_recorded(app: Tally, meta: CommandMeta, 名称: str, 问题: str, 事由: str,
                     日期: str) -> None:
    office.find(app, meta, 名称, FINDINGS[问题], 事由, 日期)


@when(step("{单位}逾期未报约稿\"{约稿}\"，截止日期为{截止日期}，记录日期为{日期}"))
def commission_lapsed(app: Tally, meta: CommandMeta, 单位: str, 约稿: str, 截止日期: str,
                      日期: str) -> None:
    office.lapse(app, meta, 单位, 约稿, 截止日期, 日期)


TRANSFERRED = "{名称}于{日期}调到{单位}"


@given(step(TRANSFERRED))
@when(step(TRANSFERRED))
def officer_transferred(app: Tally, meta: CommandMeta, 名称: str, 日期: str, 单位: str) -> None:
    office.transfer(app, meta, 名称, 单位, 日期)


CLOSED = "{单位}于{日期}撤并，并入{承接单位}"


@given(step(CLOSED))
@when(step(CLOSED))
def unit_closed(app: Tally, meta: CommandMeta, 单位: str, 日期: str, 承接单位: str) -> None:
    office.close_unit(app, meta, 单位, 日期, 承接单位)


@when(step("把计分办法\"{办法}\"的生效日期改为{日期}"))
def method_rescheduled(app: Tally, meta: CommandMeta, 办法: str, 日期: str) -> None:
    office.reschedule(app, meta, 办法, 日期)


@when("此时生成报表", target_fixture="report_moment")
def report_made(app: Tally) -> datetime:
    return office.report_moment(app)


# Then: what the reports say --------------------------------------------------------------------

WHOSE = "[按{时点}的记录，]{名称}{期间}"


@then(step(WHOSE + "得分为{分值}"))
def points_are(app: Tally, reports: Callable[[], ScoreReports], request: pytest.FixtureRequest,
               时点: str | None, 名称: str, 期间: str, 分值: str) -> None:
    found = read_standing(app, reports, request, {"时点": 时点, "名称": 名称, "期间": 期间})
    assert office.number(found.points) == office.number(分值), office.explain(found)


@then(step(WHOSE + "奖励金额为{金额}元"))
def money_is(app: Tally, reports: Callable[[], ScoreReports], request: pytest.FixtureRequest,
             时点: str | None, 名称: str, 期间: str, 金额: str) -> None:
    found = read_standing(app, reports, request, {"时点": 时点, "名称": 名称, "期间": 期间})
    assert office.number(found.money) == office.number(金额), office.explain(found)


@then(step(WHOSE + "采用数为{篇数}篇"))
def adoptions_are(app: Tally, reports: Callable[[], ScoreReports],
                  request: pytest.FixtureRequest, 时点: str | None, 名称: str, 期间: str,
                  篇数: str) -> None:
    found = read_standing(app, reports, request, {"时点": 时点, "名称": 名称, "期间": 期间})
    assert found.adoptions == int(篇数), office.explain(found)


#: The columns a table of score lines may have, and the field of a line each one shows.
LINE_COLUMNS = {"条款": "clause", "分值": "points", "金额": "money", "办法": "method",
                "日期": "date"}


@then(step(WHOSE + "的得分明细为："))
def lines_are(app: Tally, reports: Callable[[], ScoreReports], request: pytest.FixtureRequest,
              时点: str | None, 名称: str, 期间: str, datatable: list[list[str]]) -> None:
    found = read_standing(app, reports, request, {"时点": 时点, "名称": 名称, "期间": 期间})
    header, *rows = datatable
    actual, expected = office.line_tables(found, [LINE_COLUMNS[name] for name in header], rows)
    assert actual == expected, office.explain(found)


@then(step("{期间}{排名对象}排名为："))
def ranking_is(reports: Callable[[], ScoreReports], 期间: str, 排名对象: str,
               datatable: list[list[str]]) -> None:
    ranking = reports().ranking(period_code(期间), by="unit" if 排名对象 == "单位" else "officer")
    header, *rows = datatable
    assert header == ["名次", "名称", "得分"], header
    actual = [[str(entry["rank"]), entry["id"], office.number(entry["points"])]
              for entry in ranking]
    assert actual == [[rank, name, office.number(points)] for rank, name, points in rows]
