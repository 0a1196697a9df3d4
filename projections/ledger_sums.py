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

from collections.abc import Iterable, Sequence
from decimal import Decimal
from functools import partial
from operator import add, sub
from typing import Any

from domain.period import Period
from domain.scoring import ScoreLine
from domain.standings import HolderTotals, LineSums
from projections.view import THEN, Statement, TransactionRun

#: (holder kind, holder, month, prev, adopted month): month and prev are year * 100 + month.
Key = tuple[str, str, int, int, int]

VALUES = ("points", "money", "negative", "item_points", "points_d1", "points_d2",
          "negative_d1", "negative_d2", "item_d1", "item_d2",
          "submitted", "adopted", "scored", "adoptions")
_WIDTH = len(VALUES)
_ZEROS = (0,) * _WIDTH
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
        change = list(map(sub, after or _ZEROS, before or _ZEROS))
        if any(change):
            statements.append((INSERT, (position, start + len(statements), known_at, *key,
                                        *change)))
    return statements


def holder_totals(view: Any, postgres: bool, period: Period, known: str, params: Sequence[Any],
                  holder: str, counts_submissions: bool, holders: Sequence[str],
                  by_month_of: Sequence[str] = ()) -> dict[str, HolderTotals]:
    """The totals of ``holders`` for ``period`` (``spans_at``), each its last row of the
    period's span selected by ``known`` (known time and log position clauses, with
    ``params``); counted items by month (each month's span) only for the holders
    ``by_month_of`` (the quota rule's)."""
    first, last = period.start.month, period.end.month
    counted = "submitted" if counts_submissions else "adopted"  # first in the span
    by_month: dict[str, dict[int, int]] = {}
    if by_month_of:
        targeted = set(by_month_of)
        for holder_id, month, items in spans_at(
                view, postgres, holder, period.year,
                [(month, month) for month in range(1, last + 1)], known, params, counted):
            if items and holder_id in targeted:
                by_month.setdefault(holder_id, {})[int(month)] = int(items)
    totals = {}
    wanted = set(holders)
    is_year = period.is_year
    amount, no_months = _amount, _NO_MONTHS
    for row in spans_at(view, postgres, holder, period.year, [(first, last)], known, params,
                        _TOTALS):
        # integers as stored (BIGINT, INTEGER): no SUM here, so no numeric to convert
        (holder_id, _, points, money, negative, item_points, points_digits, negative_digits,
         item_digits, submitted, submitted_adopted, adopted, scored, adoptions) = row
        if holder_id not in wanted:
            continue
        items = submitted if counts_submissions else adopted
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
# are one holder's last row known at T (found from the span's marks, below).

#: A span's totals: the period's sums, and its counts of distinct items (``submitted`` and
#: ``adopted`` first in the span; ``submitted_adopted``: of those submitted, adopted by its end).
SPAN_VALUES = (*VALUES[:10], "submitted", "submitted_adopted", "adopted", "scored", "adoptions")
_SPAN_WIDTH = len(SPAN_VALUES)
_SPAN_NAMES = ", ".join(SPAN_VALUES)
#: (holder kind, holder, year, first month, last month)
SpanKey = tuple[str, str, int, int, int]
#: (holder kind, year, first month, last month): one span of every holder of a kind
Group = tuple[str, int, int, int]
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
#: One span's rows in the ledger's order: the rows after a mark, up to a moment, are one range.
SPAN_INDEX = ("CREATE INDEX IF NOT EXISTS holder_spans_known ON holder_spans "
              "(holder_kind, year, first_month, last_month, known_at, position)")
_SPAN_INSERT = ("INSERT INTO {table} (position, seq, known_at, holder_kind, holder, year, "  # noqa: S608
                f"first_month, last_month, {', '.join(SPAN_VALUES)}) "
                f"VALUES ({', '.join('?' * (8 + _SPAN_WIDTH))})")
SPAN_INSERT = _SPAN_INSERT.format(table="holder_spans")

