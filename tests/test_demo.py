"""The demo year: a realistic, deterministic 2025 of a county bureau, and ``tally demo``."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api import cli
from api.demo import demo_periods, generate_demo, is_demo_store
from api.web import create_app
from domain.application import CommandMeta, Tally
from domain.officer import Officer
from domain.outlet import Outlet
from domain.submission import Submission
from projections.registry import open_projections
from projections.runner import catch_up
from store.bootstrap import open_tally
from store.settings import DatabaseSettings
from tests.conftest import ModuleStores
from tests.test_projection_crash import snapshot
from tests.web import log_in

ZONE = ZoneInfo("Asia/Shanghai")
YEAR_END = datetime(2026, 1, 1, tzinfo=ZONE)
VALID_DATES = ("registered_on", "enrolled_on", "effective_on", "issued_on", "lapsed_on",
               "submitted_on", "sent_on", "adopted_on", "declined_on", "instructed_on",
               "fed_back_on")


@dataclass
class GeneratedYear:
    """A store holding the demo year, with its catalogue caught up."""

    settings: DatabaseSettings
    tally: Tally
    summary: dict[str, int]
    catalog: Any = None
    events: list[Any] = field(default_factory=list)


def generate_into(settings: DatabaseSettings) -> GeneratedYear:
    tally = open_tally(settings)
    year = GeneratedYear(settings, tally, generate_demo(tally))
    year.catalog = open_projections(settings)["catalog"]
    catch_up(tally, year.catalog)
    year.events = [tally.mapper.to_domain_event(n)
                   for n in tally.recorder.select_notifications(start=1, limit=100_000)]
    return year


class DemoYears:
    """The demo year generated once per backend for this module, on first use."""

    def __init__(self, folder: Path) -> None:
        self.stores = ModuleStores(folder, "demo")
        self.years: dict[str, GeneratedYear] = {}

    def get(self, backend: str) -> GeneratedYear:
        if backend not in self.years:
            self.years[backend] = generate_into(self.stores.fresh(backend))
        return self.years[backend]

    def close(self) -> None:
        for year in self.years.values():
            year.tally.close()
        self.stores.close()


@pytest.fixture(scope="module")
def demo_years(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoYears]:
    years = DemoYears(tmp_path_factory.mktemp("demo"))
    yield years
    years.close()


@pytest.fixture
def year(database: DatabaseSettings, demo_years: DemoYears) -> GeneratedYear:
    """The demo year on the backend of ``database`` (which decides the backend and the skips)."""
    return demo_years.get(database.backend)


def of_type(year: GeneratedYear, event_type: type) -> list[Any]:
    return [e for e in year.events if isinstance(e, event_type)]


def levels_by_outlet(year: GeneratedYear) -> dict[Any, str]:
    return {e.originator_id: e.level.value for e in of_type(year, Outlet.Registered)}


# The directory --------------------------------------------------------------------------

def test_the_demo_county_has_eight_units_and_twenty_five_officers(year: GeneratedYear) -> None:
    view = year.catalog.view
    units = view.units(year.tally.today())
    assert len(units) == 8
    assert {"县委办公室", "县教育局", "城关镇", "河口镇", "县公安局"} <= {u["name"] for u in units}
    assert {u["unit_class"] for u in units} == {"A类", "B类"}
    assert len(view.officers(year.tally.today())) == 25
    assert view.counts()["outlets"] == 12


def test_every_role_has_a_demo_account(year: GeneratedYear) -> None:
    from domain.account import Account

    opened = of_type(year, Account.Opened)
    roles = Counter(role.value for account in opened for role in account.roles)
    assert roles == {"administrator": 1, "editor": 1, "auditor": 1, "leader": 1,
                     "approver": 8, "officer": 25}
    assert all(a.unit_id for a in opened if a.username.startswith("approver-"))
    assert all(a.officer_id for a in opened if a.username.startswith("o"))
    assert all(a.username.isascii() for a in opened)


def test_outlets_cover_all_four_levels_on_both_channels(year: GeneratedYear) -> None:
    outlets = {(e.channel.value, e.level.value) for e in of_type(year, Outlet.Registered)}
    assert outlets == {(channel, level) for channel in ("info", "publicity")
                       for level in ("national", "provincial", "city", "county")}


def test_every_officer_and_unit_has_a_target_for_2025(year: GeneratedYear) -> None:
    from domain.target import Target

    targets = of_type(year, Target.Set)
    assert Counter(t.holder_kind.value for t in targets) == {"officer": 25, "unit": 8}
    assert {t.year for t in targets} == {2025}
    assert any(t.points for t in targets) and any(t.points is None for t in targets)


def test_exactly_one_officer_is_transferred_mid_year(year: GeneratedYear) -> None:
    [transfer] = of_type(year, Officer.Transferred)
    assert date(2025, 3, 1) <= transfer.effective_on <= date(2025, 10, 31)
    assert transfer.reason


# Submissions and outcomes -------------------------------------------------------------

def test_four_hundred_submissions_are_drafted_submitted_and_mostly_approved(
    year: GeneratedYear,
) -> None:
    drafted = of_type(year, Submission.Drafted)
    assert len(drafted) == 400 == year.catalog.view.counts()["submissions"]
    assert sorted(d.ref for d in drafted) == [f"2025-{n:04d}" for n in range(1, 401)]
    assert {d.channel.value for d in drafted} == {"info", "publicity"}
    assert {d.category.value for d in drafted} == {
        "new_measure", "important_situation", "typical_experience", "other"}
    assert any(len(d.authors) > 1 and d.authors[0].share is None for d in drafted)
    assert any(d.authors[0].share is not None for d in drafted)
    assert 3 <= len(of_type(year, Submission.Returned)) <= 12
    assert 3 <= len(of_type(year, Submission.Withdrawn)) <= 10
    approved = of_type(year, Submission.Approved)
    assert len(approved) >= 380
    assert all(a.approver.startswith("approver-u") for a in approved)


def test_about_150_adoptions_at_every_level_in_every_form(year: GeneratedYear) -> None:
    adoptions = of_type(year, Submission.Adopted)
    assert 150 <= len(adoptions) <= 180
    assert year.catalog.view.counts()["adoptions"] >= 150
    levels = levels_by_outlet(year)
    assert {levels[a.outlet_id] for a in adoptions} == {
        "national", "provincial", "city", "county"}
    assert {a.form.value for a in adoptions} == {"full", "merged", "excerpt"}
    assert {a.route.value for a in adoptions} == {"direct", "forwarded"}
    assert of_type(year, Submission.Declined)


def test_leader_instructions_at_several_levels_with_feedback_on_most(
    year: GeneratedYear,
) -> None:
    instructions = of_type(year, Submission.InstructionRecorded)
    feedback = of_type(year, Submission.InstructionFeedbackRecorded)
    assert len({i.leader_level.value for i in instructions}) >= 3
    assert len(instructions) / 2 < len(feedback) < len(instructions)


def test_commissions_are_fulfilled_by_submissions_and_one_lapses(year: GeneratedYear) -> None:
    from domain.commission import Commission

    assert len(of_type(year, Commission.Issued)) >= 3
    assert len(of_type(year, Commission.Fulfilled)) >= 3
    assert len(of_type(year, Commission.Lapsed)) == 1


def test_exactly_one_adoption_is_retracted_with_a_reason(year: GeneratedYear) -> None:
    [retraction] = of_type(year, Submission.AdoptionRetracted)
    assert retraction.reason


def test_one_adoption_of_2025_becomes_known_only_in_2026(year: GeneratedYear) -> None:
    late = [e for e in year.events if e.cause.known_at >= YEAR_END]
    assert len(late) == 1
    [notice] = late
    assert isinstance(notice, Submission.Adopted)
    assert date(2025, 12, 20) <= notice.adopted_on <= date(2025, 12, 31)
    assert notice.cause.known_at.astimezone(ZONE).date() == date(2026, 1, 10)


def test_every_fact_is_known_at_or_after_it_happened_in_the_order_recorded(
    year: GeneratedYear,
) -> None:
    known = [e.cause.known_at for e in year.events]
    assert all(k is not None and k.utcoffset() is not None for k in known)
    assert known == sorted(known)
    assert min(known) >= datetime(2025, 1, 1, tzinfo=ZONE)
    for event in year.events:
        for name in VALID_DATES:
            valid = getattr(event, name, None)
            if isinstance(valid, date) and not isinstance(valid, datetime):
                assert event.cause.known_at.astimezone(ZONE).date() >= valid, (event, name)


# Determinism, the web page and the command line ----------------------------------------

def facts(tally: Tally) -> list[tuple[Any, ...]]:
    """The stored events without the wall-clock time each was created at."""
    rows = []
    for n in tally.recorder.select_notifications(start=1, limit=100_000):
        state = json.loads(n.state)
        state.pop("timestamp", None)
        rows.append((n.originator_id, n.originator_version, n.topic, state))
    return rows


def catalogue_rows(catalog: Any) -> dict[str, list[dict[str, Any]]]:
    return snapshot(catalog.view)


def test_two_generations_into_fresh_stores_record_the_same_facts(
    year: GeneratedYear, database: DatabaseSettings
) -> None:
    again = generate_into(database)
    try:
        assert again.summary == year.summary
        assert facts(again.tally) == facts(year.tally)
        assert catalogue_rows(again.catalog) == catalogue_rows(year.catalog)
    finally:
        again.tally.close()


def test_the_home_page_shows_the_demo_units_and_officers(year: GeneratedYear) -> None:
    with TestClient(create_app(year.settings)) as client:
        log_in(client, "leader")
        dashboard = client.get("/")
        directory = client.get("/directory")  # the directory moved off the dashboard
    assert dashboard.status_code == 200 and directory.status_code == 200
    assert "稿件 400 篇" in dashboard.text
    for name in ("县委办公室", "县发展和改革局", "河口镇", "张伟", "韩雪", "稿件 400 篇"):
        assert name in directory.text


def test_tally_demo_replaces_an_old_sqlite_file_and_prints_the_logins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TALLY_DATABASE_URL", raising=False)
    path = tmp_path / "demo.db"
    for stale in (path, tmp_path / "demo.db-wal", tmp_path / "demo.db-shm"):
        stale.write_bytes(b"not a database")
    result = CliRunner().invoke(cli.app, ["demo", "--no-serve", "--database",
                                          f"sqlite:///{path}", "--port", "8123"])
    assert result.exit_code == 0, result.output
    assert "http://127.0.0.1:8123/" in result.output
    for login in ("admin", "editor", "auditor", "leader", "approver-u01", "o01"):
        assert login in result.output
    tally = open_tally(DatabaseSettings(f"sqlite:///{path}"))
    try:
        drafted = [n for n in tally.recorder.select_notifications(start=1, limit=100_000)
                   if n.topic.endswith("Submission.Drafted")]
        assert len(drafted) == 400
        # each of 2025's 19 bulletins published five days after its period ended, and the
        # January notice issued as an erratum to the year's
        assert "19 bulletins published" in result.output
        assert all(tally.is_published(label) for label in demo_periods())
        year = tally.published_bulletin("2025")
        assert year["as_of"].astimezone(tally.zone).isoformat().startswith("2026-01-05T17:00")
        assert any(erratum["fact"]["known_at"].startswith("2026-01-10")
                   for erratum in year["errata"])
    finally:
        tally.close()


def test_tally_demo_refuses_a_store_that_holds_other_facts(
    app: Tally, database: DatabaseSettings
) -> None:
    app.register_unit("u01", "县委办公室", "A类", "2025-01-02", meta=CommandMeta(actor="admin"))
    result = CliRunner().invoke(cli.app, ["demo", "--no-serve", "--database", database.url])
    assert result.exit_code == 1
    assert "already holds 1 event." in result.output
    assert app.recorder.max_notification_id() == 1


def test_tally_demo_names_a_bad_database_url() -> None:
    result = CliRunner().invoke(cli.app, ["demo", "--no-serve", "--database", "mysql://x/y"])
    assert result.exit_code == 2
    assert "unknown scheme" in result.output


def test_a_store_is_recognised_as_a_demo_by_its_first_fact(year: GeneratedYear, app: Tally) -> None:
    assert is_demo_store(year.tally)
    assert not is_demo_store(app)
    app.register_unit("u01", "县委办公室", "A类", "2025-01-02", meta=CommandMeta(actor="admin"))
    assert not is_demo_store(app)
