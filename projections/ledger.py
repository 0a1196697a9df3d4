"""The bitemporal points ledger, and the fact log it is computed from.

One projection keeps these tables in one transaction per event:

* ``fact_log``: every event scoring reads, with the moment the office knew it (``known_at``:
  the database's record time, or for imported history the moment the old ledger gives);
* ``ledger``: one row per change of a scoring consequence (valid date, known time, officer,
  unit at that date, channel, level, clause, points and money in cents, the fact it came from).
  A correction adds reversing rows at its own known time; nothing is updated in place.
* ``holder_deltas`` and ``holder_spans``: what the same changes do to each officer's and unit's
  sums, and their running totals by period (``projections.ledger_sums``), for the rankings;
  ``span_marks`` and ``span_mark_heads``: every holder's totals of a period every so many rows.

A report "for period P as known at T" sums the ledger rows valid in P and known at or before T,
then applies the period rules of the method: no replay.

Rows are computed in the order the office learned the facts (known time, then position). A fact
recorded after others but known before them (imported history, a command with an earlier
``known_at``) makes the ledger rewind: at the end of the batch it deletes the rows of the facts
known at or after the earliest such known time, folds the facts known before it, and writes the
rows of the rest again in known order, in the batch's transaction, reading and writing them a
chunk at a time inside it, so that a rewind of a whole log is never in memory at once
(``ledger_rewinds`` records it;
the spans' running totals from that time on are summed again in the database, and their marks
from that time on are dropped).
A rebuild looks first for such history in the log (``projections.known_order``, a few bytes of
each stored fact): from the earliest known time it brings, the facts go to the fact log only as
the log is read, and are scored once, in known order, when it has all been read
(``ledger_deferred`` says so meanwhile), rather than scored in the log's order and again at the
rewind the history would make.
Each row keeps its fact's position. A report pinned to position P reads the rows of the facts
recorded by P when those facts come first in known order (always in a store that learned in log
order); when later-recorded history is known before some of them, it reads a ledger replayed from
the facts recorded by P (into a temporary SQLite file), so a pin reads the same before and after
such an import.
"""

from __future__ import annotations

import heapq
import os
import tempfile
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from functools import partial
from typing import Any
from uuid import UUID

from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import (
    InfrastructureFactory,
    IntegrityError,
    Notification,
    Tracking,
)
from eventsourcing.projection import Projection

from domain.application import Tally
from domain.commission import Commission
from domain.facts import Facts
from domain.finding import Finding
from domain.fold import FACT_EVENTS, FactFolder
from domain.method_book import MethodBook
from domain.officer import Officer
from domain.period import Period
from domain.scoring import ScoreLine, finding_lines, item_lines, lapse_lines
from domain.standings import HolderTotals
from domain.submission import Submission
from domain.transcodings import tally_mapper
from domain.values import Channel, Level
from projections import known_order, ledger_sums
from projections.runner import RecordedTracking, tracking_name
from projections.view import THEN, PostgresView, SQLiteView, SQLView, Statement, TransactionRun
from store.recorded import as_utc

TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%f"

Scope = tuple[str, ...]  # ("item", id) | ("finding", id) | ("lapse", commission id, unit id)


def time_key(moment: datetime) -> str:
    """Fixed-width UTC text, so that text order is time order on both backends."""
    return as_utc(moment).strftime(TIME_FORMAT)


def cents(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value())


def line_key(line: ScoreLine) -> str:
    """What makes two lines the same consequence: names and wording are not part of it."""
    return "|".join((line.kind, line.ref, line.clause, line.officer_id or "",
                     line.unit_id or "", line.item_id or "", line.valid_on.isoformat()))


