"""The ranking summed in the database equals the ranking from every ledger line: same points,
money, counts, ranks and period-rule lines (wording included), on random stores of both
backends, for every period, both kinds of holder, several as-of moments and a pinned log."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from uuid import UUID

import pytest

from domain.application import Tally
from domain.standings import Standing
from domain.values import HolderKind
from projections import ledger_sums
from projections.ledger import time_key
from projections.registry import open_projection
from projections.runner import catch_up
from projections.scores import ScoreReports
from store.settings import DatabaseSettings
from tests.test_ledger_properties import (
    OFFICERS,
    OUTLETS,
    PERIODS,
    START,
    UNITS,
    ZONE,
    apply,
    run,
    set_up,
)

CATEGORIES = ["new_measure", "typical_experience", "other"]
LEVELS = ["national", "provincial", "city", "county"]


def random_operations(rng: random.Random, count: int) -> list[tuple]:
    def day() -> date:
        return date(2025, 1, 1) + timedelta(days=rng.randrange(365))

    operations: list[tuple] = []
    for _ in range(count):
        kind = rng.choices(["item", "adopt", "retract", "instruct", "send", "finding",
                            "transfer"], weights=[5, 6, 1, 1, 2, 1, 1])[0]
        if kind == "item":
            operations.append(("item", rng.choice(CATEGORIES),
                               rng.sample(sorted(OFFICERS), rng.randint(1, 3)),
                               rng.random() < 0.5, day(), rng.randint(0, 10)))
        elif kind == "adopt":
            operations.append(("adopt", rng.randrange(30), rng.choice(sorted(OUTLETS)),
                               rng.choice(["full", "merged", "excerpt"]),
                               rng.choice(["direct", "forwarded"]), rng.randint(0, 60)))
        elif kind == "retract":
            operations.append(("retract", rng.randrange(30), rng.choice(sorted(OUTLETS))))
        elif kind == "instruct":
            operations.append(("instruct", rng.randrange(30), rng.choice(LEVELS),
                               rng.randint(0, 60)))
        elif kind == "send":
            operations.append(("send", rng.randrange(30), rng.choice(sorted(OUTLETS)),
                               rng.randint(0, 20)))
        elif kind == "finding":
            operations.append(("finding", rng.choice(sorted(OFFICERS) + list(UNITS)),
                               rng.choice(["missed", "error"]), day()))
        else:
            operations.append(("transfer", rng.choice(sorted(OFFICERS)), rng.choice(UNITS),
                               day()))
    return operations


def record_operations(app: Tally, rng: random.Random, start: datetime, count: int) -> None:
    """``count`` random operations known seven hours apart from ``start``, on items of their
    own; one the domain refuses records nothing and is passed over."""
    from domain.application import CommandMeta
    from domain.errors import TallyError

    items: list[tuple[str, date]] = []
    known = start
    for operation in random_operations(rng, count):
        known += timedelta(hours=7)
        try:
            apply(app, operation, items, CommandMeta(actor="editor", known_at=known))
        except TallyError:
            pass


def described(standing: Standing) -> tuple:
    rules = [line for line in standing.lines if line.kind in ("quota", "adjustment")]
    return (standing.as_dict(), standing.submitted_adopted,
            [(line.kind, line.clause, line.fact, str(line.points)) for line in rules])


VERSIONS = [("cumulative", "even", "sum", 60, None, "cumulative"),
            ("highest", "shares", "average", 200, date(2025, 6, 1), "cumulative"),
            ("cumulative", "shares", "sum", 10_000, date(2025, 4, 1), "highest")]


def mark_every(monkeypatch: pytest.MonkeyPatch, rows: int | None) -> None:
    """Marks of every span after ``rows`` rows of it (None: as in service, which in a store
    this small is never)."""
    if rows is not None:
        monkeypatch.setattr(ledger_sums, "MARK_MIN", rows)
        monkeypatch.setattr(ledger_sums, "MARK_FACTOR", 0)


@pytest.mark.parametrize(("seed", "marks"), [(1, None), (2, 1), (3, 4)])
def test_the_ranking_from_sums_equals_the_ranking_from_lines(
        database: DatabaseSettings, app: Tally, seed: int, marks: int | None,
        monkeypatch: pytest.MonkeyPatch) -> None:
    mark_every(monkeypatch, marks)
    rng = random.Random(seed)
    set_up(app, VERSIONS[seed % len(VERSIONS)])
    clock = [START]
    run(app, random_operations(rng, 60), clock)
    ledger = open_projection(database, "ledger")
    catch_up(app, ledger)
    reports = ScoreReports(ledger.view, zone=ZONE)
    middle = app.recorder.max_notification_id() // 2
    moments: list[datetime | None] = [None, clock[len(clock) // 3], clock[-5]]
    clauses: set[str] = set()
    for view in (reports, reports.pinned(middle)):
        for moment in moments:
            for period in PERIODS:
                for kind in HolderKind:
                    lines = view.standings(period, kind.value, moment)
                    sums = view.standings(period, kind.value, moment, detail=False)
                    assert [described(s) for s in sums] == [described(s) for s in lines], (
                        seed, period, kind, moment)
                    clauses.update(line.clause for s in sums for line in s.lines)
    assert {"quota.monthly_base", "cliff.min_items"} <= clauses  # the rules were exercised
    for standing in reports.standings("2025", "officer")[:3]:
        explained = reports.standing(standing.code, "2025", "officer")
        assert explained.lines == standing.lines and explained.rank == standing.rank
    ledger.view.datastore.close()  # type: ignore[attr-defined]


@pytest.mark.parametrize(("seed", "marks", "page", "chunk"),
                         [(4, None, None, None), (5, 3, None, 3), (7, 7, 5, None)])
def test_the_sums_agree_with_the_lines_when_history_arrives_out_of_known_order(
        database: DatabaseSettings, app: Tally, seed: int, marks: int | None, page: int | None,
        chunk: int | None, monkeypatch: pytest.MonkeyPatch) -> None:
    """History imported after the office went live is recorded after live facts but carries
    earlier known times (each fact still known no earlier than what it rests on): positions
    and known times then disagree in order, and every path must still give the one answer
    that scoring the facts known at the moment gives."""
    from domain.application import CommandMeta
    from domain.errors import TallyError
    from domain.period import Period
    from domain.standings import standings
    from projections import runner
    from tests.test_ledger_properties import apply, totals

    mark_every(monkeypatch, marks)
    if page is not None:  # the history in many batches: rewinds after earlier marks
        monkeypatch.setattr(runner, "BATCH", page)
    if chunk is not None:  # a rewind's rows written a few facts at a time
        from projections import ledger as ledger_module

        monkeypatch.setattr(ledger_module, "_REWIND_CHUNK", chunk)
    rng = random.Random(seed)
    set_up(app, VERSIONS[seed % len(VERSIONS)])
    moments: list[datetime] = []
    ledger = open_projection(database, "ledger")
    # live first (known from July on), then the history of the first half imported after it,
    # then live again (the ledger projected after each: marks before and after a rewind)
    for start, count in ((START + timedelta(days=180), 40), (START, 40),
                         (START + timedelta(days=300), 20)):
        items: list[tuple[str, date]] = []
        known = start
        for operation in random_operations(rng, count):
            known += timedelta(hours=7)
            moments.append(known)
            try:
                apply(app, operation, items, CommandMeta(actor="editor", known_at=known))
            except TallyError:
                pass
        catch_up(app, ledger)
    reports = ScoreReports(ledger.view, zone=ZONE)
    for moment in [None, *sorted(rng.sample(moments, 4))]:
        facts = reports.facts(moment)
        for period in PERIODS:
            for kind in HolderKind:
                truth = standings(facts, Period.parse(period), kind)
                lines = reports.standings(period, kind.value, moment)
                assert totals(lines) == totals(truth), ("lines", seed, period, kind, moment)
                sums = reports.standings(period, kind.value, moment, detail=False)
                assert [described(s) for s in sums] == [described(s) for s in lines], (
                    seed, period, kind, moment)
    # every mark where the rule puts it over the span rows as they stand, those a rewind wrote
    # included (the marks written as facts came, and those written again after a rewind)
    written, from_rows = marks_written_and_from_rows(ledger.view)
    assert written == from_rows
    assert marks is None or written[0]  # there were marks to compare
    ledger.view.datastore.close()  # type: ignore[attr-defined]


def marks_written_and_from_rows(view: object) -> tuple[tuple, tuple]:
    """The marks and heads in the tables, and those that the marking rule gives from the span
    rows alone (worked out in a transaction that is rolled back)."""
    from projections.view import PostgresView, _PostgresRun, _SQLiteRun

    def plain(value: object) -> object:
        return (time_key(value) if isinstance(value, datetime)
                else str(value) if isinstance(value, UUID) else value)

    def tables(run: object) -> tuple:
        return tuple(sorted(tuple(plain(value) for value in row) for row in run.rows(  # type: ignore[attr-defined]
            f"SELECT * FROM {table}")) for table in ("span_marks", "span_mark_heads"))  # noqa: S608

    postgres = isinstance(view, PostgresView)
    with (view._cursor(commit=False) if postgres  # type: ignore[attr-defined]
          else view.datastore.transaction(commit=False)) as curs:  # type: ignore[attr-defined]
        run = _PostgresRun(curs) if postgres else _SQLiteRun(curs)
        written = tables(run)
        run.write([("DELETE FROM span_marks", ()), ("DELETE FROM span_mark_heads", ())])
        ledger_sums._mark_again("-infinity" if postgres else "", run)
        return written, tables(run)


@pytest.mark.parametrize("page", [7, 500])
def test_a_pin_reads_the_same_after_earlier_known_history_is_recorded_after_it(
        database: DatabaseSettings, app: Tally, page: int, monkeypatch: pytest.MonkeyPatch
        ) -> None:
    """A bulletin pinned before history known earlier was imported reads what it read before
    (the facts recorded by the pin), whether the import arrives in one batch or in many, and
    a pin in the middle of the import reads the facts recorded by it."""
    from domain.application import CommandMeta
    from domain.errors import TallyError
    from domain.period import Period
    from domain.standings import standings
    from projections import runner
    from tests.test_ledger_properties import apply, totals

    monkeypatch.setattr(runner, "BATCH", page)
    rng = random.Random(6)
    set_up(app, VERSIONS[0])
    ledger = open_projection(database, "ledger")
    pins: list[int] = []
    read: dict[int, list] = {}
    moments = [START + timedelta(days=100), START + timedelta(days=200), None]

    def pinned_totals(pin: int) -> list:
        view = ScoreReports(ledger.view, zone=ZONE).pinned(pin)
        return [(totals(view.standings(period, kind.value, moment)),
                 [described(s) for s in view.standings(period, kind.value, moment,
                                                       detail=False)])
                for moment in moments for period in ("2025", "2025-H1")
                for kind in HolderKind]

    for start, count in ((START + timedelta(days=180), 30), (START, 30)):
        items: list[tuple[str, date]] = []
        known = start
        for number, operation in enumerate(random_operations(rng, count)):
            known += timedelta(hours=7)
            try:
                apply(app, operation, items, CommandMeta(actor="editor", known_at=known))
            except TallyError:
                pass
            if number in (10, 29):
                pins.append(app.recorder.max_notification_id())
        catch_up(app, ledger)
        read.update({pin: pinned_totals(pin) for pin in pins if pin not in read})
    for pin in pins:
        assert pinned_totals(pin) == read[pin], pin
        view = ScoreReports(ledger.view, zone=ZONE).pinned(pin)
        for moment in moments:
            facts = view.facts(moment)
            for kind in HolderKind:
                truth = standings(facts, Period.parse("2025"), kind)
                assert totals(view.standings("2025", kind.value, moment)) == totals(truth)
    ledger.view.datastore.close()  # type: ignore[attr-defined]


def test_a_replayed_ledger_is_a_file_of_its_own_written_in_chunks_and_removed_with_it(
        database: DatabaseSettings, app: Tally, tmp_path, monkeypatch: pytest.MonkeyPatch
        ) -> None:
    """The ledger a pin replays (after history known earlier was recorded later) is as large
    as the ledger: it goes to a SQLite file of its own, a few facts per transaction, equals
    the projected ledger when replayed from the same facts, and its file goes with it."""
    import gc
    import tempfile

    from domain.application import CommandMeta
    from domain.errors import TallyError
    from projections import ledger as ledger_module
    from tests.test_ledger_properties import apply

    monkeypatch.setattr(ledger_module, "_REWIND_CHUNK", 3)
    pins = tmp_path / "pins"
    pins.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(pins))
    set_up(app, VERSIONS[1])
    items: list[tuple[str, date]] = []
    known = START
    for operation in random_operations(random.Random(8), 25):
        known += timedelta(hours=7)
        try:
            apply(app, operation, items, CommandMeta(actor="editor", known_at=known))
        except TallyError:
            pass
    ledger = open_projection(database, "ledger")
    catch_up(app, ledger)
    columns = "position, seq, known_at, valid_on, officer_id, unit_id, kind, points_cents"
    sql = f"SELECT {columns} FROM ledger ORDER BY position, seq"  # noqa: S608
    replayed = ledger_module.replayed_ledger(ledger.view.known_fact_rows())  # type: ignore[attr-defined]
    files = {path.name.split(".sqlite")[0] for path in pins.iterdir()}  # with -wal, -shm
    assert len(files) == 1 and files.pop().startswith("tally-pinned-ledger-")
    projected = ledger.view.tuples(sql)  # type: ignore[attr-defined]
    assert len(projected) > 20 and replayed.tuples(sql) == projected
    assert (replayed.tuples("SELECT COUNT(*) FROM fact_log")
            == ledger.view.tuples("SELECT COUNT(*) FROM fact_log"))  # type: ignore[attr-defined]
    replayed.datastore.close()  # type: ignore[attr-defined]
    del replayed
    gc.collect()
    assert list(pins.iterdir()) == []
    ledger.view.datastore.close()  # type: ignore[attr-defined]


@pytest.mark.parametrize("cap", [None, 12])
def test_history_read_over_many_pages_is_rewound_once_for_the_run_of_them(
        database: DatabaseSettings, app: Tally, cap: int | None,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """History recorded after the live facts it precedes, read a page at a time (a catch-up,
    a rebuild): the pages that bring it go into one batch (up to ``cap`` facts), so the
    ledger rewinds over the live facts once for the run of them, not once a page (which
    made a long import of history after a big log quadratic); the rows are the same."""
    from domain.period import Period
    from domain.standings import standings
    from projections import ledger as ledger_module
    from projections import runner
    from tests.test_ledger_properties import totals

    monkeypatch.setattr(runner, "BATCH", 5)
    if cap is not None:
        monkeypatch.setattr(ledger_module, "_REWIND_BATCH_FACTS", cap)
    rng = random.Random(9)
    set_up(app, VERSIONS[2])
    ledger = open_projection(database, "ledger")
    view = ledger.view
    edges = []
    # live (known from July), then the history of the first half, then live again
    for start, count in ((START + timedelta(days=180), 30), (START, 40),
                         (START + timedelta(days=300), 10)):
        edges.append(app.recorder.max_notification_id() or 0)
        record_operations(app, rng, start, count)
        if start != START:
            catch_up(app, ledger)
    pages = -(-(edges[2] - edges[1]) // 5)  # the history's pages
    assert pages >= 8

    def rewinds() -> list[tuple]:
        return view.tuples("SELECT position, last_late FROM ledger_rewinds "  # type: ignore[attr-defined]
                           "ORDER BY position")

    def rows() -> list[tuple]:
        return view.tuples("SELECT position, seq, known_at, officer_id, unit_id, kind, "  # type: ignore[attr-defined]
                           "points_cents FROM ledger ORDER BY position, seq")

    caught_up = rewinds()
    if cap is None:
        assert len(caught_up) == 1 and caught_up[0][1] > edges[2] - 5  # the last history page
    else:  # a batch takes pages until it holds ``cap`` facts: three pages of five
        assert 1 < len(caught_up) <= -(-pages // 3) + 1
    reports = ScoreReports(view, zone=ZONE)
    for moment in (None, START + timedelta(days=3), START + timedelta(days=200)):
        facts = reports.facts(moment)
        for kind in HolderKind:
            truth = standings(facts, Period.parse("2025"), kind)
            assert totals(reports.standings("2025", kind.value, moment)) == totals(truth)
            sums = reports.standings("2025", kind.value, moment, detail=False)
            assert [described(s) for s in sums] == [
                described(s) for s in reports.standings("2025", kind.value, moment)]
    projected = rows()
    runner.rebuild(app, ledger, page=5)  # a rebuild meets the history late too
    assert len(rewinds()) == len(caught_up) and rows() == projected
    written, from_rows = marks_written_and_from_rows(view)
    assert written == from_rows
    view.datastore.close()  # type: ignore[attr-defined]


@pytest.mark.parametrize("threshold", [10, 10_000])
def test_a_large_rewind_vacuums_the_ledger_after_its_commit(
        database: DatabaseSettings, app: Tally, threshold: int,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A rewind that wrote ``_TIDY_AFTER_FACTS`` facts again or more leaves as many dead rows:
    the view is vacuumed and analysed once its commit is done (on PostgreSQL; SQLite has
    nothing to do), so the rankings do not read through them until autovacuum comes (it may
    be off). Smaller rewinds count up to it."""
    from domain.application import CommandMeta
    from projections import ledger as ledger_module
    from projections import runner

    monkeypatch.setattr(runner, "BATCH", 5)
    monkeypatch.setattr(ledger_module, "_TIDY_AFTER_FACTS", threshold)
    rng = random.Random(4)
    set_up(app, VERSIONS[2])
    ledger = open_projection(database, "ledger")
    view = ledger.view
    tidied: list[int] = []
    refresh = view.refresh_statistics

    def counted() -> None:
        tidied.append(len(view.tuples("SELECT position FROM ledger_rewinds")))  # type: ignore[attr-defined]
        refresh()

    monkeypatch.setattr(view, "refresh_statistics", counted)
    record_operations(app, rng, START + timedelta(days=180), 30)
    catch_up(app, ledger)
    assert tidied == []  # in known order: no rewind
    record_operations(app, rng, START, 6)  # history: every live fact is known after it
    catch_up(app, ledger)
    rewound = len(view.tuples("SELECT position FROM ledger_rewinds"))  # type: ignore[attr-defined]
    assert rewound == 1
    # after the rewind's commit: its row is in the table when the view is tidied
    assert tidied == ([1] if threshold == 10 else [])
    if threshold != 10:  # the rewinds' counts add up: the next one passes the threshold
        assert 0 < ledger._rewritten < threshold  # type: ignore[attr-defined]
        monkeypatch.setattr(ledger_module, "_TIDY_AFTER_FACTS", ledger._rewritten + 1)  # type: ignore[attr-defined]
    # one late fact rewinds over the live facts again
    app.register_unit("LATE", "迟报单位", "县直单位", START.date(),
                      meta=CommandMeta(actor="editor", known_at=START + timedelta(days=1)))
    catch_up(app, ledger)
    assert len(view.tuples("SELECT position FROM ledger_rewinds")) == 2  # type: ignore[attr-defined]
    assert tidied == ([1, 2] if threshold == 10 else [2])
    view.datastore.close()  # type: ignore[attr-defined]