# Marks: every holder's totals of a span at one point of the ledger's order.
#
# A ranking at T needs each holder's last row of the span known at T. Probing the span's rows
# holder by holder costs an index descent each (3,000 officers: ~10 us each at a million
# events). Instead, every so many rows of a span, the ledger writes a mark: each holder's totals
# of the span after the event at that point (``span_marks``, rows shaped as the span's own, at
# the mark's known time and position; ``span_mark_heads``, one row per mark). The totals at T
# are then the latest mark known at T, overlaid by the span's rows after it up to T: two range
# reads. A mark is due after ``MARK_FACTOR`` times as many rows as the span has holders (at
# least ``MARK_MIN``): its rows cost at most 1 / MARK_FACTOR of the span's, and the rows read
# after it stay below that many.
#
# A mark stays right while no row comes before it in the ledger's order: a fact out of known
# order rewinds the ledger (``rewound_spans``), which deletes the marks known from then on and
# writes them again over the rows it sums again (``_mark_again``).
MARK_MIN = 1000
MARK_FACTOR = 2
MARK_INSERT = _SPAN_INSERT.format(table="span_marks")
MARK_HEAD_INSERT = ("INSERT INTO span_mark_heads (position, known_at, holder_kind, year, "
                    "first_month, last_month, holders) VALUES (?, ?, ?, ?, ?, ?, ?)")
MARK_HEADS = ("position {int} NOT NULL, known_at {time} NOT NULL, holder_kind {kind} NOT NULL, "
              "year INTEGER NOT NULL, first_month INTEGER NOT NULL, last_month INTEGER NOT NULL, "
              "holders INTEGER NOT NULL, "
              "PRIMARY KEY (holder_kind, year, first_month, last_month, known_at, position)")
#: A mark's rows: shaped as the span's own, keyed by the mark (``seq``: the holder's place in it).
MARK_COLUMNS = SPAN_COLUMNS.replace(
    "PRIMARY KEY (position, seq)",
    "PRIMARY KEY (holder_kind, year, first_month, last_month, known_at, position, seq)")


class Running:
    """Every span's totals by holder, as of the last fact applied, and how many rows each span
    has had since its last mark (``span_rows`` keeps both up to date)."""

    __slots__ = ("since_mark", "spans")

    def __init__(self) -> None:
        self.spans: dict[Group, dict[str, list[int]]] = {}
        self.since_mark: dict[Group, int] = {}


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
            # map(add): the rows are all as wide (``VALUES`` and the span's counts)
            found[key] = [*sums, *counts] if row is None else list(map(add, row, (*sums, *counts)))
    return found


_NO_COUNTS = (0, 0, 0, 0, 0)


def span_rows(sums: Iterable[Statement], running: Running, position: int, known_at: str
              ) -> list[Statement]:
    """The rows of the spans that delta rows ``sums`` change, with their totals after the
    change, and the marks then due; ``running`` holds every span's totals before it and is
    brought up to date."""
    statements: list[Statement] = []
    changed: dict[Group, int] = {}
    spans = running.spans
    for key, change in span_changes([params[3:] for _, params in sums]).items():
        if not any(change):
            continue
        kind, holder, year, first, last = key
        group = (kind, year, first, last)
        holders = spans.get(group)
        if holders is None:
            holders = spans[group] = {}
        total = holders.get(holder)
        total = change if total is None else list(map(add, total, change))
        if any(total):
            holders[holder] = total
        else:  # back to nothing: as a resume from the delta rows finds it
            holders.pop(holder, None)
        statements.append((SPAN_INSERT, (position, len(statements), known_at, *key, *total)))
        changed[group] = changed.get(group, 0) + 1
    since_mark = running.since_mark
    for group, rows in changed.items():
        count = since_mark.get(group, 0) + rows
        holders = spans[group]
        if _mark_due(count, holders):
            statements.extend(_mark(group, holders, position, known_at))
            count = 0
        since_mark[group] = count
    return statements


