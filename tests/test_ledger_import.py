"""Import of existing ledgers: the demo year exported to CSV (and to a workbook) and imported into
a fresh store gives the same rankings and bulletins; a malformed import is refused whole,
naming file, line and field, and writes nothing."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from api import cli, ledger_sort, ledger_staging
from api.demo import generate_demo
from api.ledger_export import ExportReport, export_ledgers
from api.ledger_import import ImportReport, import_ledgers
from domain.application import Tally
from domain.submission import Submission
from projections.audit import AuditTrail
from projections.bulletins import bulletin
from projections.registry import open_projection
from projections.runner import refresh
from projections.scores import ScoreReports
from store.bootstrap import open_tally
from store.settings import DatabaseSettings
from tests.conftest import ModuleStores, event_count

ZONE = ZoneInfo("Asia/Shanghai")
LEDGERS = Path(__file__).parent / "data" / "ledgers"
BEFORE_THE_LATE_NOTICE = "2026-01-09"
RANKINGS = [("2025", None), ("2025-Q3", None), ("2025-11", None),
            ("2025", BEFORE_THE_LATE_NOTICE)]
BULLETINS = [("2025", None), ("2025-Q4", None), ("2025-12", None),
             ("2025", BEFORE_THE_LATE_NOTICE)]


@dataclass
class Store:
    tally: Tally
    reports: ScoreReports
    settings: DatabaseSettings

    def events(self) -> list[Any]:
        return [self.tally.mapper.to_domain_event(n)
                for n in self.tally.recorder.select_notifications(start=1, limit=100_000)]


def opened(settings: DatabaseSettings) -> Store:
    tally = open_tally(settings)
    ledger = open_projection(settings, "ledger")
    refresh(tally, ledger)
    return Store(tally, ScoreReports(ledger.view), settings)


@dataclass
class RoundTrip:
    """The demo year, its export, and the export imported into fresh stores."""

    demo: Store
    exported: ExportReport
    from_csv: Store
    csv_report: ImportReport
    from_xlsx: Store
    xlsx_report: ImportReport


class RoundTrips:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.stores = [ModuleStores(folder, name) for name in ("demo", "csv", "xlsx")]
        self.trips: dict[str, RoundTrip] = {}

    def get(self, backend: str) -> RoundTrip:
        if backend not in self.trips:
            demo, from_csv, from_xlsx = (s.fresh(backend) for s in self.stores)
            tally = open_tally(demo)
            generate_demo(tally)
            exported = export_ledgers(tally, self.folder / f"{backend}-csv")
            export_ledgers(tally, self.folder / f"{backend}.xlsx")
            csv_report = import_ledgers(from_csv, self.folder / f"{backend}-csv")
            xlsx_report = import_ledgers(from_xlsx, self.folder / f"{backend}.xlsx")
            assert csv_report.ok and xlsx_report.ok, csv_report.errors + xlsx_report.errors
            tally.close()
            self.trips[backend] = RoundTrip(opened(demo), exported, opened(from_csv),
                                            csv_report, opened(from_xlsx), xlsx_report)
        return self.trips[backend]

    def close(self) -> None:
        for trip in self.trips.values():
            for store in (trip.demo, trip.from_csv, trip.from_xlsx):
                store.tally.close()
                store.reports.ledger.datastore.close()  # type: ignore[attr-defined]
        for stores in self.stores:
            stores.close()


@pytest.fixture(scope="module")
def round_trips(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RoundTrips]:
    trips = RoundTrips(tmp_path_factory.mktemp("ledgers"))
    yield trips
    trips.close()


@pytest.fixture
def trip(database: DatabaseSettings, round_trips: RoundTrips) -> RoundTrip:
    """The round trip on the backend of ``database`` (which decides the backend and skips)."""
    return round_trips.get(database.backend)


def imported(trip: RoundTrip) -> list[Store]:
    return [trip.from_csv, trip.from_xlsx]


# The demo year, exported and imported -----------------------------------------------------

def test_the_export_holds_every_fact_of_the_demo_year(trip: RoundTrip) -> None:
    assert trip.exported.not_exported == Counter()
    assert trip.exported.methods == ["demo-2025"]
    assert trip.exported.rows["submissions.csv"] == 400
    assert {"returns.csv", "withdrawals.csv", "sends.csv", "declines.csv", "commissions.csv",
            "lapses.csv", "feedback.csv", "transfers.csv", "retractions.csv"} <= \
        set(trip.exported.rows)


def test_the_imported_year_has_the_same_events_known_at_the_same_moments(
    trip: RoundTrip,
) -> None:
    def facts(store: Store) -> Counter[tuple[Any, ...]]:
        """Each event, known when its cause says (or when it was recorded)."""
        found: Counter[tuple[Any, ...]] = Counter()
        for n in store.tally.recorder.select_notifications(start=1, limit=100_000):
            e = store.tally.mapper.to_domain_event(n)
            found[(type(e).__qualname__, e.originator_id, e.originator_version,
                   e.cause.known_at or n.recorded_at)] += 1  # type: ignore[attr-defined]
        return found

    original = facts(trip.demo)
    for store in imported(trip):
        assert facts(store) == original
        assert event_count(store.tally) == event_count(trip.demo.tally)


@pytest.mark.parametrize("by", ["officer", "unit"])
def test_the_imported_year_ranks_officers_and_units_the_same(trip: RoundTrip, by: str) -> None:
    for period, as_of in RANKINGS:
        expected = trip.demo.reports.ranking(period, by, as_of)
        assert expected
        for store in imported(trip):
            assert store.reports.ranking(period, by, as_of) == expected, (period, as_of)
    # The as-of ranking is a different one: the late notice moves the year's points.
    assert trip.demo.reports.ranking("2025", by, BEFORE_THE_LATE_NOTICE) != \
        trip.demo.reports.ranking("2025", by)


def test_the_imported_year_gives_the_same_bulletins(trip: RoundTrip) -> None:
    for period, as_of in BULLETINS:
        expected = bulletin(trip.demo.reports, period, as_of)
        for store in imported(trip):
            assert bulletin(store.reports, period, as_of) == expected, (period, as_of)


def test_imported_facts_are_marked_as_imported_with_their_file_and_line(
    trip: RoundTrip,
) -> None:
    store = trip.from_csv
    [late] = [e for e in store.events() if isinstance(e, Submission.Adopted)
              and e.cause.known_at == datetime(2026, 1, 10, 10, 30, tzinfo=ZONE)]
    assert late.cause.actor == "import"
    assert late.cause.correlation_id.startswith(f"import/{trip.csv_report.run_id}/adoptions.csv:")
    audit = open_projection(store.settings, "audit")
    refresh(store.tally, audit)
    trail = AuditTrail(audit.view).entries(item=str(late.originator_id))
    audit.view.datastore.close()  # type: ignore[attr-defined]
    assert trail and all(row["imported"] and row["actor"] == "import" for row in trail)


# Refusals -----------------------------------------------------------------------------------

def import_small(app: Tally) -> ImportReport:
    report = import_ledgers(app, LEDGERS / "small")
    assert report.ok, report.errors
    return report


def test_a_small_ledger_is_known_at_its_known_on_or_at_the_end_of_its_date(app: Tally) -> None:
    report = import_small(app)
    assert report.events == event_count(app)
    adopted = {e.adopted_on.isoformat(): e.cause.known_at for e in
               (app.mapper.to_domain_event(n) for n in
                app.recorder.select_notifications(start=1, limit=1000))
               if isinstance(e, Submission.Adopted)}
    assert adopted == {"2025-02-20": datetime(2025, 2, 22, 23, 59, 59, tzinfo=ZONE),
                       "2025-03-12": datetime(2025, 3, 12, 23, 59, 59, tzinfo=ZONE)}
    assert app.get_submission(str(Submission.create_id("s2")))["authors"] == [
        {"officer_id": str(app._officer("o", "o1").id), "share": "0.6"},
        {"officer_id": str(app._officer("o", "o2").id), "share": "0.4"}]


def test_a_later_import_adds_to_what_the_store_holds(app: Tally) -> None:
    import_small(app)

    report = import_ledgers(app, LEDGERS / "later")

    assert report.ok, report.errors
    assert report.commands == {"record_adoption": 1, "record_instruction": 1,
                               "record_feedback": 1}
    item = app.get_submission(str(Submission.create_id("s1")))
    assert item["instructions"] == 2  # numbered after the one the store held
    adoptions = app.get_submission(str(Submission.create_id("s2")))["adoptions"]
    assert [(a["form"], a["route"]) for a in adoptions] == [("merged", "direct"),
                                                            ("full", "forwarded")]


def test_a_malformed_import_is_refused_whole_naming_file_line_and_field(app: Tally) -> None:
    import_small(app)
    before = event_count(app)

    report = import_ledgers(app, LEDGERS / "malformed")

    found = {(e.file, e.line, e.field) for e in report.errors}
    assert found == {
        ("officers.csv", 2, "enrolled_on"),  # 2025-13-01
        ("officers.csv", 4, "officer_id"),  # o4 twice
        ("submissions.csv", 2, "authors"),  # no officer o9
        ("submissions.csv", 3, "authors"),  # shares sum to 0.9
    }, report.errors
    assert not report.ok and report.events == 0
    assert event_count(app) == before


def test_importing_the_same_ledger_twice_is_refused(app: Tally) -> None:
    import_small(app)
    before = event_count(app)
    report = import_ledgers(app, LEDGERS / "small")
    assert ("units.csv", 2, "unit_id") in {(e.file, e.line, e.field) for e in report.errors}
    assert report.methods_already_published == ["office-2025"]
    assert event_count(app) == before


def test_a_row_a_command_refuses_while_recording_writes_nothing_of_the_run(app: Tally) -> None:
    import_small(app)
    before = event_count(app)

    report = import_ledgers(app, LEDGERS / "late_refusal")

    assert [(e.file, e.line, e.field) for e in report.errors] == [
        ("adoptions.csv", 3, "adopted_on")]
    assert "precedes submission" in report.errors[0].message
    assert event_count(app) == before  # not even the good row on line 2


def test_a_run_streamed_in_small_chunks_records_the_same_and_refuses_the_same(
    app: Tally, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Steps sorted in spilled runs of 3, events appended 2 at a time, 1 aggregate kept: every
    # other is read back from the open transaction when a later command needs it.
    monkeypatch.setattr(ledger_sort, "RUN", 3)
    monkeypatch.setattr(ledger_sort, "BATCH", 2)
    monkeypatch.setattr(ledger_staging, "CHUNK", 2)
    monkeypatch.setattr(ledger_staging, "KEEP", 1)
    test_a_small_ledger_is_known_at_its_known_on_or_at_the_end_of_its_date(app)
    before = event_count(app)

    report = import_ledgers(app, LEDGERS / "late_refusal")

    assert [(e.file, e.line, e.field) for e in report.errors] == [
        ("adoptions.csv", 3, "adopted_on")]
    assert event_count(app) == before


def test_a_dry_run_streamed_in_small_chunks_writes_nothing_and_counts_what_it_would(
    app: Tally, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A dry run records every command, appending chunk by chunk into the open transaction
    on PostgreSQL, then rolls it back: the store is as it was, and the real run records the
    events the dry run counted."""
    monkeypatch.setattr(ledger_staging, "CHUNK", 2)
    monkeypatch.setattr(ledger_staging, "KEEP", 1)
    checked = import_ledgers(app, LEDGERS / "small", dry_run=True)
    assert checked.ok and checked.dry_run and checked.events > 2 * 2
    assert app.recorder.max_notification_id() is None and checked.positions is None
    done = import_ledgers(app, LEDGERS / "small")
    stored = app.recorder.select_notifications(start=1, limit=10_000)
    assert done.events == checked.events == len(stored)  # (the rollback left a gap of ids)
    assert done.commands == checked.commands


