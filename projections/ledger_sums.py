"""Each holder's sums as signed deltas (``holder_deltas``), and each holder's running totals
by span of months (``holder_spans``, below), so that a ranking reads one row per holder.

The ledger's own rows are deltas of one consequence (a line key); a ranking grouped them by line
key to learn which lines were present, then by holder. ``holder_deltas`` holds, for the same
changes, what each change does to an officer's or a unit's sums in one month of valid time:
points, money, deducted points, item points, how many lines carry one or two decimals (a sum
prints as many decimals as its terms), and the counts of distinct items. A count of distinct
items in a span of months stays a sum: an item's months with (say) an adoption, sorted, are rows
``(month, prev)``; exactly one of them has ``month`` in the span and ``prev`` before it (its
first month in the span). A change of a scope adds ``new - old`` of those rows, at its own
known time, like the ledger's rows; summing the rows known at T gives the sums at T. Those sums
by span of months, running in the ledger's order, are the ``holder_spans`` rows a ranking reads.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from domain.period import Period
from domain.scoring import ScoreLine
from domain.standings import HolderTotals, LineSums
from projections.view import Statement

#: (holder kind, holder, month, prev, adopted month): month and prev are year * 100 + month.
Key = tuple[str, str, int, int, int]

VALUES = ("points", "money", "negative", "item_points", "points_d1", "points_d2",
          "negative_d1", "negative_d2", "item_d1", "item_d2",
          "submitted", "adopted", "scored", "adoptions")
_WIDTH = len(VALUES)
_SUBMITTED, _ADOPTED, _SCORED, _ADOPTIONS = (VALUES.index(name) for name in (
    "submitted", "adopted", "scored", "adoptions"))

COLUMNS = (
    "position {int} NOT NULL, seq INTEGER NOT NULL, known_at TEXT NOT NULL, "
    "holder_kind TEXT NOT NULL, holder TEXT NOT NULL, month INTEGER NOT NULL, "
    "prev INTEGER NOT NULL, adopted_month INTEGER NOT NULL, "
    + ", ".join(f"{name} {{int}} NOT NULL" for name in VALUES)
    + ", PRIMARY KEY (position, seq)"
)
INDEX = ("CREATE INDEX IF NOT EXISTS holder_deltas_span ON holder_deltas "
         "(holder_kind, month, known_at)")
#: PostgreSQL answers from the index alone (SQLite has no INCLUDE).
POSTGRES_INDEX = (INDEX.replace("(holder_kind, month, known_at)",
                                "(holder_kind, month, known_at) INCLUDE (position, holder, prev, "
                                f"adopted_month, {', '.join(VALUES)})"))
INSERT = (f"INSERT INTO holder_deltas (position, seq, known_at, holder_kind, holder, month, prev, "  # noqa: S608
          f"adopted_month, {', '.join(VALUES)}) "
          f"VALUES ({', '.join('?' * (8 + _WIDTH))})")


def _month(line: ScoreLine) -> int:
    return line.valid_on.year * 100 + line.valid_on.month


def _digits(points: int) -> int:
    return 0 if points % 100 == 0 else 1 if points % 10 == 0 else 2


def contributions(lines: Iterable[tuple[ScoreLine, int, int]]) -> dict[Key, list[int]]:
    """What one scope's present lines (with their points and money in cents) add to each
    holder's sums, by month. Items' lines all come from the item's own scope, so counting
    distinct items within a scope counts them across scopes too."""
    found: dict[Key, list[int]] = {}
    months: dict[tuple[str, str, str, str], set[int]] = {}
    for line, points, money in lines:
        month = _month(line)
        for kind, holder in (("officer", line.officer_id), ("unit", line.unit_id)):
            if holder is None:
                continue
            if line.kind != "submitted":
                row = found.setdefault((kind, holder, month, 0, 0), [0] * _WIDTH)
                digits = _digits(points)
                row[0] += points
                row[1] += money
                if digits:
                    row[3 + digits] += 1
                if points < 0:
                    row[2] += points
                    if digits:
                        row[5 + digits] += 1
                if line.item_id:
                    row[3] += points
                    if digits:
                        row[7 + digits] += 1
            if not line.item_id:
                continue
            if line.kind == "submitted":
                months.setdefault((kind, holder, line.item_id, "submitted"), set()).add(month)
            elif points:
                months.setdefault((kind, holder, line.item_id, "scored"), set()).add(month)
            if line.adoption:
                months.setdefault((kind, holder, line.item_id, "adopted"), set()).add(month)
                months.setdefault((kind, holder, line.item_id, "ref:" + line.ref),
                                  set()).add(month)
    for (kind, holder, item_id, what), item_months in months.items():
        column = (_SUBMITTED if what == "submitted" else _SCORED if what == "scored"
                  else _ADOPTED if what == "adopted" else _ADOPTIONS)
        adoptions = months.get((kind, holder, item_id, "adopted"), set())
        prev = 0
        for month in sorted(item_months):
            # For a submission: the item's first adoption in the same year, if any.
            adopted = (min((m for m in adoptions if m // 100 == month // 100), default=0)
                       if column == _SUBMITTED else 0)
            found.setdefault((kind, holder, month, prev, adopted), [0] * _WIDTH)[column] += 1
            prev = month
    return found


def delta_rows(old: dict[Key, list[int]], new: dict[Key, list[int]], position: int,
               known_at: str, start: int) -> list[tuple[str, tuple[Any, ...]]]:
    """The rows that turn ``old`` contributions into ``new`` ones."""
    statements = []
    for key in sorted(old.keys() | new.keys()):
        before, after = old.get(key), new.get(key)
        if before == after:
            continue
        change = [a - b for a, b in zip(after or [0] * _WIDTH, before or [0] * _WIDTH,
                                        strict=True)]
        if any(change):
            statements.append((INSERT, (position, start + len(statements), known_at, *key,
                                        *change)))
    return statements


def holder_totals(view: Any, postgres: bool, period: Period, known: str, params: Sequence[Any],
                  holder: str, counts_submissions: bool, holders: Sequence[str],
                  by_month_of: Sequence[str] = ()) -> dict[str, HolderTotals]:
    """The totals of ``holders`` for ``period``, each its last row of the period's span
    selected by ``known`` (known time and log position clauses, with ``params``); counted items
    by month (each month's span) only for the holders ``by_month_of`` (the quota rule's)."""
    first, last = period.start.month, period.end.month
    counted = "submitted" if counts_submissions else "adopted"  # first in the span
    by_month: dict[str, dict[int, int]] = {}
    if by_month_of:
        for index, month, items in latest_spans(
                view, postgres, holder, period.year,
                [(month, month) for month in range(1, last + 1)], by_month_of, known, params,
                f"first_month, {counted}"):
            if items:
                by_month.setdefault(by_month_of[index], {})[int(month)] = int(items)
    totals = {}
    is_year = period.is_year
    amount, no_months = _amount, _NO_MONTHS
    for row in latest_spans(view, postgres, holder, period.year, [(first, last)], holders,
                            known, params, _TOTALS):
        # integers as stored (BIGINT, INTEGER): no SUM here, so no numeric to convert
        (index, points, money, negative, item_points, points_digits, negative_digits,
         item_digits, submitted, submitted_adopted, adopted, scored, adoptions) = row
        items = submitted if counts_submissions else adopted
        holder_id = holders[index]
        # positional, in the fields' order: a ranking makes thousands
        totals[holder_id] = HolderTotals(
            LineSums(amount(points, points_digits), amount(money, 2),
                     amount(-negative, negative_digits), amount(item_points, item_digits),
                     scored, adoptions),
            submitted, submitted_adopted, items, items if is_year else 0,
            by_month.get(holder_id, no_months) if by_month else no_months)
    return totals


def _decimals_sql(ones: str, twos: str) -> str:
    """The decimals a sum of amounts keeps: two if a term has two, else one if one has one."""
    return f"CASE WHEN {twos} > 0 THEN 2 WHEN {ones} > 0 THEN 1 ELSE 0 END"


#: What a ranking reads of a span row (fewer columns than stored: each costs the client).
_TOTALS = ", ".join(("points", "money", "negative", "item_points",
                     _decimals_sql("points_d1", "points_d2"),
                     _decimals_sql("negative_d1", "negative_d2"),
                     _decimals_sql("item_d1", "item_d2"),
                     "submitted", "submitted_adopted", "adopted", "scored", "adoptions"))


_NO_MONTHS: dict[int, int] = {}


def _amount(cents_total: int, decimals: int) -> Decimal:
    """A sum of cents as the sum of its lines' amounts would print: each line's amount is its
    cents over 100, which keeps 0, 1 or 2 decimals, and a sum keeps the most of its terms
    (``decimals``). Remembered: a ranking reads thousands of sums, the same ones again and
    again."""
    key = (cents_total, decimals)
    found = _AMOUNTS.get(key)
    if found is None:
        if len(_AMOUNTS) >= _AMOUNTS_KEPT:
            _AMOUNTS.clear()
        found = _AMOUNTS[key] = _decimal_amount(cents_total, decimals)
    return found


def _decimal_amount(cents_total: int, decimals: int) -> Decimal:
    if decimals == 2:
        return Decimal(cents_total).scaleb(-2)
    if decimals == 1:
        if cents_total % 10 == 0:  # exact: the same value and exponent, without quantize
            return Decimal(cents_total // 10).scaleb(-1)
        return Decimal(cents_total).scaleb(-2).quantize(_TENTH)
    if cents_total % 100 == 0:
        return Decimal(cents_total // 100)
    return Decimal(cents_total).scaleb(-2).quantize(_ONE)


#: Amounts made so far, by (cents, decimals): Decimals are immutable, so they are shared.
_AMOUNTS: dict[tuple[int, int], Decimal] = {}
_AMOUNTS_KEPT = 200_000


_TENTH, _ONE = Decimal("0.1"), Decimal(1)


# Running totals by span: what a ranking reads.
#
# Summing the deltas known at T reads every change of the period's months (all of a year's
# at a year's end, growing with the log). ``holder_spans`` holds, for each holder and each
# period a ranking can ask for (a month, quarter, half or year: a span of months of one year),
# the holder's totals after each change of them, at the change's known time and position. The
# rows are written in the ledger's own order (known time, then position), so the totals at T
# are one holder's last row known at T: a ranking reads one row per holder.

#: A span's totals: the period's sums, and its counts of distinct items (``submitted`` and
#: ``adopted`` first in the span; ``submitted_adopted``: of those submitted, adopted by its end).
SPAN_VALUES = (*VALUES[:10], "submitted", "submitted_adopted", "adopted", "scored", "adoptions")
_SPAN_WIDTH = len(SPAN_VALUES)
#: (holder kind, holder, year, first month, last month)
SpanKey = tuple[str, str, int, int, int]
Running = dict[SpanKey, list[int]]
#: Every span a period can be: months, quarters, halves and the year.
SPANS = (*((month, month) for month in range(1, 13)), (1, 3), (4, 6), (7, 9), (10, 12),
         (1, 6), (7, 12), (1, 12))

#: The types of a span row's keys by backend. The ranking's probes compare them thousands of
#: times a query: PostgreSQL compares a UUID and a timestamp as bytes and an integer, and text
#: in the "C" collation as bytes, where text in the database's collation costs a locale-aware
#: comparison each (the probes took twice as long; known times and holders arrive as the same
#: text on both backends, and PostgreSQL reads them into these types).
SPAN_TYPES = {
    "sqlite": {"int": "INTEGER", "kind": "TEXT", "holder": "TEXT", "time": "TEXT"},
    "postgres": {"int": "BIGINT", "kind": 'TEXT COLLATE "C"', "holder": "UUID",
                 "time": "TIMESTAMP"},
}
SPAN_COLUMNS = (
    "position {int} NOT NULL, seq INTEGER NOT NULL, known_at {time} NOT NULL, "
    "holder_kind {kind} NOT NULL, holder {holder} NOT NULL, year INTEGER NOT NULL, "
    "first_month INTEGER NOT NULL, last_month INTEGER NOT NULL, "
    + ", ".join(f"{name} {{int}} NOT NULL" for name in SPAN_VALUES)
    + ", PRIMARY KEY (position, seq)"
)
#: One holder's rows of one span in the ledger's order: its latest known at T is one probe.
SPAN_INDEX = ("CREATE INDEX IF NOT EXISTS holder_spans_latest ON holder_spans "
              "(holder_kind, year, first_month, last_month, holder, known_at, position)")
SPAN_INSERT = (f"INSERT INTO holder_spans (position, seq, known_at, holder_kind, holder, year, "  # noqa: S608
               f"first_month, last_month, {', '.join(SPAN_VALUES)}) "
               f"VALUES ({', '.join('?' * (8 + _SPAN_WIDTH))})")


def _spans_of(month: int) -> tuple[tuple[int, int], ...]:
    """The spans holding a month (1 to 12): its month, quarter, half and year."""
    quarter, half = (month - 1) // 3 * 3 + 1, 1 if month <= 6 else 7
    return (month, month), (quarter, quarter + 2), (half, half + 5), (1, 12)


_SPANS_OF = {month: _spans_of(month) for month in range(1, 13)}


def span_changes(changes: Iterable[Sequence[Any]]) -> dict[SpanKey, list[int]]:
    """What delta rows (holder kind, holder, month, prev, adopted month, then ``VALUES``) add
    to each span's totals: as ``holder_totals`` sums them, for each span holding the month."""
    found: dict[SpanKey, list[int]] = {}
    for change in changes:
        kind, holder, month, prev, adopted_month = change[:5]
        sums = change[5:15]
        submitted, adopted = change[5 + _SUBMITTED], change[5 + _ADOPTED]
        scored, adoptions = change[5 + _SCORED], change[5 + _ADOPTIONS]
        year = month // 100
        for first, last in _SPANS_OF[month - year * 100]:
            if prev < year * 100 + first:  # the item's first month in the span
                counts: tuple[int, ...] = (
                    submitted, submitted if 0 < adopted_month <= year * 100 + last else 0,
                    adopted, scored, adoptions)
            else:
                counts = _NO_COUNTS
            key = (kind, holder, year, first, last)
            row = found.get(key)
            found[key] = ([*sums, *counts] if row is None
                          else [a + b for a, b in zip(row, (*sums, *counts), strict=True)])
    return found


