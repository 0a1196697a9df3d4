"""A unit closed (撤并) from a day: its officers move to the successor in the same command,
rankings of the periods that begin on or after that day leave it out (the ledger's sums and a
replay of the facts alike), its history stays its own, and it takes no one from then on."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from domain.application import CommandMeta, Tally
from domain.errors import InvalidInputError, NotFoundError, WrongStateError
from domain.period import Period
from domain.standings import standings
from domain.values import HolderKind
from projections.registry import open_projection
from projections.runner import catch_up
from projections.scores import ScoreReports
from store.bootstrap import open_tally
from store.settings import DatabaseSettings
from tests.conftest import event_count
from tests.report_history import History, office_history
from workflows.reminders import record_lapses, reminders

ADMIN = CommandMeta(actor="admin")
METHOD = ("[method]\ncode='m'\nname='办法'\neffective_from=2025-01-01\n"
          "[adoption.info]\nprovincial={full=20}\n")


def history(app: Tally) -> History:
    """The office's year, with 城关镇 (u2) adopted in April: o3's item B."""
    found = office_history(app)
    app.publish_method(METHOD, meta=ADMIN)
    app.approve(found.item_b, "approver2", "2025-04-13T09:00",
                meta=CommandMeta(actor="approver2"))
    app.send_to_outlet(found.item_b, "prov", "direct", "2025-04-13",
                       meta=CommandMeta(actor="editor"))
    app.record_adoption(found.item_b, "prov", "full", "2025-04-20",
                        meta=CommandMeta(actor="editor"))
    return found


def unit_ranking(app: Tally, database: DatabaseSettings, period: str) -> list[tuple[str, str]]:
    """The units' ranking from the ledger's sums, checked against a replay of the facts."""
    ledger = open_projection(database, "ledger")
    catch_up(app, ledger)
    reports = ScoreReports(ledger.view, app.zone)
    summed = [(s.code, f"{s.points:.2f}")
              for s in reports.standings(period, "unit", detail=False)]
    replayed = [(s.code, f"{s.points:.2f}")
                for s in standings(reports.facts(), Period.parse(period), HolderKind.UNIT)]
    assert summed == replayed
    return summed


def test_a_closed_unit_leaves_the_rankings_of_later_periods_and_its_officers_move(
        app: Tally, database: DatabaseSettings) -> None:
    history(app)
    before = unit_ranking(app, database, "2025-Q3")
    assert [code for code, _ in before] == ["u1", "u2"]
    q2 = unit_ranking(app, database, "2025-Q2")

    app.close_unit("u2", "2025-07-01", "机构改革，并入县委办公室", successor="u1", meta=ADMIN)

    assert [code for code, _ in unit_ranking(app, database, "2025-Q3")] == ["u1"]
    assert unit_ranking(app, database, "2025-Q2") == q2  # its history stays its own
    assert dict(q2)["u2"] == "20.00"
    assert "u2" in dict(unit_ranking(app, database, "2025"))  # open for part of the year
    # o2 (transferred to u2 in June) and o3 moved to u1 on the day it closed
    for code in ("o2", "o3"):
        officer = app._officer("officer", code)  # noqa: SLF001
        assert officer.unit_on(date(2025, 7, 1)) == app._unit("unit", "u1").id  # noqa: SLF001
        assert officer.unit_on(date(2025, 6, 30)) == app._unit("unit", "u2").id  # noqa: SLF001
    officers = {s.code for s in ScoreReports(open_projection(database, "ledger").view,
                                             app.zone).standings("2025-Q3", detail=False)}
    assert {"o2", "o3"} <= officers  # officers are ranked wherever they serve

    catalog = open_projection(database, "catalog")
    catch_up(app, catalog)
    [u2] = [unit for unit in catalog.view.units(date(2025, 7, 2)) if unit["code"] == "u2"]
    assert (u2["closed_on"], u2["successor"], u2["officers"]) == ("2025-07-01", "u1", 0)


@pytest.mark.parametrize(("command", "kwargs", "error", "field"), [
    ("enrol_officer", dict(code="o9", name="新人", unit="u2", enrolled_on="2025-07-01"),
     WrongStateError, "unit"),
    ("transfer_officer", dict(officer="o1", to_unit="u2", effective_on="2025-08-01"),
     WrongStateError, "to_unit"),
    ("issue_commission", dict(topic="秋收", units=["u1", "u2"], issued_on="2025-07-02",
                              deadline="2025-07-30"), WrongStateError, "units"),
    ("set_target", dict(holder_kind="unit", holder="u2", year=2026, items=12),
     WrongStateError, "holder"),
    ("rename_unit", dict(unit="u2", name="城关街道", effective_on="2025-07-01", reason="改"),
     WrongStateError, "effective_on"),
    ("close_unit", dict(unit="u2", closed_on="2025-07-05", reason="再撤"),
     WrongStateError, "unit"),
])
def test_a_closed_unit_takes_no_one_and_nothing_from_the_day_it_closed(
        app: Tally, command: str, kwargs: dict[str, object], error: type[Exception],
        field: str) -> None:
    history(app)
    app.close_unit("u2", "2025-07-01", "机构改革", successor="u1", meta=ADMIN)
    written = event_count(app)
    with pytest.raises(error) as refused:
        getattr(app, command)(**kwargs, meta=ADMIN)
    assert refused.value.field == field  # type: ignore[attr-defined]
    assert event_count(app) == written


@pytest.mark.parametrize(("kwargs", "error", "field", "words"), [
    (dict(unit="u2", closed_on="2025-07-01", reason="撤并"), InvalidInputError, "successor",
     "o2, o3 still belong to the unit on 2025-07-01"),
    (dict(unit="u2", closed_on="2025-05-01", reason="撤并", successor="u1"),
     InvalidInputError, "closed_on", "officer o2 has a posting"),  # o2 moves in on 06-01
    (dict(unit="u2", closed_on="2024-12-31", reason="撤并", successor="u1"),
     InvalidInputError, "closed_on", "only after 2025-01-01"),
    (dict(unit="u2", closed_on="2025-07-01", reason="撤并", successor="u2"),
     InvalidInputError, "successor", "its own successor"),
    (dict(unit="u2", closed_on="2025-07-01", reason="撤并", successor="u9"),
     NotFoundError, "successor", "no unit u9"),
    (dict(unit="u2", closed_on="2025-07-01", reason="", successor="u1"),
     InvalidInputError, "reason", ""),
    (dict(unit="u2", closed_on="2025/07/01", reason="撤并", successor="u1"),
     InvalidInputError, "closed_on", ""),
])
def test_a_refused_closing_names_its_field_and_writes_nothing(
        app: Tally, kwargs: dict[str, object], error: type[Exception], field: str,
        words: str) -> None:
    history(app)
    written = event_count(app)
    with pytest.raises(error) as refused:
        app.close_unit(**kwargs, meta=ADMIN)  # type: ignore[arg-type]
    assert refused.value.field == field  # type: ignore[attr-defined]
    assert words in str(refused.value)
    assert event_count(app) == written
    assert app._unit("unit", "u2").closed_on is None  # noqa: SLF001


def test_a_unit_with_no_one_left_closes_without_a_successor(app: Tally) -> None:
    history(app)
    app.transfer_officer("o2", "u1", "2025-06-20", meta=ADMIN)
    app.transfer_officer("o3", "u1", "2025-06-20", meta=ADMIN)
    app.close_unit("u2", "2025-07-01", "撤销", meta=ADMIN)
    closed = app._unit("unit", "u2")  # noqa: SLF001
    assert (closed.closed_on, closed.successor_id) == (date(2025, 7, 1), None)


def test_a_closed_units_commissions_lapse_no_more_and_no_one_chases_it(
        app: Tally, database: DatabaseSettings) -> None:
    found = history(app)  # C3 asks 城关镇 (u2) for an item by 2025-12-31
    app.set_target("unit", "u2", 2025, items=24, meta=ADMIN)
    app.close_unit("u2", "2025-07-01", "机构改革", successor="u1", meta=ADMIN)
    boards, ledger = open_projection(database, "boards"), open_projection(database, "ledger")
    catch_up(app, boards)
    catch_up(app, ledger)
    day = date(2026, 1, 10)  # C3 overdue, had u2 not closed

    [part] = [row for row in boards.view.commissions(day) if row["commission_id"] == found.c3]
    assert (part["state"], part["closed_on"]) == ("unit_closed", "2025-07-01")
    assert [str(c) for c in record_lapses(app, boards.view, day)] == [found.c2]  # u1's only
    with pytest.raises(WrongStateError) as refused:
        app.record_lapse(found.c3, "u2", "2026-01-01", meta=ADMIN)
    assert refused.value.field == "unit"
    chased = reminders(ScoreReports(ledger.view, app.zone), boards.view, date(2025, 8, 20))
    assert not [r for r in chased if r.to == "u2"]  # neither C3 nor the unit's quota
    [open_part] = [row for row in boards.view.commissions(date(2025, 6, 1))
                   if row["commission_id"] == found.c3]
    assert open_part["state"] == "open"  # before it closed, the part was open


def test_a_closed_unit_an_officer_still_belongs_to_stays_listed_with_its_points(
        app: Tally, database: DatabaseSettings, monkeypatch: pytest.MonkeyPatch) -> None:
    """An officer left in a closed unit (a closing that read the log before an enrolment
    into the unit committed; the closing's save refuses that now, see below, but a store may
    hold such a history): the unit's later points are listed, not lost."""
    history(app)
    monkeypatch.setattr(Tally, "_officers_staying", lambda self, unit, day: [])  # the race
    app.close_unit("u2", "2025-07-01", "机构改革", successor="u1", meta=ADMIN)
    monkeypatch.undo()
    item = app.draft_submission("城关镇秋粮收购", "info", "other", "o3", "2025-08-01",
                                meta=ADMIN)
    app.submit(item, "2025-08-02", meta=ADMIN)
    app.approve(item, "approver2", "2025-08-02T09:00", meta=ADMIN)
    app.send_to_outlet(item, "prov", "direct", "2025-08-02", meta=ADMIN)
    app.record_adoption(item, "prov", "full", "2025-08-05", meta=ADMIN)

    assert dict(unit_ranking(app, database, "2025-Q3"))["u2"] == "20.00"  # o3's August item
    assert "u2" in dict(unit_ranking(app, database, "2025-Q4"))  # o2 and o3 still belong to it
    assert dict(unit_ranking(app, database, "2025-Q2"))["u2"] == "20.00"  # its own, as ever