def _mark(group: Group, holders: dict[str, list[int]], position: int, known_at: Any
          ) -> list[Statement]:
    """A mark of a span: its head, and each holder's totals by holder (``holders`` holds
    none at zero), whatever order the holders came in."""
    kind, year, first, last = group
    marks = [(MARK_INSERT, (position, index, known_at, kind, holder, year, first, last,
                            *holders[holder]))
             for index, holder in enumerate(sorted(holders))]
    return [(MARK_HEAD_INSERT, (position, known_at, *group, len(marks))), *marks]


def running_totals(view: Any, upto: int) -> Running:
    """Every span's totals as of position ``upto``, from the delta rows (to resume after a
    restart or a rewind); the next mark of each span comes after as many rows as ever."""
    # Streamed, as integers: one row per holder, month and first months (59k at 300k events),
    # read at once as dicts of decimals they took 150 MB, 2.5 KB a row, for a moment.
    rows = view.stream(
        f"SELECT holder_kind, holder, month, prev, adopted_month, "  # noqa: S608
        f"{', '.join(f'CAST(SUM({name}) AS BIGINT)' for name in VALUES)} FROM holder_deltas "
        "WHERE position <= ? GROUP BY holder_kind, holder, month, prev, adopted_month",
        [upto])
    totals = span_changes(rows)
    running = Running()
    for (kind, holder, year, first, last), total in totals.items():
        holders = running.spans.setdefault((kind, year, first, last), {})
        if any(total):
            holders[holder] = total
    running.since_mark = rows_since_mark(view, running.spans)
    return running


_GROUP = "holder_kind = ? AND year = ? AND first_month = ? AND last_month = ?"
#: A span's latest mark (known before a time: ``{known}``), by the ledger's order.
_LATEST_HEAD = (f"SELECT known_at, position FROM span_mark_heads WHERE {_GROUP}{{known}} "  # noqa: S608
                "ORDER BY known_at DESC, position DESC LIMIT 1")
_SPAN_ROWS = f"SELECT COUNT(*) FROM holder_spans WHERE {_GROUP}{{known}}"  # noqa: S608


def rows_since_mark(view: Any, groups: Iterable[Group]) -> dict[Group, int]:
    """How many rows each span has had since its latest mark, from the tables: so that a
    projection resumed after a restart or a rewind writes its marks where one that never
    stopped would have (a rebuild's tables equal the resumed ones)."""
    return {group: _rows_since_mark(view.tuples, group) for group in groups}


def _rows_since_mark(read: Any, group: Group, before: Any = None) -> int:
    """A span's rows since its latest mark, of the rows and marks known before ``before`` if
    given; ``read(sql, params)`` gives rows (a view's or a transaction's)."""
    known, params = (" AND known_at < ?", [before]) if before is not None else ("", [])
    head = next(iter(read(_LATEST_HEAD.format(known=known), [*group, *params])), None)
    after = " AND (known_at, position) > (?, ?)" if head is not None else ""
    found = next(iter(read(_SPAN_ROWS.format(known=known + after),
                           [*group, *params, *(head or ())])))
    return int(found[0])


def _mark_due(count: int, holders: dict[str, list[int]]) -> bool:
    """The marking rule: a mark after so many of a span's rows (see ``MARK_FACTOR``)."""
    return count >= max(MARK_MIN, MARK_FACTOR * len(holders))


def _spans_relation(spans: Iterable[tuple[int, int]]) -> str:
    """The spans as a relation of constant rows (integers the code makes)."""
    return " UNION ALL ".join(f"SELECT {int(first)} AS first_month, {int(last)} AS last_month"
                              for first, last in spans)


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
            # the marks from then on no longer hold: the next ones come as rows are written
            ("DELETE FROM span_marks WHERE known_at >= ?", (since,)),
            ("DELETE FROM span_mark_heads WHERE known_at >= ?", (since,)),
            (_REWOUND_OF[backend], (since,)),
            # then the marks of the rows just written, where a ledger that learned the facts
            # in known order would have written them
            (THEN, (partial(_mark_again, since),))]