class LedgerView(SQLView):
    tables = ("fact_log", "ledger", "holder_deltas", "holder_spans", "span_marks",
              "span_mark_heads", "ledger_rewinds", "ledger_deferred")
    derived = True  # projected from the log alone
    #: Told when a batch starts, is about to commit, and ends (the ledger's projection).
    batch_listener: Any = None

    @contextmanager
    def batch(self) -> Iterator[None]:
        listener = self.batch_listener
        with super().batch():
            if listener is not None:
                listener.batch_started()
            try:
                yield
                if listener is not None:
                    listener.batch_ending()
            finally:
                if listener is not None:
                    listener.batch_closed()
        if listener is not None:
            listener.batch_committed()

    def fact_rows(self, as_of: datetime | None, topics: Sequence[str] = (),
                  upto: int | None = None) -> list[dict[str, Any]]:
        """Fact events known at ``as_of`` and recorded at or before position ``upto``, in the
        order the office learned them (known time, then position)."""
        clauses, params = [], []
        if as_of is not None:
            clauses.append("known_at <= ?")
            params.append(time_key(as_of))
        if upto is not None:
            clauses.append("position <= ?")
            params.append(upto)
        if topics:
            clauses.append(f"topic IN ({', '.join('?' * len(topics))})")
            params.extend(topics)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        return self.query(
            f"SELECT * FROM fact_log{where} ORDER BY known_at, position", params)  # noqa: S608

    def fact_events(self, as_of: datetime | None, topics: Sequence[str],
                    upto: int | None = None, after: datetime | None = None) -> list[Any]:
        """``fact_rows`` decoded (known after ``after``, if given), keeping each decoded
        event by its position for the next call: a position's event never changes (a rebuild
        writes the same one again), so only the selection is read each time. For the few
        settings topics, not the items."""
        where, params = _topic_selection(as_of, topics, upto, after)
        positions = [row["position"] for row in self.query(
            f"SELECT position FROM fact_log WHERE {where} "  # noqa: S608
            "ORDER BY known_at, position", params)]
        decoded: dict[int, Any] = self.__dict__.setdefault("_decoded_facts", {})
        missing = [position for position in positions if position not in decoded]
        for chunk in range(0, len(missing), 1000):
            wanted = missing[chunk:chunk + 1000]
            rows = self.query(
                f"SELECT * FROM fact_log WHERE position IN ({', '.join('?' * len(wanted))})",  # noqa: S608
                wanted)
            for row, event in zip(rows, decode_fact_rows(rows), strict=True):
                decoded[row["position"]] = event
        return [decoded[position] for position in positions]

    def fact_count(self, as_of: datetime | None, topics: Sequence[str],
                   upto: int | None = None) -> tuple[int, int]:
        """How many fact events of ``topics`` are known at ``as_of`` (up to ``upto``), and the
        last one's position."""
        where, params = _topic_selection(as_of, topics, upto)
        row = self.query(
            "SELECT COUNT(*) AS facts, COALESCE(MAX(position), 0) AS last "  # noqa: S608
            f"FROM fact_log WHERE {where}", params)[0]
        return int(row["facts"]), int(row["last"])

    def known_fact_rows(self, since: str | None = None, before: str | None = None,
                        upto: int | None = None, page: int = 5000
                        ) -> Iterator[dict[str, Any]]:
        """Fact rows in the order the office learned them (known time, then position), known
        at or after ``since`` and before ``before`` (and recorded at or before ``upto``), read a
        page at a time (never the whole log at once)."""
        clauses, bounds = [], []
        if since is not None:
            clauses.append(" AND known_at >= ?")
            bounds.append(since)
        if before is not None:
            clauses.append(" AND known_at < ?")
            bounds.append(before)
        if upto is not None:
            clauses.append(" AND position <= ?")
            bounds.append(upto)
        known, position = "", -1
        while rows := self.query(
                "SELECT * FROM fact_log WHERE (known_at > ? OR (known_at = ? AND position > ?))"  # noqa: S608
                + "".join(clauses) + " ORDER BY known_at, position LIMIT ?",
                (known, known, position, *bounds, page)):
            yield from rows
            known, position = rows[-1]["known_at"], rows[-1]["position"]

    def deferred(self) -> str | None:
        """The known time from which the facts in the fact log have no rows yet (a rebuild
        scores them once it has read the whole log), or None."""
        row = self.query("SELECT MIN(known_at) AS known_at FROM ledger_deferred")[0]
        return row["known_at"]

    def rewinds_after(self, upto: int) -> str | None:
        """The earliest known time the ledger rewound to for facts recorded after ``upto``."""
        row = self.query("SELECT MIN(known_at) AS known_at FROM ledger_rewinds "
                         "WHERE last_late > ?", (upto,))[0]
        return row["known_at"]

    def pinned(self, upto: int) -> LedgerView:
        """The ledger as it would stand had the log ended at ``upto``: this one, unless history
        recorded after ``upto`` is known before facts recorded by it (then the ledger's rows of
        those facts were recomputed with that history); then a ledger replayed from the facts
        recorded by ``upto`` into a temporary file (``replayed_ledger``, in ``TMPDIR``), kept
        for the next report (four at most)."""
        rewound = self.rewinds_after(upto)
        if rewound is None:
            return self
        row = self.query("SELECT MAX(known_at) AS known_at, COUNT(*) AS facts FROM fact_log "
                         "WHERE position <= ?", (upto,))[0]
        if row["known_at"] is None or rewound >= row["known_at"]:
            return self  # the facts recorded by ``upto`` still come first in known order
        cache: dict[tuple[int, int], LedgerView] = self.__dict__.setdefault(
            "_pinned_ledgers", {})
        key = (upto, int(row["facts"]))
        if key not in cache:
            if len(cache) >= 4:
                cache.pop(next(iter(cache))).datastore.close()  # type: ignore[attr-defined]
            cache[key] = replayed_ledger(self.known_fact_rows(upto=upto))
        return cache[key]

    def lines(self, start: date, end: date, as_of: datetime | None,
              upto: int | None = None, holder: tuple[str, str] | None = None
              ) -> list[ScoreLine]:
        """The consequences valid from ``start`` to ``end`` as known at ``as_of`` (and recorded
        at or before position ``upto``: a published bulletin is pinned to a log position), of
        one holder only if ``holder`` is (column, id)."""
        params: list[Any] = [start.isoformat(), end.isoformat()]
        known = ""
        if holder is not None:
            known = f" AND {holder[0]} = ?"
            params.append(holder[1])
        if as_of is not None:
            known += " AND known_at <= ?"
            params.append(time_key(as_of))
        if upto is not None:
            known += " AND position <= ?"
            params.append(upto)
        # A consequence is its line key; its wording and method are those of its newest row.
        rows = self.query(
            "SELECT * FROM (SELECT line_key, kind, ref, clause, method, officer_id, unit_id, "  # noqa: S608
            "item_id, valid_on, channel, level, adoption, fact, "
            "SUM(points_cents) OVER by_key AS points, SUM(money_cents) OVER by_key AS money, "
            "SUM(presence) OVER by_key AS present, "
            "ROW_NUMBER() OVER (PARTITION BY line_key ORDER BY position DESC, seq DESC) AS newest "
            "FROM ledger WHERE valid_on >= ? AND valid_on <= ?" + known + " "
            "WINDOW by_key AS (PARTITION BY line_key)) AS lines "
            "WHERE newest = 1 AND present > 0 ORDER BY line_key",
            params,
        )
        return [_line(row) for row in rows]

    def holder_lines(self, start: date, end: date, as_of: datetime | None, upto: int | None,
                     holder: str, holder_id: str) -> list[ScoreLine]:
        """``lines`` of one officer (``holder`` "officer") or one unit only."""
        return self.lines(start, end, as_of, upto, (HOLDER_COLUMNS[holder], holder_id))

    def holder_totals(self, period: Period, as_of: datetime | None, upto: int | None,
                      holder: str, counts_submissions: bool, holders: Sequence[str],
                      by_month_of: Sequence[str] = ()) -> dict[str, HolderTotals]:
        """The sums and item counts for ``period`` of ``holders``: each one's last running
        totals of the period known at ``as_of`` (``projections.ledger_sums``). Counted items
        by month are read only for the holders ``by_month_of`` (the quota rule's)."""
        known, params = "", []
        if as_of is not None:
            known = " AND known_at <= ?"
            params.append(time_key(as_of))
        if upto is not None:
            known += " AND position <= ?"
            params.append(upto)
        return ledger_sums.holder_totals(self, isinstance(self, PostgresView), period, known,
                                         params, holder, counts_submissions, holders,
                                         by_month_of)

    def changes(self, start: date, end: date, after: datetime, until: datetime | None,
                upto: int | None = None) -> list[dict[str, Any]]:
        """Ledger rows valid in the period and learned after ``after`` (up to ``until``, and
        recorded at or before position ``upto``)."""
        params: list[Any] = [start.isoformat(), end.isoformat(), time_key(after)]
        until_clause = ""
        if until is not None:
            until_clause = " AND known_at <= ?"
            params.append(time_key(until))
        if upto is not None:
            until_clause += " AND position <= ?"
            params.append(upto)
        return self.query(
            "SELECT * FROM ledger WHERE valid_on >= ? AND valid_on <= ? AND known_at > ?"  # noqa: S608
            + until_clause + " ORDER BY position, seq",
            params,
        )