# Races: each command's save checks what it read ----------------------------------------------

def test_an_officer_posted_while_the_unit_closes_is_moved_by_the_closing_too(
        app: Tally, database: DatabaseSettings, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another writer enrols an officer into the unit after the closing read who is in it,
    before it saves: the save is refused, and the closing decides again and moves both."""
    office_history(app)
    other = open_tally(database)
    staying = app._officers_staying
    reads = []

    def racing(unit: Any, day: date) -> list[Any]:
        found = staying(unit, day)
        if not reads:
            other.enrol_officer("o9", "陈静", "u2", "2025-06-01", meta=ADMIN)
        reads.append([person.code for person in found])
        return found

    monkeypatch.setattr(app, "_officers_staying", racing)
    app.close_unit("u2", "2025-07-01", "机构改革", successor="u1", meta=ADMIN)
    other.close()

    assert reads == [["o2", "o3"], ["o2", "o3", "o9"]]
    assert [app.officer_unit_on(code, "2025-07-01") for code in ("o2", "o3", "o9")] == \
        ["u1"] * 3


@pytest.mark.parametrize("command", ["enrol", "transfer"])
def test_a_posting_decided_before_the_unit_closed_is_refused_when_it_saves(
        app: Tally, database: DatabaseSettings, monkeypatch: pytest.MonkeyPatch,
        command: str) -> None:
    """The unit closes after an enrolment (or a transfer) into it read the unit open, before
    it saves: the save is refused, and deciding again on the closed unit refuses it."""
    office_history(app)
    other = open_tally(database)
    read_unit = app._unit
    closed = []

    def racing(field: str, code: str) -> Any:
        found = read_unit(field, code)
        if code == "u2" and not closed:
            closed.append(other.close_unit("u2", "2025-07-01", "机构改革", successor="u1",
                                           meta=ADMIN))
        return found

    monkeypatch.setattr(app, "_unit", racing)
    before = event_count(app)
    with pytest.raises(WrongStateError) as refused:
        if command == "enrol":
            app.enrol_officer("o9", "陈静", "u2", "2025-08-01", meta=ADMIN)
        else:
            app.transfer_officer("o1", "u2", "2025-08-01", meta=ADMIN)
    other.close()

    assert closed and refused.value.field == ("unit" if command == "enrol" else "to_unit")
    assert event_count(app) == before + 3  # the closing, o2's and o3's moves; no posting
    assert app.officer_unit_on("o1", "2025-08-01") == "u1"