_GROUPS_SINCE = ("SELECT DISTINCT holder_kind, year, first_month, last_month FROM holder_spans "
                 "WHERE known_at >= ?")
_ROWS_SINCE = (f"SELECT position, known_at, CAST(holder AS TEXT), {_SPAN_NAMES} "  # noqa: S608
               f"FROM holder_spans WHERE {_GROUP} AND known_at >= ? "
               "ORDER BY known_at, position, seq")


def _mark_again(since: str, run: TransactionRun) -> None:
    """Write the marks of each span's rows known at or after ``since`` (a rewind just wrote
    them), streaming them in the ledger's order from every holder's totals before ``since``:
    the marks ``span_rows`` would have written had the rows come in that order."""
    for group in sorted(tuple(row) for row in run.rows(_GROUPS_SINCE, [since])):
        kind, year, first, last = group
        statement = _spans_at_statement(run.postgres, kind, year, [(first, last)],
                                        " AND known_at < ?", [since], _SPAN_NAMES)
        holders = {str(holder): list(values)
                   for holder, _, *values in run.rows(*statement) if any(values)}
        count = _rows_since_mark(run.rows, group, since)
        marks: list[Statement] = []
        event: tuple[int, Any] | None = None
        rows = 0
        for position, known_at, holder, *values in run.rows(_ROWS_SINCE, [*group, since]):
            if event is not None and position != event[0]:
                count, marks = _due(group, holders, event, count + rows, marks, run)
                rows = 0
            event = (position, known_at)
            rows += 1
            if any(values):
                holders[holder] = values
            else:
                holders.pop(holder, None)
        if event is not None:
            _, marks = _due(group, holders, event, count + rows, marks, run)
        run.write(marks)


def _due(group: Group, holders: dict[str, list[int]], event: tuple[int, Any], count: int,
         marks: list[Statement], run: TransactionRun) -> tuple[int, list[Statement]]:
    """After an event's rows: its mark if one is due (the rule of ``span_rows``), the marks
    written a few thousand rows at a time."""
    if not _mark_due(count, holders):
        return count, marks
    marks.extend(_mark(group, holders, *event))
    if len(marks) >= 20_000:
        run.write(marks)
        marks = []
    return 0, marks


#: Per backend: the latest mark of each span known by then (sp: the spans' relation), as the
#: span's first and last month and the mark's known time and position; where a span has no
#: mark yet, a point before every row.
_MARK_POINT = ("SELECT known_at, position FROM span_mark_heads WHERE holder_kind = ? "
               "AND year = {year} AND first_month = sp.first_month "
               "AND last_month = sp.last_month{known} "
               "ORDER BY known_at DESC, position DESC LIMIT 1")
_MARKS = {
    "postgres": ("SELECT sp.first_month, sp.last_month, "
                 "COALESCE(h.known_at, '-infinity') AS mark_known, "
                 "COALESCE(h.position, 0) AS mark_position "
                 "FROM ({spans}) AS sp LEFT JOIN LATERAL ({point}) AS h ON TRUE"),
    # no LATERAL: the head's rowid, then the head
    "sqlite": ("SELECT p.first_month, p.last_month, COALESCE(h.known_at, '') AS mark_known, "
               "COALESCE(h.position, 0) AS mark_position "
               "FROM (SELECT sp.first_month, sp.last_month, "
               "({point}) AS head FROM ({spans}) AS sp) AS p "
               "LEFT JOIN span_mark_heads AS h ON h.rowid = p.head"),
}
_SQLITE_POINT = _MARK_POINT.replace("SELECT known_at, position", "SELECT rowid")
#: A span's rows: its mark's, and its own after the mark in the ledger's order up to the
#: moment (``known`` again).
_MARKED = ("SELECT s.holder, s.first_month, {values} FROM mk JOIN span_marks AS s "
           "ON s.holder_kind = ? AND s.year = {year} AND s.first_month = mk.first_month "
           "AND s.last_month = mk.last_month AND s.known_at = mk.mark_known "
           "AND s.position = mk.mark_position")