_LEDGER_COLUMNS = (
    "position {int} NOT NULL, seq INTEGER NOT NULL, known_at TEXT NOT NULL, "
    "valid_on TEXT NOT NULL, officer_id TEXT, unit_id TEXT, item_id TEXT, kind TEXT NOT NULL, "
    "ref TEXT NOT NULL, clause TEXT NOT NULL, method TEXT NOT NULL, channel TEXT, level TEXT, "
    "adoption INTEGER NOT NULL, line_key TEXT NOT NULL, fact TEXT NOT NULL, "
    "points_cents {int} NOT NULL, money_cents {int} NOT NULL, presence INTEGER NOT NULL, "
    "PRIMARY KEY (position, seq)"
)
#: One row per rewind: at the batch committed at ``position``, the rows known at or after
#: ``known_at`` were computed again; ``last_late`` is the batch's last fact that came out of order.
_REWINDS = ("CREATE TABLE IF NOT EXISTS ledger_rewinds (position {int} PRIMARY KEY, "
            "last_late {int} NOT NULL, known_at TEXT NOT NULL)")
#: At most one row, while a rebuild has written the facts known at or after ``known_at`` into the
#: fact log and not yet their rows (``LedgerProjection.rebuild_starting``).
_DEFERRED = "CREATE TABLE IF NOT EXISTS ledger_deferred (known_at TEXT PRIMARY KEY)"
_INDEXES = (
    # The facts in the order the office learned them (a rewind reads them so).
    "CREATE INDEX IF NOT EXISTS fact_log_known_order ON fact_log (known_at, position)",
    # The settings facts (everything but the items) known at a moment, without the items'.
    "CREATE INDEX IF NOT EXISTS fact_log_topic_known ON fact_log (topic, known_at, position)",
    "CREATE INDEX IF NOT EXISTS ledger_valid_known ON ledger (valid_on, known_at)",
    # One holder's lines ("why these points"), without reading the others'.
    "CREATE INDEX IF NOT EXISTS ledger_officer ON ledger (officer_id, valid_on)",
    "CREATE INDEX IF NOT EXISTS ledger_unit ON ledger (unit_id, valid_on)",
)


class LedgerSQLiteView(LedgerView, SQLiteView):
    schema = (
        "CREATE TABLE IF NOT EXISTS fact_log (position INTEGER PRIMARY KEY, "
        "known_at TEXT NOT NULL, imported INTEGER NOT NULL, originator_id TEXT NOT NULL, "
        "originator_version INTEGER NOT NULL, topic TEXT NOT NULL, state BLOB NOT NULL)",
        f"CREATE TABLE IF NOT EXISTS ledger ({_LEDGER_COLUMNS.format(int='INTEGER')})",
        f"CREATE TABLE IF NOT EXISTS holder_deltas ({ledger_sums.COLUMNS.format(int='INTEGER')})",
        "CREATE TABLE IF NOT EXISTS holder_spans "
        f"({ledger_sums.SPAN_COLUMNS.format(**ledger_sums.SPAN_TYPES['sqlite'])})",
        "CREATE TABLE IF NOT EXISTS span_marks "
        f"({ledger_sums.MARK_COLUMNS.format(**ledger_sums.SPAN_TYPES['sqlite'])})",
        "CREATE TABLE IF NOT EXISTS span_mark_heads "
        f"({ledger_sums.MARK_HEADS.format(**ledger_sums.SPAN_TYPES['sqlite'])})",
        _REWINDS.format(int="INTEGER"), _DEFERRED,
        *_INDEXES, ledger_sums.INDEX, ledger_sums.SPAN_INDEX,
    )


class LedgerPostgresView(LedgerView, PostgresView):
    schema = (
        "CREATE TABLE IF NOT EXISTS fact_log (position BIGINT PRIMARY KEY, "
        "known_at TEXT NOT NULL, imported BOOLEAN NOT NULL, originator_id TEXT NOT NULL, "
        "originator_version BIGINT NOT NULL, topic TEXT NOT NULL, state BYTEA NOT NULL)",
        f"CREATE TABLE IF NOT EXISTS ledger ({_LEDGER_COLUMNS.format(int='BIGINT')})",
        f"CREATE TABLE IF NOT EXISTS holder_deltas ({ledger_sums.COLUMNS.format(int='BIGINT')})",
        "CREATE TABLE IF NOT EXISTS holder_spans "
        f"({ledger_sums.SPAN_COLUMNS.format(**ledger_sums.SPAN_TYPES['postgres'])})",
        "CREATE TABLE IF NOT EXISTS span_marks "
        f"({ledger_sums.MARK_COLUMNS.format(**ledger_sums.SPAN_TYPES['postgres'])})",
        "CREATE TABLE IF NOT EXISTS span_mark_heads "
        f"({ledger_sums.MARK_HEADS.format(**ledger_sums.SPAN_TYPES['postgres'])})",
        _REWINDS.format(int="BIGINT"), _DEFERRED,
        *_INDEXES, ledger_sums.POSTGRES_INDEX, ledger_sums.SPAN_INDEX,
    )