_NO_COUNTS = (0, 0, 0, 0, 0)


def span_rows(sums: Iterable[Statement], running: Running, position: int, known_at: str
              ) -> list[Statement]:
    """The rows of the spans that delta rows ``sums`` change, with their totals after the
    change; ``running`` holds every span's totals before it and is brought up to date."""
    statements: list[Statement] = []
    for key, change in span_changes([params[3:] for _, params in sums]).items():
        if not any(change):
            continue
        total = running.get(key)
        total = running[key] = (change if total is None
                                else [a + b for a, b in zip(total, change, strict=True)])
        statements.append((SPAN_INSERT, (position, len(statements), known_at, *key, *total)))
    return statements


def running_totals(view: Any, upto: int) -> Running:
    """Every span's totals as of position ``upto``, from the delta rows (to resume after a
    restart or a rewind)."""
    rows = view.query(
        f"SELECT holder_kind, holder, month, prev, adopted_month, "  # noqa: S608
        f"{', '.join(f'SUM({name}) AS {name}' for name in VALUES)} FROM holder_deltas "
        "WHERE position <= ? GROUP BY holder_kind, holder, month, prev, adopted_month",
        [upto])
    totals = span_changes([row["holder_kind"], row["holder"], int(row["month"]),
                           int(row["prev"]), int(row["adopted_month"]),
                           *(int(row[name]) for name in VALUES)] for row in rows)
    return {key: total for key, total in totals.items() if any(total)}