def test_an_unknown_file_or_column_is_refused(app: Tally, tmp_path: Path) -> None:
    (tmp_path / "units.csv").write_text("unit_id,name,class,colour\nu1,县委办公室,A类,红\n",
                                        encoding="utf-8")
    (tmp_path / "adoption.csv").write_text("submission_id\n", encoding="utf-8")
    report = import_ledgers(app, tmp_path)
    assert {(e.file, e.field) for e in report.errors} == {("units.csv", "colour"),
                                                          ("adoption.csv", "")}
    assert event_count(app) == 0


# The command line ---------------------------------------------------------------------------

def test_tally_import_reports_what_it_recorded_or_every_refused_row(
    database: DatabaseSettings,
) -> None:
    runner = CliRunner()
    env = {"TALLY_DATABASE_URL": database.url, "COLUMNS": "200"}

    checked = runner.invoke(cli.app, ["import", str(LEDGERS / "small"), "--dry-run"], env=env)
    assert checked.exit_code == 0, checked.output
    would = int(checked.output.split("would record ")[1].split(" ")[0])
    assert "nothing was written" in checked.output
    assert open_tally(database).recorder.max_notification_id() is None

    done = runner.invoke(cli.app, ["import", str(LEDGERS / "small")], env=env)
    assert done.exit_code == 0, done.output
    assert "Imported" in done.output and "submissions.csv" in done.output
    assert f"Imported {would} events" in done.output

    refused = runner.invoke(cli.app, ["import", str(LEDGERS / "malformed")], env=env)
    assert refused.exit_code == 1, refused.output
    assert "Nothing was imported" in refused.output
    assert "officers.csv" in refused.output and "enrolled_on" in refused.output


def test_tally_export_ledgers_writes_the_files_an_import_reads(
    database: DatabaseSettings, tmp_path: Path,
) -> None:
    runner = CliRunner()
    env = {"TALLY_DATABASE_URL": database.url, "COLUMNS": "200"}
    assert runner.invoke(cli.app, ["import", str(LEDGERS / "small")], env=env).exit_code == 0

    done = runner.invoke(cli.app, ["export-ledgers", str(tmp_path / "out")], env=env)

    assert done.exit_code == 0, done.output
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        [p.name for p in (LEDGERS / "small").iterdir()] + ["method_changes.csv"])
    assert "not exported" not in done.output

    early = runner.invoke(cli.app, ["export-ledgers", str(tmp_path / "early"),
                                    "--as-of", "2025-03-01"], env=env)
    assert early.exit_code == 0, early.output
    # of the two adoptions, the one known on 12 March is left out
    assert (tmp_path / "early" / "adoptions.csv").read_text(encoding="utf-8-sig").count(
        "\n") == 2