VIEWS: dict[str, type[SQLView]] = {"sqlite": LedgerSQLiteView, "postgres": LedgerPostgresView}


HOLDER_COLUMNS = {"officer": "officer_id", "unit": "unit_id"}


def _line(row: dict[str, Any]) -> ScoreLine:
    return ScoreLine(
        kind=row["kind"], valid_on=date.fromisoformat(row["valid_on"]),
        officer_id=row["officer_id"], unit_id=row["unit_id"], item_id=row["item_id"],
        fact=row["fact"], clause=row["clause"], method=row["method"],
        points=Decimal(int(row["points"])) / 100, money=Decimal(int(row["money"])) / 100,
        channel=Channel(row["channel"]) if row["channel"] else None,
        level=Level(row["level"]) if row["level"] else None,
        adoption=bool(row["adoption"]), ref=row["ref"],
    )


#: The fact row's columns an event is decoded from, and its known time, as ``_rewrite`` reads them.
_FACT_FIELDS = ("position", "known_at", "originator_id", "originator_version", "topic", "state")


def _stored_event(row: dict[str, Any]) -> Notification:
    return Notification(
        id=row["position"], originator_id=UUID(row["originator_id"]),
        originator_version=row["originator_version"], topic=row["topic"],
        state=bytes(row["state"]),
    )


def decode_fact_rows(rows: Iterable[dict[str, Any]]) -> Iterable[Any]:
    mapper = tally_mapper()
    for row in rows:
        yield mapper.to_domain_event(_stored_event(row))


def replayed_ledger(rows: Iterable[dict[str, Any]]) -> LedgerView:
    """A ledger written from fact rows given in known order, into a SQLite file of its own
    (removed with the view), a chunk of facts per transaction: replayed from a province's
    log it is as large as the ledger itself, so it is never held in memory."""
    handle, path = tempfile.mkstemp(prefix="tally-pinned-ledger-", suffix=".sqlite")
    os.close(handle)
    factory = InfrastructureFactory.construct({  # type: ignore[arg-type]
        "PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": path,
        "CREATE_TABLE": "y"})
    view = factory.tracking_recorder(LedgerSQLiteView)
    assert isinstance(view, LedgerSQLiteView)
    weakref.finalize(view, _remove_database, path)
    mapper, folder = tally_mapper(), FactFolder()
    running = ledger_sums.Running()
    statements: list[Statement] = []
    for facts, row in enumerate(rows, start=1):
        statements.append((
            "INSERT INTO fact_log (position, known_at, imported, originator_id, "
            "originator_version, topic, state) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (row["position"], row["known_at"], int(bool(row["imported"])),
             row["originator_id"], row["originator_version"], row["topic"],
             bytes(row["state"]))))
        statements.extend(_event_rows(folder, mapper.to_domain_event(_stored_event(row)),
                                      row["position"], row["known_at"], running))
        if facts % _REWIND_CHUNK == 0:
            view.commit(None, statements)
            statements = []
    view.commit(None, statements)
    return view


def _remove_database(path: str) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        with suppress(FileNotFoundError):
            os.remove(path + suffix)


def load_facts(view: LedgerView, as_of: datetime | None = None,
               topics: Sequence[str] = (), upto: int | None = None) -> Facts:
    """The facts as the office knew them at ``as_of`` (now, if None), up to log ``upto``,
    folded in the order the office learned them."""
    return fold_facts(view, FactFolder(), as_of, topics, upto).facts


def fold_facts(view: LedgerView, folder: FactFolder, as_of: datetime | None,
               topics: Sequence[str], upto: int | None, after: datetime | None = None
               ) -> FactFolder:
    """``folder`` with the facts known at ``as_of`` (and after ``after``: what a folder of the
    facts known at ``after`` lacks) folded into it, in the order the office learned them.
    The facts known at a moment are those known at an earlier one, then the ones learned
    since, in that order: so a fold goes on from an earlier moment's."""
    if after is not None and not topics:
        raise ValueError("a fold goes on from an earlier moment for chosen topics only")
    events = (view.fact_events(as_of, topics, upto, after) if topics
              else decode_fact_rows(view.fact_rows(as_of, topics, upto)))
    apply = folder.apply  # bound once: each binding of the dispatching method costs a wrapper
    for event in events:
        apply(event)
    return folder


@dataclass
class _Current:
    """The projection's working state: the folded facts. A scope's present lines are computed
    from them when the scope changes; only those of the scopes touched last are remembered
    (``_ScopeLines``, bounded): keeping every scope's lines grew with the log (213 MB at 180k
    events)."""

    folder: FactFolder
    position: int  # the last notification applied
    latest: str  # the latest known time applied ("" before any)
    #: every holder span's totals (``ledger_sums``); None: read them again when needed
    running: ledger_sums.Running | None = None
    #: the known time from which facts are written to the fact log only, to be scored when
    #: the log has been read (``LedgerProjection.caught_up``); the folder holds none of them
    deferred: str | None = None


#: A fact of the batch being written: (known time, position, event).
Known = tuple[str, int, Any]


@dataclass
class _Batch:
    """The fact events of the batch being written, and, once one came out of known order,
    the earliest known time met out of order and the position of the last such fact."""

    facts: list[Known] = field(default_factory=list)
    rewind_from: str | None = None
    last_late: int = 0
    #: whether a fact came out of known order since the runner last asked (``wants_more``)
    late_since_asked: bool = False
    #: whether a fact was left to the deferred scoring (``_Current.deferred``)
    deferred: bool = False


