"""Bulletins and quota progress, on both backends: a small office's first quarter, and the
demo year with its late adoption notice (issue 4's "must show")."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from api.demo import generate_demo
from api.demo_data import LATE_NOTICE_TITLE
from domain.application import Tally
from domain.period import Period
from projections.bulletins import (
    GRADE_THRESHOLDS,
    TIE_RULE,
    bulletin,
    canonical_bytes,
    digest,
    grade,
)
from projections.quota import StandingsAt, completion, quota_progress
from projections.runner import catch_up
from projections.scores import ScoreReports
from store.bootstrap import open_tally
from store.settings import DatabaseSettings
from tests.bulletin_office import ITEM_C, ITEM_D, known, office_reports, record_office
from tests.conftest import ModuleStores

ZONE = ZoneInfo("Asia/Shanghai")
BEFORE_NOTICE = "2026-01-09"
NOTICE_REF = "adoption:info-province-party:2025-12-26"


def rows(content: dict[str, Any], table: str) -> dict[str, dict[str, Any]]:
    return {row["id"]: row for row in content[table]}


@dataclass
class Office:
    reports: ScoreReports
    ledger: Any
    items: dict[str, str]


@pytest.fixture
def office(app: Tally, database: DatabaseSettings) -> Iterator[Office]:
    items = record_office(app)
    reports, ledger = office_reports(app, database)
    yield Office(reports, ledger, items)
    ledger.view.datastore.close()


# The small office -----------------------------------------------------------------------

def test_the_monthly_bulletin_shows_the_period_and_the_running_total_apart(office: Office) -> None:
    reports = office.reports
    march = bulletin(reports, "2025-03")
    assert (march["kind"], march["kind_name"], march["title"]) == (
        "month", "月通报", "2025年3月信息宣传工作通报")
    assert march["year_to_date"] == {"label": "2025-01..03", "start": "2025-01-01",
                                     "end": "2025-03-31"}
    officers, units = rows(march, "officers"), rows(march, "units")
    # 张伟: item B (10) and March's quota base (10); the year adds item A (20) and February's.
    assert (officers["o1"]["points"], officers["o1"]["ytd_points"]) == ("20.00", "50.00")
    assert (officers["o1"]["money"], officers["o1"]["ytd_money"]) == ("0.00", "500.00")
    assert (officers["o1"]["adoptions"], officers["o1"]["ytd_adoptions"]) == (1, 2)
    assert (units["u1"]["points"], units["u1"]["ytd_points"]) == ("70.00", "90.00")
    # 王芳 did nothing before March: the same number twice, because it is.
    assert officers["o2"]["points"] == officers["o2"]["ytd_points"] == "50.00"
    assert march["unit_totals"]["points"] == "70.00"
    assert march["unit_totals"]["ytd_points"] == "90.00"
    quarter = bulletin(reports, "2025-Q1")  # starts on 1 January: both columns are the year's
    assert all(r["points"] == r["ytd_points"] and r["rank"] == r["ytd_rank"]
               for r in quarter["officers"] + quarter["units"])


def test_quota_completion_without_a_target_and_with_nothing_done(office: Office) -> None:
    reports = office.reports
    march = rows(bulletin(reports, "2025-03"), "officers")
    assert (march["o2"]["target_items"], march["o2"]["completion"]) == (None, None)
    assert (march["o2"]["ytd_target_items"], march["o2"]["ytd_completion"]) == (None, None)
    assert (march["o3"]["items"], march["o3"]["target_items"], march["o3"]["completion"]) == (
        0, 1, "0.0")
    assert march["o1"]["completion"] == "100.0"
    assert march["o1"]["ytd_completion"] == "66.6"  # 2 of 3, cut rather than rounded up
    quarter = bulletin(reports, "2025-Q1")
    grades = {r["id"]: r["grade"] for r in quarter["officers"] + quarter["units"]}
    assert grades == {"o1": "合格", "o2": None, "o3": "不合格", "o4": None, "u1": "不合格",
                      "u2": None}
    assert quarter["grades"]["officers"] == {"优秀": 0, "良好": 0, "合格": 1, "不合格": 1,
                                             "未定目标": 2}
    assert [t["grade"] for t in quarter["grade_thresholds"]] == ["优秀", "良好", "合格"]
    assert "grade" not in march and "grades" not in bulletin(reports, "2025-03")


def test_grades_and_completion_at_their_thresholds() -> None:
    assert [least for least, _ in GRADE_THRESHOLDS] == [100, 80, 60]
    cases = {"100.0": "优秀", "99.9": "良好", "80.0": "良好", "79.9": "合格", "60.0": "合格",
             "59.9": "不合格", "0.0": "不合格"}
    assert {p: grade(Decimal(p)) for p in cases} == cases
    assert grade(None) is None
    assert completion(0, None) is None and completion(3, 0) is None
    assert completion(0, 4) == Decimal("0.0")
    assert completion(599, 1000) == Decimal("59.9")  # never rounded up into a better grade
    assert completion(5, 4) == Decimal("125.0")


def test_an_adoption_on_the_last_day_of_a_period_counts_in_it(office: Office) -> None:
    reports = office.reports
    march, april = bulletin(reports, "2025-03"), bulletin(reports, "2025-04")
    city = {r["level"]: r for r in march["summary"]["adoptions_by_level"]}["city"]
    assert city["total"] == 1  # item B, adopted by the city on 31 March
    assert rows(march, "officers")["o1"]["items"] == 1
    assert rows(march, "officers")["o1"]["adoptions_by_level"]["city"] == 1
    assert april["summary"]["adoptions"] == 0
    assert rows(april, "officers")["o1"]["points"] == "0.00"
    assert rows(bulletin(reports, "2025-Q1"), "officers")["o1"]["adoptions"] == 2
    progress = quota_progress(reports, "2025", "officer")
    o1 = {h["id"]: h for h in progress["holders"]}["o1"]
    assert [m["done"] for m in o1["months"][:4]] == [0, 1, 1, 0]


def test_the_adoption_rate_is_none_for_a_holder_who_submitted_nothing(office: Office) -> None:
    reports = office.reports
    march = rows(bulletin(reports, "2025-03"), "officers")
    assert (march["o3"]["submitted"], march["o3"]["adoption_rate"]) == (0, None)
    assert (march["o4"]["submitted"], march["o4"]["adoption_rate"]) == (1, "0.0000")
    ranking = {r["id"]: r for r in reports.ranking("2025-Q1", "officer", order="rate")}
    assert ranking["o3"]["adoption_rate"] is None
    assert ranking["o3"]["rank"] == 4  # no rate ranks last


def test_ties_share_a_rank_the_next_rank_skips_and_the_rule_is_stated(office: Office) -> None:
    reports = office.reports
    quarter = bulletin(reports, "2025-Q1")
    assert [(r["rank"], r["id"], r["points"]) for r in quarter["officers"]] == [
        (1, "o1", "50.00"), (1, "o2", "50.00"), (3, "o3", "0.00"), (3, "o4", "0.00")]
    assert quarter["tie_rule"] == TIE_RULE and "1、2、2、4" in TIE_RULE


def test_highlights_name_provincial_adoptions_and_leader_instructions(office: Office) -> None:
    reports = office.reports
    march = bulletin(reports, "2025-03")["highlights"]
    assert [(h["title"], h["outlet_name"], h["level"], h["form"], h["authors"], h["points"])
            for h in march["high_level_adoptions"]] == [
        (ITEM_C, "省委办公厅", "provincial", "综合采用", ["王芳"], "10.00")]
    assert [(i["title"], i["leader"], i["level_name"], i["instructed_on"], i["units"])
            for i in march["instructions"]] == [
        (ITEM_C, "省长", "省级", "2025-03-20", ["县委办公室"])]
    outlets = bulletin(reports, "2025-03")["summary"]["adoptions_by_outlet"]
    assert [(o["name"], o["level_name"], o["count"]) for o in outlets] == [
        ("省委办公厅", "省级", 1), ("市委办公室", "市级", 1)]


def test_a_bulletin_is_the_same_bytes_for_the_same_facts_and_moment(
    office: Office, app: Tally
) -> None:
    reports = office.reports
    pinned = bulletin(reports, "2025-03", "2025-03-31")
    again = bulletin(ScoreReports(reports.ledger, zone=ZONE), "2025-03",
                     datetime(2025, 3, 31, 23, 59, 59, 999999, tzinfo=ZONE))
    assert canonical_bytes(again) == canonical_bytes(pinned)
    assert canonical_bytes(pinned) == json.dumps(
        pinned, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
    # Item B's adoption on 31 March was known on 1 April: not in the bulletin of 31 March.
    assert rows(pinned, "officers")["o1"]["adoptions"] == 0
    # A late notice of a March adoption changes the present view, never the pinned bulletin.
    item_d = office.items[ITEM_D]
    app.send_to_outlet(item_d, "city", "direct", "2025-03-20", meta=known("2025-04-10"))
    app.record_adoption(item_d, "city", "excerpt", "2025-03-28", meta=known("2025-04-10"))
    catch_up(app, office.ledger)
    assert digest(bulletin(reports, "2025-03", "2025-03-31")) == digest(pinned)
    now = bulletin(reports, "2025-03")
    assert digest(now) != digest(pinned)
    assert rows(now, "officers")["o4"]["adoptions"] == 1
    assert now["log"]["facts"] > pinned["log"]["facts"]
    assert now["as_of"] is None and pinned["as_of"] == "2025-03-31T23:59:59.999999+08:00"


def test_quota_progress_by_month_and_who_is_behind(office: Office) -> None:
    reports = office.reports
    progress = quota_progress(reports, "2025", "officer", as_of="2025-04-15")
    assert (progress["period"], progress["assessed_through"]) == ("2025", 3)
    holders = {h["id"]: h for h in progress["holders"]}
    o1 = holders["o1"]
    assert [(m["month"], m["target"], m["done"], m["cumulative_target"], m["cumulative_done"])
            for m in o1["months"][:4]] == [(1, 1, 0, 1, 0), (2, 1, 1, 2, 1), (3, 1, 1, 3, 2),
                                           (4, 1, 0, 4, 2)]
    assert (o1["due_target"], o1["due_done"], o1["completion"], o1["behind"],
            o1["shortfall"]) == (3, 2, "66.6", True, 1)
    assert (holders["o3"]["due_done"], holders["o3"]["completion"],
            holders["o3"]["shortfall"]) == (0, "0.0", 3)
    for nothing_to_meet in ("o2", "o4"):  # no target: never behind, no completion
        holder = holders[nothing_to_meet]
        assert (holder["year_target"], holder["completion"], holder["behind"]) == (
            None, None, False)
        assert {m["target"] for m in holder["months"]} == {None}
    units = {h["id"]: h for h in quota_progress(reports, "2025", "unit", "2025-04-15")["holders"]}
    assert (units["u1"]["due_target"], units["u1"]["due_done"]) == (6, 3)
    # A month counts as assessed once its last day has ended, not before.
    assert quota_progress(reports, "2025", "officer", "2025-03-31")["assessed_through"] == 3
    assert quota_progress(reports, "2025", "officer", "2025-03-30")["assessed_through"] == 2
    quarter = quota_progress(reports, "2025-Q1", "officer", "2025-04-15")
    assert [m["month"] for m in quarter["holders"][0]["months"]] == [1, 2, 3]


# The demo year and its late adoption notice ------------------------------------------------

@dataclass
class DemoYear:
    settings: DatabaseSettings
    tally: Tally
    ledger: Any
    reports: ScoreReports


class DemoYears:
    """The demo year generated once per backend for this module, with its ledger caught up."""

    def __init__(self, folder: Path) -> None:
        self.stores = ModuleStores(folder, "bulletin")
        self.years: dict[str, DemoYear] = {}

    def get(self, backend: str) -> DemoYear:
        if backend not in self.years:
            settings = self.stores.fresh(backend)
            tally = open_tally(settings)
            generate_demo(tally)
            reports, ledger = office_reports(tally, settings)
            self.years[backend] = DemoYear(settings, tally, ledger, reports)
        return self.years[backend]

    def close(self) -> None:
        for year in self.years.values():
            year.ledger.view.datastore.close()
            year.tally.close()
        self.stores.close()


@pytest.fixture(scope="module")
def demo_years(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoYears]:
    years = DemoYears(tmp_path_factory.mktemp("bulletin-demo"))
    yield years
    years.close()


@pytest.fixture
def demo(database: DatabaseSettings, demo_years: DemoYears) -> DemoYear:
    """The demo year on the backend of ``database`` (which decides the backend and the skips)."""
    return demo_years.get(database.backend)


def notice_points(reports: ScoreReports, by: str) -> dict[str, Decimal]:
    """The points the late notice gives each holder, read from its own ledger lines."""
    found: dict[str, Decimal] = {}
    for standing in reports.standings("2025-12", by):
        for line in standing.lines:
            if line.ref == NOTICE_REF:
                found[standing.code] = found.get(standing.code, Decimal(0)) + line.points
    return found


@pytest.mark.parametrize("by", ["officer", "unit"])
def test_the_late_notice_changes_the_2025_ranking_by_exactly_its_points(
    demo: DemoYear, by: str
) -> None:
    reports = demo.reports
    expected = notice_points(reports, by)
    # 省委办公厅 merged (10), forwarded by the office (x2), to one author and their unit.
    assert list(expected.values()) == [Decimal("20.00")]
    before = {s.code: s for s in reports.standings("2025", by, BEFORE_NOTICE)}
    now = {s.code: s for s in reports.standings("2025", by)}
    assert before.keys() == now.keys()
    changed = {code: now[code].points - before[code].points for code in now
               if now[code].points != before[code].points}
    assert changed == expected
    ranking_then = reports.ranking("2025", by, BEFORE_NOTICE)
    ranking_now = reports.ranking("2025", by)
    assert ranking_then != ranking_now

    difference = reports.difference("2025", BEFORE_NOTICE, by=by)
    [cause] = difference["causes"]
    assert "省委办公厅" in cause["fact"] and LATE_NOTICE_TITLE in cause["fact"]
    assert (cause["valid_on"], cause["points"], cause["id"]) == (
        "2025-12-26", "20.00", next(iter(expected)))
    assert cause["known_at"] == "2026-01-10T10:30:00+08:00"  # in office time
    moved = {h["id"]: h["change"] for h in difference["holders"] if h["change"] != "0.00"}
    assert moved == {code: f"{points:.2f}" for code, points in expected.items()}


def test_the_2025_bulletin_as_of_the_day_before_the_notice_stays_the_same(
    demo: DemoYear
) -> None:
    reports = demo.reports
    pinned = bulletin(reports, "2025", BEFORE_NOTICE)
    assert canonical_bytes(bulletin(reports, "2025", BEFORE_NOTICE)) == canonical_bytes(pinned)
    now = bulletin(reports, "2025")
    assert digest(now) != digest(pinned)
    assert (Decimal(now["unit_totals"]["points"]) - Decimal(pinned["unit_totals"]["points"])
            == Decimal(20))
    assert now["summary"]["adoptions"] == pinned["summary"]["adoptions"] + 1
    [late] = [h for h in now["highlights"]["high_level_adoptions"]
              if h["title"] == LATE_NOTICE_TITLE]
    assert (late["outlet_name"], late["adopted_on"], late["points"]) == (
        "省委办公厅", "2025-12-26", "20.00")
    assert LATE_NOTICE_TITLE not in {h["title"] for h in
                                     pinned["highlights"]["high_level_adoptions"]
                                     if h["outlet_name"] == "省委办公厅"}


@pytest.mark.parametrize("period, kind", [("2025-03", "month"), ("2025-Q3", "quarter"),
                                          ("2025-H2", "half"), ("2025", "year")])
def test_each_kind_of_bulletin_on_the_demo_year(demo: DemoYear, period: str, kind: str) -> None:
    reports = demo.reports
    content = bulletin(reports, period)
    assert content["kind"] == kind
    for table in ("units", "officers"):
        differ = [r for r in content[table] if r["points"] != r["ytd_points"]]
        assert bool(differ) == (kind in ("month", "quarter") or period == "2025-H2"), table
        total = sum(Decimal(r["points"]) for r in content[table])
        assert content[f"{table[:-1]}_totals"]["points"] == f"{total:.2f}"
        assert [r["rank"] for r in content[table]] == sorted(r["rank"] for r in content[table])
    span = Period.parse(period)
    facts = reports.facts()
    adopted = sum(1 for item in facts.items.values()
                  if item.submitted_on and not item.withdrawn and item.authors
                  for adoption in item.adoptions if adoption.adopted_on in span)
    assert content["summary"]["adoptions"] == adopted
    assert sum(level["total"] for level in content["summary"]["adoptions_by_level"]) == adopted
    assert {h["level"] for h in content["highlights"]["high_level_adoptions"]} <= {
        "national", "provincial"}
    assert ("grades" in content) == (kind == "quarter")
    assert ("top_items" in content) == (kind == "year")
    if kind == "year":
        points = [Decimal(item["points"]) for item in content["top_items"]]
        assert points == sorted(points, reverse=True) and len(points) >= 10
        assert content["highlights"]["instructions"]
        assert set(content["channel_rankings"]) == {"info", "publicity"}


def test_spans_of_the_score_reports_match_the_named_periods(demo: DemoYear) -> None:
    reports = demo.reports
    at = StandingsAt(reports, BEFORE_NOTICE)
    for period in ("2025", "2025-H1", "2025-Q4", "2025-12"):
        for by in ("officer", "unit"):
            mine = [s.as_dict() for s in at.of(Period.parse(period), by)]
            assert mine == reports.ranking(period, by, BEFORE_NOTICE), (period, by)


def test_tally_report_diff_names_the_late_notice_as_the_cause(demo: DemoYear) -> None:
    from tests.test_cli_reports import tally

    result = tally("report", "diff", "--period", "2025", "--before", BEFORE_NOTICE, "--by",
                   "unit", "--format", "json", url=demo.settings.url)
    assert result.returncode == 0, result.stderr.decode()
    difference = json.loads(result.stdout.decode("utf-8"))
    [moved] = [h for h in difference["holders"] if h["change"] != "0.00"]
    assert (moved["name"], moved["change"]) == ("县发展和改革局", "20.00")
    [cause] = moved["causes"]
    assert cause["known_at"] == "2026-01-10T10:30:00+08:00"
    assert cause["fact"] == f"《{LATE_NOTICE_TITLE}》省委办公厅综合采用（2025-12-26）"