_AFTER = ("SELECT s.holder, s.first_month, s.known_at, s.position, {values} "
          "FROM mk JOIN holder_spans AS s ON s.holder_kind = ? AND s.year = {year} "
          "AND s.first_month = mk.first_month AND s.last_month = mk.last_month "
          "AND (s.known_at, s.position) > (mk.mark_known, mk.mark_position){known}")
_VALUES = ", ".join(f"s.{name}" for name in SPAN_VALUES)
#: The newest row of each holder: of the rows after the mark, else the mark's.
_NEWEST = {
    # the newest after the mark by holder (a sort of those rows only), then a hash join with
    # the mark's rows (each holder once); sorted by the UUID's bytes, sent as text
    "postgres": (
        "WITH mk AS ({marks}), d AS (SELECT DISTINCT ON (a.first_month, a.holder) a.* "  # noqa: S608
        "FROM ({after}) AS a ORDER BY a.first_month, a.holder, a.known_at DESC, "
        "a.position DESC) "
        "SELECT holder, first_month, {columns} FROM (SELECT "
        "CAST(COALESCE(d.holder, m.holder) AS TEXT) AS holder, "
        "COALESCE(d.first_month, m.first_month) AS first_month, "
        + ", ".join(f"COALESCE(d.{name}, m.{name}) AS {name}" for name in SPAN_VALUES)
        + " FROM d FULL JOIN ({marked}) AS m ON m.holder = d.holder "
        "AND m.first_month = d.first_month) AS j"),
    "sqlite": (
        "WITH mk AS ({marks}) SELECT holder, first_month, {columns} FROM "  # noqa: S608
        "(SELECT u.*, ROW_NUMBER() OVER (PARTITION BY first_month, holder "
        "ORDER BY known_at DESC, position DESC) AS newest FROM "
        "(SELECT m.holder, m.first_month, mk.mark_known AS known_at, "
        "mk.mark_position AS position, " + ", ".join(f"m.{name}" for name in SPAN_VALUES)
        + " FROM ({marked}) AS m JOIN mk ON mk.first_month = m.first_month "
        "UNION ALL {after}) AS u) WHERE newest = 1"),
}


def spans_at(view: Any, postgres: bool, holder: str, year: int,
             spans: Sequence[tuple[int, int]], known: str, params: Sequence[Any],
             columns: str) -> list[tuple[Any, ...]]:
    """Every ``holder`` kind's totals of each of ``spans`` as selected by ``known`` (known
    time and log position clauses, with ``params``): each holder's last row of the span, from
    the span's latest mark so selected and its rows after it (a holder with no row has none).
    Rows are the holder's id, the span's first month, then ``columns`` (the code's own
    expressions of the span row's columns)."""
    return view.tuples(*_spans_at_statement(postgres, holder, year, spans, known, params,
                                            columns))


def _spans_at_statement(postgres: bool, holder: str, year: int,
                        spans: Sequence[tuple[int, int]], known: str, params: Sequence[Any],
                        columns: str) -> Statement:
    backend = "postgres" if postgres else "sqlite"
    year_sql = str(int(year))
    point = (_MARK_POINT if postgres else _SQLITE_POINT).format(year=year_sql, known=known)
    marks = _MARKS[backend].format(spans=_spans_relation(spans), point=point)
    marked = _MARKED.format(values=_VALUES, year=year_sql)
    after = _AFTER.format(values=_VALUES, year=year_sql, known=known)
    sql = _NEWEST[backend].format(marks=marks, columns=columns, marked=marked, after=after)
    if postgres:
        return sql, [holder, *params, holder, *params, holder]
    return sql, [holder, *params, holder, holder, *params]