def _topic_selection(as_of: datetime | None, topics: Sequence[str],
                     upto: int | None, after: datetime | None = None) -> tuple[str, list[Any]]:
    """The WHERE clause (fixed text, ``?`` parameters) of fact rows of ``topics`` known at
    ``as_of`` (and after ``after``) and recorded at or before ``upto``."""
    clauses, params = [f"topic IN ({', '.join('?' * len(topics))})"], list[Any](topics)
    if after is not None:
        clauses.append("known_at > ?")
        params.append(time_key(after))
    if as_of is not None:
        clauses.append("known_at <= ?")
        params.append(time_key(as_of))
    if upto is not None:
        clauses.append("position <= ?")
        params.append(upto)
    return " AND ".join(clauses), params


class LedgerProjection(Projection[LedgerView]):
    name = "ledger"
    batchable = True  # its working state is in memory; it never reads its view while writing

    def __init__(self, view: LedgerView) -> None:
        super().__init__(view)
        self.mapper = tally_mapper()
        self._current: _Current | None = None
        self._batch: _Batch | None = None
        self._rewritten = 0  # facts the rewinds wrote again since this process last tidied
        view.batch_listener = self

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        if self._current is not None and tracking.notification_id <= self._current.position:
            self.forget()  # the log is being read again from an earlier position (a rebuild)
        if not isinstance(domain_event, FACT_EVENTS):
            self.view.write(tracking, [])
            if self._current is not None:
                self._current.position = tracking.notification_id
            return
        assert isinstance(tracking, RecordedTracking), "the ledger needs the record time"
        current = self._warm()
        known_at = time_key(domain_event.cause.known_at or tracking.recorded_at)
        position = tracking.notification_id
        try:
            statements = [self._fact_row(domain_event, tracking, known_at)]
            batch = self._batch
            late = known_at < current.latest
            deferred = current.deferred is not None and known_at >= current.deferred
            if deferred and batch is not None:
                batch.deferred = True
            elif deferred:
                statements.append(_still_deferred(current.deferred))
            if batch is not None and (late or batch.rewind_from is not None):
                # Out of known order: the batch's facts from here are written by the rewind
                # when the batch ends (``batch_ending``), once for the whole batch.
                batch.facts.append((known_at, position, domain_event))
                if late:
                    batch.rewind_from = min(batch.rewind_from or known_at, known_at)
                    batch.last_late = position
                    batch.late_since_asked = True
            elif late and deferred:  # scored with the deferred facts, in known order
                statements.append(_rewind_row(position, position, known_at))
            elif late:  # written event by event: rewind for this one
                rows, current.folder = self._rewind(known_at, [(known_at, position,
                                                                domain_event)])
                statements.extend(rows)
                statements.append(_rewind_row(position, position, known_at))
                current.running = current.deferred = None
            else:
                if not deferred:
                    statements.extend(_event_rows(current.folder, domain_event, position,
                                                  known_at, self._running(current)))
                if batch is not None:
                    batch.facts.append((known_at, position, domain_event))
            self.view.write(tracking, statements)
        except BaseException:
            self._current = None  # the working state may be ahead of the tables: re-read it
            raise
        current.position = position
        current.latest = max(current.latest, known_at)
        if self._batch is None:  # written and committed event by event
            self._tidy()

    def resume(self, committed: int) -> None:
        """Called by the runner before each page with the view's committed position: the
        working state is kept only if it is for that position. Another process (a worker, or
        another API process catching up inline) may have moved the view on meanwhile; then
        the state is read again from the fact log."""
        if self._current is not None and self._current.position != committed:
            self.forget()

    def batch_started(self) -> None:
        self._batch = _Batch()

    def wants_more(self) -> bool:
        """Asked by the runner after each page of a batch: whether to take the next page into
        the same batch. Yes while the pages bring facts out of known order (history recorded
        after what it precedes, a page after a page): one rewind over the live facts after
        the whole run, instead of one a page over the same facts. At most
        ``_REWIND_BATCH_FACTS`` facts wait in one batch."""
        batch = self._batch
        if batch is None:
            return False
        wanted, batch.late_since_asked = batch.late_since_asked, False
        return wanted and len(batch.facts) < _REWIND_BATCH_FACTS

    def batch_ending(self) -> None:
        """Before the batch commits: if a fact came out of known order, rewind once to the
        earliest known time met out of order and replay from there, in the same commit."""
        batch, current = self._batch, self._current
        if batch is None or current is None:
            return
        if batch.deferred and current.deferred is not None:
            self.view.write(None, [_still_deferred(current.deferred)])
        if batch.rewind_from is None:
            return
        try:
            if current.deferred is not None and batch.rewind_from >= current.deferred:
                # no rows to write again: the facts known from then on are not scored yet
                self.view.write(None, [_rewind_row(current.position, batch.last_late,
                                                   batch.rewind_from)])
                return
            rows, current.folder = self._rewind(batch.rewind_from, batch.facts)
            rows.append(_rewind_row(current.position, batch.last_late, batch.rewind_from))
            self.view.write(None, rows)
            current.running = current.deferred = None  # read again once the batch is committed
        except BaseException:
            self._current = None
            raise

    def batch_closed(self) -> None:
        self._batch = None

    def batch_committed(self) -> None:
        self._tidy()

    def _tidy(self) -> None:
        """After a commit, once rewinds have written ``_TIDY_AFTER_FACTS`` facts again or more
        (a late fact from months back, history imported into a live store): every row they wrote
        left a dead one, and the rankings read the span tables by index, so vacuum and
        analyse the view now, as after a rebuild, rather than wait for autovacuum (which may
        be off, or far behind): right after a rewind of a 100k log the rankings' statement
        ran 30-40 % slower until the tables were vacuumed."""
        if self._rewritten >= _TIDY_AFTER_FACTS:
            self.view.refresh_statistics()
            self._rewritten = 0

    def _rewrote(self, facts: int) -> None:
        self._rewritten += facts

    def _rewind(self, since: str, batch: list[Known]) -> tuple[list[Statement], FactFolder]:
        """The statements that write the rows of the facts known at or after ``since`` again,
        as if the facts had arrived in known order, and the folded facts they leave.

        The facts before ``since`` are folded now; the rest are read, scored and written
        inside the commit's transaction, a chunk at a time (``_rewrite``: a rewind of a whole
        log is never held in memory), and the folder goes on with them. ``batch`` holds the
        facts of this transaction: their fact rows are written before these statements."""
        folder = FactFolder()
        earlier = sorted((fact for fact in batch if fact[0] < since), key=_order)
        apply = folder.apply  # bound once (see load_facts)
        for _, _, event in heapq.merge(self._stored(before=since), earlier, key=_order):
            apply(event)
        # Then the spans' running totals from ``since`` on, summed again in the database from
        # the delta rows: the working state has no totals as of ``since``. Facts deferred by
        # a rebuild are known after ``since`` (a rewind to later is left to them): scored now.
        return [(THEN, (partial(_rewrite, folder, since, self.mapper, self._rewrote, None),)),
                *ledger_sums.rewound_spans(
                    since, "postgres" if isinstance(self.view, PostgresView) else "sqlite"),
                _END_DEFERRAL], folder

    def _stored(self, since: str | None = None, before: str | None = None,
                upto: int | None = None) -> Iterator[Known]:
        """The committed facts in known order, known at or after ``since``, before ``before``,
        at positions up to ``upto``."""
        for row in self.view.known_fact_rows(since, before, upto, page=_WARM_PAGE):
            yield row["known_at"], row["position"], self.mapper.to_domain_event(_stored_event(row))

    def forget(self) -> None:
        """Drop the working state; it is read again from the committed tables when needed."""
        self._current = None

    def rebuild_starting(self, app: Tally) -> None:
        """Told by a rebuild once the view is empty, before the log is read: where history
        was recorded after facts it precedes (``projections.known_order``), the facts known
        from the earliest such history on are written to the fact log only as the log is read,
        and scored once, in known order, when it has all been read (``caught_up``); scoring
        them in the log's order would have them all scored again when the history came.
        Committed before the first page, so that a rebuild stopped half-way goes on so."""
        since = known_order.earliest_late(app.recorder)
        if since is not None:
            self.view.commit(None, [("INSERT INTO ledger_deferred (known_at) VALUES (?)",
                                     (time_key(since),))])
        self.forget()

    def caught_up(self) -> None:
        """Told by the runner when it has read to the end of the log: the facts deferred by a
        rebuild are scored now, in known order, in one transaction (``_rewrite``)."""
        current = self._current
        if current is None:
            if self.view.deferred() is None:
                return
            current = self._warm()
        if current.deferred is None:
            return
        outcome: list[int] = []
        try:
            self.view.write(None, [(THEN, (partial(
                _rewrite, current.folder, current.deferred, self.mapper, outcome.append,
                self._running(current)),))])
        except BaseException:
            self._current = None
            raise
        if outcome[0] < 0:  # another process scored them first: read its rows' state again
            self._current = None
        else:
            current.deferred = None

    def _running(self, current: _Current) -> ledger_sums.Running:
        """The spans' totals, read from the committed delta rows at the first fact after a
        (re)start or a rewind; kept up to date in memory after that."""
        if current.running is None:
            current.running = ledger_sums.running_totals(self.view, current.position)
        return current.running

    def warm(self) -> None:
        """Load the working state now (the follow worker calls this before it follows the
        log), so that the first fact after a start does not wait for the whole fact log."""
        self._running(self._warm())

    def _warm(self) -> _Current:
        """The working state as of the committed position: that position is read first, then
        the facts up to it (each transaction commits its facts with its position), so the
        state is for exactly that position and the runner's next ``resume`` keeps it."""
        if self._current is None:
            committed = self.view.max_tracking_id(tracking_name(self)) or 0
            deferred = self.view.deferred()
            folder, latest = FactFolder(), ""
            apply = folder.apply  # bound once (see load_facts)
            for known_at, _, event in self._stored(upto=committed):
                if deferred is None or known_at < deferred:  # the rest wait for caught_up
                    apply(event)
                latest = known_at  # known order: the last is the latest
            self._current = _Current(folder, committed, latest, deferred=deferred)
        return self._current

    def _fact_row(self, event: Any, tracking: RecordedTracking, known_at: str) -> Statement:
        stored = tracking.notification or self.mapper.to_stored_event(event)
        return (
            "INSERT INTO fact_log (position, known_at, imported, originator_id, "
            "originator_version, topic, state) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (tracking.notification_id, known_at, event.cause.known_at is not None,
             str(stored.originator_id), stored.originator_version, stored.topic, stored.state),
        )

    @staticmethod
    def _scopes(folder: FactFolder, event: Any) -> set[Scope]:
        """The scopes an event can change, from the facts before it (it changes no item's
        authors nor any finding's holder)."""
        facts = folder.facts
        key = str(event.originator_id)
        if isinstance(event, Submission.Event):
            return {("item", key)}
        if isinstance(event, Officer.Event):
            items = (facts.items.get(item_id) for item_id in _Authors.of(folder).items(key))
            return ({("item", i.item_id) for i in items
                     if i is not None and key in {officer for officer, _ in i.authors}}
                    | {("finding", f.finding_id) for f in facts.findings.values()
                       if f.holder_id == key})
        if isinstance(event, Finding.Event):
            return {("finding", key)}
        if isinstance(event, Commission.Lapsed):
            return {("lapse", key, str(event.unit_id))}
        if isinstance(event, MethodBook.Event):
            return _all_scopes(facts)
        return set()

    @staticmethod
    def _compute(facts: Facts, scope: Scope) -> list[ScoreLine]:
        if scope[0] == "item":
            item = facts.items.get(scope[1])
            return item_lines(item, facts) if item else []
        if scope[0] == "finding":
            finding = facts.findings.get(scope[1])
            return finding_lines(finding, facts) if finding else []
        lapse = next((lapse for lapse in facts.lapses
                      if (lapse.commission_id, lapse.unit_id) == scope[1:]), None)
        return lapse_lines(lapse, facts) if lapse else []


