"""A rebuild of a log that holds history recorded after the live facts it precedes scores every
fact once, in the order the office learned them: the facts known from the earliest such history
on wait in the fact log until the log has been read (``LedgerProjection.rebuild_starting``),
instead of being scored in the log's order and again when the history comes. The rows are those
of a ledger that learned the facts as they were recorded, on both backends; a rebuild stopped
half-way goes on from where it stopped."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from eventsourcing.persistence import IntegrityError

from domain.application import Tally
from domain.period import Period
from domain.standings import standings
from domain.values import HolderKind
from projections import known_order, runner
from projections import ledger as ledger_module
from projections.registry import open_projection
from projections.scores import ScoreReports
from store.recorded import Excerpt
from store.settings import DatabaseSettings
from tests.test_ledger_properties import START, ZONE, set_up, totals
from tests.test_ranking_sums import (
    VERSIONS,
    described,
    marks_written_and_from_rows,
    record_operations,
)

#: The rows that say what the ledger holds (the spans' rows are checked by what they answer).
TABLES = {"fact_log": "position", "ledger": "position, seq", "holder_deltas": "position, seq",
          "ledger_rewinds": "position", "ledger_deferred": "known_at"}


def live_then_history(app: Tally) -> int:
    """Live facts known from July, then the first half's history recorded after them, then
    live facts again; return the last position before the history."""
    rng = random.Random(11)
    set_up(app, VERSIONS[2])
    record_operations(app, rng, START + timedelta(days=180), 30)
    live = app.recorder.max_notification_id()
    record_operations(app, rng, START, 30)
    record_operations(app, rng, START + timedelta(days=300), 10)
    return live


def rows(view: Any) -> dict[str, list[tuple]]:
    return {table: view.tuples(f"SELECT * FROM {table} ORDER BY {order}")  # noqa: S608
            for table, order in TABLES.items()}


def count_scoring(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many times a fact event is scored (``_event_rows``), from now on."""
    scored = [0]
    score = ledger_module._event_rows

    def counted(*args: Any) -> Any:
        scored[0] += 1
        return score(*args)

    monkeypatch.setattr(ledger_module, "_event_rows", counted)
    return scored


def assert_answers_agree(view: Any) -> None:
    """The rankings from the spans' sums equal those from the lines, which equal scoring the
    facts known at the moment; every mark is where the marking rule puts it."""
    reports = ScoreReports(view, zone=ZONE)
    for moment in (None, START + timedelta(days=3), START + timedelta(days=200)):
        facts = reports.facts(moment)
        for period in ("2025", "2025-H1", "2025-Q3"):
            for kind in HolderKind:
                lines = reports.standings(period, kind.value, moment)
                assert totals(lines) == totals(standings(facts, Period.parse(period), kind))
                assert [described(s) for s in reports.standings(
                    period, kind.value, moment, detail=False)] == [described(s) for s in lines]
    written, from_rows = marks_written_and_from_rows(view)
    assert written == from_rows


def test_the_earliest_late_known_time_is_read_from_the_stored_events(app: Tally) -> None:
    rng = random.Random(12)
    set_up(app, VERSIONS[0])
    record_operations(app, rng, START + timedelta(days=180), 10)
    assert known_order.earliest_late(app.recorder) is None  # recorded in known order
    live = app.recorder.max_notification_id()
    record_operations(app, rng, START, 10)  # history known before the live facts
    history = [app.mapper.to_domain_event(n).cause.known_at  # each known before July
               for n in app.recorder.select_notifications(
                   start=live, limit=10_000, topics=known_order.FACT_TOPICS,
                   inclusive_of_start=False)]
    assert len(history) > 5 and known_order.earliest_late(app.recorder) == min(history)
    assert known_order.earliest_late(app.recorder, upto=live) is None