def _spans_relation(spans: Iterable[tuple[int, int]]) -> str:
    """The spans as a relation of constant rows (integers the code makes)."""
    return " UNION ALL ".join(f"SELECT {int(first)} AS first_month, {int(last)} AS last_month"
                              for first, last in spans)


_SPAN_NAMES = ", ".join(SPAN_VALUES)
_SPAN_SUMS = ", ".join(f"SUM({name}) AS {name}" for name in SPAN_VALUES)
_SPAN_RUNNING = ", ".join(f"SUM({name}) OVER spans AS {name}" for name in SPAN_VALUES)
_FIRST_IN = "d.prev < d.month / 100 * 100 + s.first_month"  # the item's first month in the span
_CONTRIBUTIONS = (
    "SELECT d.position, d.known_at, d.holder_kind, d.holder, d.month / 100 AS year, "
    "s.first_month, s.last_month, " + ", ".join(f"d.{name}" for name in VALUES[:10]) + ", "
    f"CASE WHEN {_FIRST_IN} THEN d.submitted ELSE 0 END AS submitted, "
    f"CASE WHEN {_FIRST_IN} AND d.adopted_month > 0 "
    "AND d.adopted_month <= d.month / 100 * 100 + s.last_month "
    "THEN d.submitted ELSE 0 END AS submitted_adopted, "
    f"CASE WHEN {_FIRST_IN} THEN d.adopted ELSE 0 END AS adopted, "
    f"CASE WHEN {_FIRST_IN} THEN d.scored ELSE 0 END AS scored, "
    f"CASE WHEN {_FIRST_IN} THEN d.adoptions ELSE 0 END AS adoptions "
    f"FROM holder_deltas d JOIN ({_spans_relation(SPANS)}) s "
    # the month of the year without ``%``, which psycopg's placeholders would take
    "ON d.month - d.month / 100 * 100 BETWEEN s.first_month AND s.last_month")