_DELETE_CHUNK = 500
#: Facts a rewind scores before it writes their rows (its memory beyond the folded facts).
_REWIND_CHUNK = 2_000
#: Facts a batch holds at most while the runner adds pages of history to it (``wants_more``).
_REWIND_BATCH_FACTS = 20_000
#: Facts the rewinds write again (counted since the process last tidied the view) before the
#: view is vacuumed and analysed after a commit (``LedgerProjection._tidy``).
_TIDY_AFTER_FACTS = 20_000
#: Fact rows read a page at a time when the working state is read again (fewer round trips).
_WARM_PAGE = 20_000


_DEFERRED_NOW = "SELECT known_at FROM ledger_deferred"
#: The deferred facts scored (or written again by a rewind from before them).
_END_DEFERRAL: Statement = ("DELETE FROM ledger_deferred", ())
#: Two processes that caught up at once: the second waits for the first's commit, then finds
#: no deferral left.
_DEFERRED_FOR_UPDATE = _DEFERRED_NOW + " FOR UPDATE"
#: A process that defers facts while another scores the deferred ones: it waits for that
#: commit, then finds the deferral gone.
_DEFERRED_FOR_SHARE = _DEFERRED_NOW + " FOR SHARE"


def _still_deferred(since: str) -> Statement:
    """A statement that refuses the transaction unless the facts known from ``since`` are
    still deferred: a fact left to the deferred scoring after another process has done it
    (a follower that caught up while a rebuild was still reading) would have no rows ever."""
    return (THEN, (partial(_check_deferred, since),))