def test_a_rebuild_scores_each_fact_once_in_known_order(
        database: DatabaseSettings, app: Tally, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "BATCH", 5)  # the history comes over many pages
    live = live_then_history(app)
    ledger = open_projection(database, "ledger")
    runner.catch_up(app, ledger)  # learned as recorded: the history rewound the live facts
    learned = rows(ledger.view)
    assert learned["ledger_rewinds"] and not learned["ledger_deferred"]
    facts = len(learned["fact_log"])
    since = learned["ledger_rewinds"][0][2]  # the history's earliest known time
    overtaken = sum(1 for position, known_at, *_ in learned["fact_log"]
                    if position <= live and known_at >= since)  # the live facts after it

    scored = count_scoring(monkeypatch)
    runner.rebuild(app, ledger, page=5)
    assert scored[0] == facts  # each fact once
    assert rows(ledger.view) == learned
    assert_answers_agree(ledger.view)

    # what the rebuild did before: every live fact known after the history scored twice
    monkeypatch.setattr(known_order, "earliest_late", lambda recorder, upto=None: None)
    scored[0] = 0
    runner.rebuild(app, ledger, page=5)
    assert overtaken > 20 and scored[0] == facts + overtaken
    assert rows(ledger.view) == learned
    ledger.view.datastore.close()  # type: ignore[attr-defined]


def test_a_rebuild_whose_order_cannot_be_told_scores_in_the_log_order(
        database: DatabaseSettings, app: Tally, monkeypatch: pytest.MonkeyPatch) -> None:
    """Stored events whose known time is not where the look expects it (another transcoder, a
    compressed state): the order cannot be told, so nothing is deferred; same rows."""
    live_then_history(app)
    ledger = open_projection(database, "ledger")
    runner.catch_up(app, ledger)
    learned = rows(ledger.view)
    monkeypatch.setattr(known_order, "MARKER", b'"no_such_field":')
    assert known_order.earliest_late(app.recorder) is None
    scored = count_scoring(monkeypatch)
    runner.rebuild(app, ledger)
    assert scored[0] > len(learned["fact_log"])
    assert rows(ledger.view) == learned
    ledger.view.datastore.close()  # type: ignore[attr-defined]


def test_a_rebuild_stopped_half_way_goes_on_and_is_scored_by_one_process(
        database: DatabaseSettings, app: Tally, monkeypatch: pytest.MonkeyPatch) -> None:
    """A rebuild stops after some pages: their facts are in the fact log, the deferral with
    them. Two processes then catch up: the first scores the deferred facts, the second finds
    them scored (it waits for the first's commit on PostgreSQL) and writes nothing; and the
    second, still holding the deferral when new facts come, may not leave them to it."""
    live_then_history(app)
    ledger = open_projection(database, "ledger")
    runner.catch_up(app, ledger)
    learned = rows(ledger.view)

    read = runner._read_page
    pages = [0]

    def stops_after_four_pages(*args: Any) -> Any:
        pages[0] += 1
        if pages[0] > 4:
            raise RuntimeError("the machine went down")
        return read(*args)

    monkeypatch.setattr(runner, "_read_page", stops_after_four_pages)
    with pytest.raises(RuntimeError):
        runner.rebuild(app, ledger, page=9)
    monkeypatch.undo()
    stopped = rows(ledger.view)
    assert ledger.view.max_tracking_id(runner.tracking_name(ledger)) == 36  # 4 pages of 9
    assert stopped["fact_log"] == [row for row in learned["fact_log"] if row[0] <= 36]
    assert stopped["ledger_deferred"] and len(stopped["ledger"]) < len(learned["ledger"])

    first, second = (open_projection(database, "ledger") for _ in range(2))
    monkeypatch.setattr(runner, "_caught_up", lambda projection: None)
    runner.catch_up(app, first)  # goes on from the fourth page, to the end of the log
    monkeypatch.undo()
    assert len(rows(ledger.view)["ledger"]) < len(learned["ledger"])  # not scored yet
    second.warm()  # both at the end of the log, with the deferral
    assert second._current.deferred == stopped["ledger_deferred"][0][0]  # type: ignore[attr-defined]
    first.caught_up()  # type: ignore[attr-defined]
    second.caught_up()  # type: ignore[attr-defined]  # finds it done, writes nothing
    assert second._current is None  # type: ignore[attr-defined]  # read again when needed
    assert rows(ledger.view) == learned
    assert_answers_agree(ledger.view)

    second.warm()
    second._current.deferred = stopped["ledger_deferred"][0][0]  # type: ignore[attr-defined]
    end = app.recorder.max_notification_id()
    record_operations(app, random.Random(13), START + timedelta(days=320), 6)  # new live facts
    with pytest.raises(IntegrityError):
        runner.catch_up(app, second)  # as if it still held the deferral: refused
    assert second._current is None  # type: ignore[attr-defined]
    assert rows(ledger.view) == learned  # nothing written
    runner.catch_up(app, second)  # read again: scored as they come
    assert rows(ledger.view)["fact_log"][-1][0] > end
    assert_answers_agree(ledger.view)
    for projection in (ledger, first, second):
        projection.view.datastore.close()  # type: ignore[attr-defined]