_SPAN_KEYS = "known_at, holder_kind, holder, year, first_month, last_month"
_KEYS = f"position, {_SPAN_KEYS}"
_REWOUND = (
    f"INSERT INTO holder_spans (position, seq, {_SPAN_KEYS}, {_SPAN_NAMES}) "  # noqa: S608
    "SELECT position, ROW_NUMBER() OVER (PARTITION BY position ORDER BY holder_kind, holder, "
    "year, first_month, last_month), CAST(known_at AS {time}), holder_kind, "
    "CAST(holder AS {holder}), year, first_month, last_month, "
    f"{_SPAN_NAMES} "
    f"FROM (SELECT {_KEYS}, {_SPAN_RUNNING} "
    f"FROM (SELECT {_KEYS}, {_SPAN_SUMS} FROM ({_CONTRIBUTIONS}) c GROUP BY {_KEYS}) g "
    "WINDOW spans AS (PARTITION BY holder_kind, holder, year, first_month, last_month "
    "ORDER BY known_at, position ROWS UNBOUNDED PRECEDING)) r WHERE known_at >= ?")


_REWOUND_OF = {backend: _REWOUND.format(**types) for backend, types in SPAN_TYPES.items()}


def rewound_spans(since: str, backend: str) -> list[Statement]:
    """The statements that write the span rows known at or after ``since`` again from the delta
    rows (after a rewind wrote those again): each span's running sums in the ledger's order."""
    return [("DELETE FROM holder_spans WHERE known_at >= ?", (since,)),
            (_REWOUND_OF[backend], (since,))]