def _check_deferred(since: str, run: TransactionRun) -> None:
    if not _deferral_held(run, since, _DEFERRED_FOR_SHARE):
        raise IntegrityError("the deferred facts were scored by another process meanwhile")


def _deferral_held(run: TransactionRun, since: str, postgres_select: str) -> bool:
    """Whether the facts known from ``since`` are still deferred, as the transaction sees
    it; on PostgreSQL read with ``postgres_select``, which locks the row (SQLite has one
    writer at a time)."""
    return [row[0] for row in run.rows(postgres_select if run.postgres
                                       else _DEFERRED_NOW)] == [since]


def _order(fact: Known) -> tuple[str, int]:
    return fact[0], fact[1]


def _rewrite(folder: FactFolder, since: str, mapper: Any, rewrote: Callable[[int], None],
             running: ledger_sums.Running | None, run: TransactionRun) -> None:
    """A rewind's rows, inside its transaction: the facts known at or after ``since`` (the
    transaction's own among them) read in known order, applied to ``folder`` and scored; each
    chunk's old rows deleted by position, then its new rows written. ``rewrote`` is told how
    many facts were.

    With the spans' ``running`` totals as of ``since``, the facts a rebuild deferred from
    ``since`` (``ledger_deferred``), which have no rows yet: written with their spans' rows as
    if they had come in known order, and the deferral ended; ``rewrote`` is told -1 if another
    process ended it first (then nothing is written)."""
    if running is not None:
        if not _deferral_held(run, since, _DEFERRED_FOR_UPDATE):
            rewrote(-1)
            return
        run.write([_END_DEFERRAL])
    positions: list[int] = []
    rows: list[Statement] = []
    facts = 0
    for values in run.rows(
            "SELECT position, known_at, originator_id, originator_version, topic, state "
            "FROM fact_log WHERE known_at >= ? ORDER BY known_at, position", (since,)):
        row = dict(zip(_FACT_FIELDS, values, strict=True))
        positions.append(row["position"])
        rows.extend(_event_rows(folder, mapper.to_domain_event(_stored_event(row)),
                                row["position"], row["known_at"], running))
        facts += 1
        if len(positions) == _REWIND_CHUNK:
            _replace_rows(run, positions if running is None else [], rows)
            positions, rows = [], []
    _replace_rows(run, positions if running is None else [], rows)
    rewrote(facts)


def _replace_rows(run: TransactionRun, positions: list[int], rows: list[Statement]) -> None:
    """Delete the rows of the facts at ``positions``, then write ``rows``."""
    deletes: list[Statement] = []
    for table in ("ledger", "holder_deltas"):
        for chunk in range(0, len(positions), _DELETE_CHUNK):
            wanted = positions[chunk:chunk + _DELETE_CHUNK]
            deletes.append((f"DELETE FROM {table} WHERE position IN "  # noqa: S608
                            f"({', '.join('?' * len(wanted))})", wanted))
    run.write(deletes)
    run.write(rows)  # apart from the deletes: plain inserts alone go by COPY


def _rewind_row(position: int, last_late: int, known_at: str) -> Statement:
    return ("INSERT INTO ledger_rewinds (position, last_late, known_at) VALUES (?, ?, ?)",
            (position, last_late, known_at))


def _event_rows(folder: FactFolder, event: Any, position: int, known_at: str,
                running: ledger_sums.Running | None) -> list[Statement]:
    """Apply a fact event to ``folder`` and return the ledger rows and holder deltas of the
    changes it makes to the scopes it touches, at its position and known time, and, unless
    ``running`` is None (a rewind sums them again after), the holder spans' totals after it."""
    facts = folder.facts
    scopes = sorted(LedgerProjection._scopes(folder, event))
    known = _ScopeLines.of(folder)
    # The lines before the event: those the scope was left with by the last event that
    # touched it, while the folder remembers them; otherwise computed now for the event's few
    # scopes. A method version changes every scope, so those are computed one at a time
    # from the facts with the methods as they were (the event changes nothing else).
    before = (replace(facts, methods=dict(facts.methods))
              if isinstance(event, MethodBook.Event) else None)
    olds = {} if before is not None else {
        scope: known.take(scope) or _present(facts, scope) for scope in scopes}
    folder.apply(event)
    if isinstance(event, Submission.Event):
        _Authors.saw(folder, event)
    statements: list[Statement] = []
    sums: list[Statement] = []
    for scope in scopes:
        old = olds.pop(scope) if before is None else (
            known.take(scope) or _present(before, scope))
        lines = _lines(folder.facts, scope)
        if lines == old[0]:  # many events change no line (an approval, a decline): no rows
            known.keep(scope, old)
            continue
        new = lines, _contributions(lines)
        known.keep(scope, new)
        # seq from 1 for the ledger rows: the event's own fact row came first
        statements.extend(_deltas(old[0], new[0], position, known_at,
                                  start=1 + len(statements)))
        sums.extend(ledger_sums.delta_rows(old[1], new[1], position, known_at,
                                           start=len(sums)))
    if running is None:
        return statements + sums
    return statements + sums + ledger_sums.span_rows(sums, running, position, known_at)