class Excerpts:
    """A recorder's excerpts, as given: the forms a stored known time may take."""

    def __init__(self, *excerpts: bytes | None) -> None:
        moment = datetime(2025, 7, 1, tzinfo=UTC)
        self.excerpts = [Excerpt(position, moment, excerpt)
                         for position, excerpt in enumerate(excerpts, start=1)]

    def select_excerpts(self, after: int, limit: int, *_: Any) -> list[Excerpt]:
        return [e for e in self.excerpts if e.position > after][:limit]


def test_the_known_time_is_read_in_every_form_the_decoder_takes_or_not_at_all() -> None:
    iso = b'{"_type_":"datetime_iso","_data_":"2025-03-01T08:00:00+08:00"},"x":1}'
    recorder: Any = Excerpts(iso, b'null}}', b'"2025-02-01T00:00:00"}}')  # null: recorded
    assert list(known_order.known_times(recorder)) == [
        datetime(2025, 3, 1, tzinfo=UTC), datetime(2025, 7, 1, tzinfo=UTC),
        datetime(2025, 2, 1, tzinfo=UTC)]  # a naive text is UTC, as the ledger takes it
    assert known_order.earliest_late(recorder) == datetime(2025, 2, 1, tzinfo=UTC)
    for unreadable in (None, b'{"_type_":"timestamp","_data_":1}', b'"not a time"}'):
        recorder = Excerpts(iso, unreadable)
        with pytest.raises(known_order.UnknownOrderError):
            list(known_order.known_times(recorder))
        assert known_order.earliest_late(recorder) is None  # cannot tell: nothing deferred


def test_two_sqlite_processes_scoring_the_deferral_at_once_wait_for_each_other(
        tmp_path: Any, request: pytest.FixtureRequest) -> None:
    """On SQLite, a commit whose steps read before they write (the deferred scoring reads the
    deferral first) takes the write lock at its start: the second waits for the first's commit
    and then sees its rows, instead of being refused "database is locked"."""
    import threading

    from projections.view import THEN
    from tests.conftest import fresh_store

    with fresh_store("sqlite", request, tmp_path) as settings:
        first, second = (open_projection(settings, "ledger") for _ in range(2))
        inside, release = threading.Event(), threading.Event()
        seen: dict[str, list[tuple[Any, ...]]] = {}
        failures: list[BaseException] = []

        def step(name: str, pause: bool) -> Any:
            def run_step(run: Any) -> None:
                seen[name] = list(run.rows("SELECT known_at FROM ledger_deferred"))
                if pause:
                    inside.set()
                    release.wait(10)
                run.write([("INSERT INTO ledger_deferred (known_at) VALUES (?)", (name,))])
            return run_step

        def commit(projection: Any, name: str, pause: bool) -> None:
            try:
                projection.view.commit(None, [(THEN, (step(name, pause),))])
            except BaseException as error:  # noqa: BLE001 (reported below)
                failures.append(error)

        a = threading.Thread(target=commit, args=(first, "a", True))
        a.start()
        assert inside.wait(10)
        b = threading.Thread(target=commit, args=(second, "b", False))
        b.start()
        b.join(0.5)
        assert b.is_alive()  # waiting for the first's commit
        release.set()
        a.join(10)
        b.join(10)
        assert failures == []
        assert seen == {"a": [], "b": [("a",)]}
        assert first.view.tuples("SELECT known_at FROM ledger_deferred ORDER BY known_at") == [
            ("a",), ("b",)]
        for projection in (first, second):
            projection.view.datastore.close()  # type: ignore[attr-defined]