#: From this many probes up, a ranking's probes go in two halves on two connections at once.
_SPLIT_FROM = 1000


def latest_spans(view: Any, postgres: bool, holder: str, year: int,
                 spans: Sequence[tuple[int, int]], holders: Sequence[str], known: str,
                 params: Sequence[Any], columns: str) -> list[tuple[Any, ...]]:
    """Each of ``holders``' last row of each of ``spans`` selected by ``known`` (known time
    and log position clauses, with ``params``): one index probe per holder and span. Rows are
    the holder's index in ``holders`` (an integer reads faster than the id), then
    ``columns`` (the code's own expressions of the span row's columns)."""
    spans_sql = _spans_relation(spans)
    probe_sql = (f"FROM holder_spans WHERE holder_kind = ? AND year = {int(year)} "  # noqa: S608
                 "AND first_month = sp.first_month AND last_month = sp.last_month "
                 f"AND holder = h.holder{known} ORDER BY known_at DESC, position DESC LIMIT 1")
    if postgres:
        # the ids as one text (UUIDs have no comma): psycopg dumps a list of 3,000 strings
        # slowly, checking each for quoting
        sql = ("SELECT h.n + ?, s.* FROM unnest(CAST(string_to_array(?, ',') AS UUID[])) "  # noqa: S608
               f"WITH ORDINALITY AS h(holder, n) CROSS JOIN ({spans_sql}) AS sp CROSS JOIN "
               f"LATERAL (SELECT {columns} {probe_sql}) AS s")

        def probe(start: int, end: int) -> Statement:
            return sql, [start - 1, ",".join(holders[start:end]), holder, *params]

        if len(holders) * len(spans) < _SPLIT_FROM:
            return view.tuples(*probe(0, len(holders)))
        # The probes are the server's work, one holder after another: two connections probe
        # half the holders each, in one snapshot, so the server's two processes share them.
        half = len(holders) // 2
        first, second = view.tuples_together(probe(0, half), probe(half, len(holders)))
        return [*first, *second]
    return view.tuples(
        f"SELECT f.n, {columns} "  # noqa: S608 (the span row's own columns: no name clashes)
        "FROM holder_spans AS s JOIN (SELECT h.n, (SELECT rowid "
        f"{probe_sql}) AS found FROM (SELECT CAST(key AS INTEGER) AS n, value AS holder "
        f"FROM json_each(?)) AS h CROSS JOIN ({spans_sql}) AS sp) AS f ON s.rowid = f.found",
        [holder, *params, json.dumps(list(holders))])