#: A scope's present lines by key, and what they add to the holders' sums.
Present = tuple[dict[str, ScoreLine], dict[ledger_sums.Key, list[int]]]


def _lines(facts: Facts, scope: Scope) -> dict[str, ScoreLine]:
    return _by_key(LedgerProjection._compute(facts, scope))


def _present(facts: Facts, scope: Scope) -> Present:
    lines = _lines(facts, scope)
    return lines, _contributions(lines)


class _ScopeLines:
    """The present lines of the scopes the last events touched, as those events left them,
    for the folder that folded them: the lines before the next event of the same scope,
    without scoring the scope again. Sound because an event changes the lines of no scope
    but those ``_scopes`` names, and every event's scopes are kept here after it; at worst a
    stale entry would make the next delta carry the difference, so the sums written still
    add up to the lines. Bounded: the scopes touched longest ago are forgotten (then scored
    again); a new folder (a rewind, a restart) starts with none."""

    SIZE = 8_192
    _folders: weakref.WeakKeyDictionary[FactFolder, _ScopeLines] = weakref.WeakKeyDictionary()

    def __init__(self) -> None:
        self._lines: OrderedDict[Scope, Present] = OrderedDict()

    @classmethod
    def of(cls, folder: FactFolder) -> _ScopeLines:
        known = cls._folders.get(folder)
        if known is None:
            known = cls._folders[folder] = cls()
        return known

    def take(self, scope: Scope) -> Present | None:
        return self._lines.pop(scope, None)

    def keep(self, scope: Scope, present: Present) -> None:
        self._lines[scope] = present
        if len(self._lines) > self.SIZE:
            self._lines.popitem(last=False)


class _Authors:
    """The items each officer is or was an author of, in a folder's facts: an officer's event
    (a transfer, a departure) changes the lines of those items, found without reading every
    item of the log. Made from the folder's items when first asked, then told of every
    submission event the folder applies after (``saw``); it may name items the officer no
    longer authors (after a revision), which ``_scopes`` checks against the item."""

    _folders: weakref.WeakKeyDictionary[FactFolder, _Authors] = weakref.WeakKeyDictionary()

    def __init__(self, facts: Facts) -> None:
        self._items: dict[str, set[str]] = {}
        for item in facts.items.values():
            self._add(item.item_id, item.authors)

    @classmethod
    def of(cls, folder: FactFolder) -> _Authors:
        authors = cls._folders.get(folder)
        if authors is None:
            authors = cls._folders[folder] = cls(folder.facts)
        return authors

    @classmethod
    def saw(cls, folder: FactFolder, event: Submission.Event) -> None:
        """After ``folder`` applied a submission event: its item's authors, if made."""
        authors = cls._folders.get(folder)
        item = folder.facts.items.get(str(event.originator_id))
        if authors is not None and item is not None:
            authors._add(item.item_id, item.authors)

    def items(self, officer: str) -> set[str]:
        return self._items.get(officer, set())

    def _add(self, item_id: str, authors: Iterable[tuple[str, Any]]) -> None:
        for officer, _ in authors:
            self._items.setdefault(officer, set()).add(item_id)


def _all_scopes(facts: Facts) -> set[Scope]:
    return ({("item", item_id) for item_id in facts.items}
            | {("finding", finding_id) for finding_id in facts.findings}
            | {("lapse", lapse.commission_id, lapse.unit_id) for lapse in facts.lapses})


def _by_key(lines: Iterable[ScoreLine]) -> dict[str, ScoreLine]:
    merged: dict[str, ScoreLine] = {}
    for line in lines:
        key = line_key(line)
        if key in merged:
            earlier = merged[key]
            line = replace(earlier, points=earlier.points + line.points,
                           money=earlier.money + line.money)
        merged[key] = line
    return merged


def _contributions(lines: dict[str, ScoreLine]) -> dict[ledger_sums.Key, list[int]]:
    return ledger_sums.contributions(
        (line, cents(line.points), cents(line.money)) for line in lines.values())


def _deltas(old: dict[str, ScoreLine], new: dict[str, ScoreLine], position: int,
            known_at: str, start: int) -> list[Statement]:
    statements: list[Statement] = []
    for key in sorted(old.keys() | new.keys()):
        before, after = old.get(key), new.get(key)
        if before == after:
            continue
        line = after or before
        assert line is not None
        points = cents(after.points if after else Decimal(0)) - cents(
            before.points if before else Decimal(0))
        money = cents(after.money if after else Decimal(0)) - cents(
            before.money if before else Decimal(0))
        presence = (1 if after else 0) - (1 if before else 0)
        if not (points or money or presence):
            continue
        statements.append((
            "INSERT INTO ledger (position, seq, known_at, valid_on, officer_id, unit_id, item_id, "
            "kind, ref, clause, method, channel, level, adoption, line_key, fact, points_cents, "
            "money_cents, presence) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (position, start + len(statements), known_at, line.valid_on.isoformat(),
             line.officer_id, line.unit_id, line.item_id, line.kind, line.ref, line.clause,
             line.method, line.channel.value if line.channel else None,
             line.level.value if line.level else None, int(line.adoption), key, line.fact,
             points, money, presence),
        ))
    return statements


def year_to(period: Period) -> tuple[date, date]:
    """From the first of January to the period's end: the span the period rules look at."""
    return date(period.year, 1, 1), period.end
