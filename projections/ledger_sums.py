"""Each holder's sums as signed deltas, so that a ranking is one ``GROUP BY holder``.

The ledger's own rows are deltas of one consequence (a line key); a ranking grouped them by line
key to learn which lines were present, then by holder. ``holder_deltas`` holds, for the same
changes, what each change does to an officer's or a unit's sums in one month of valid time:
points, money, deducted points, item points, how many lines carry one or two decimals (a sum
prints as many decimals as its terms), and the counts of distinct items. A count of distinct
items in a span of months stays a sum: an item's months with (say) an adoption, sorted, are rows
``(month, prev)``; exactly one of them has ``month`` in the span and ``prev`` before it (its
first month in the span). A change of a scope adds ``new - old`` of those rows, at its own
known time, like the ledger's rows; summing the rows known at T gives the sums at T.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from domain.period import Period
from domain.scoring import ScoreLine
from domain.standings import HolderTotals, LineSums

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


def holder_totals(view: Any, period: Period, known: str, params: Sequence[Any], holder: str,
                  counts_submissions: bool, by_month_of: Sequence[str] = ()
                  ) -> dict[str, HolderTotals]:
    """Each holder's totals for ``period`` from the deltas valid from January to the period's
    end and selected by ``known`` (known time and log position clauses, with ``params``)."""
    year, first, last = period.year * 100, period.start, period.end
    jan, begin, end = year + 1, year + first.month, year + last.month
    counted = "submitted" if counts_submissions else "adopted"
    in_period = f"month >= {begin}"
    first_in = f"month >= {begin} AND prev < {begin}"
    sums = ", ".join(f"SUM(CASE WHEN {in_period} THEN {name} ELSE 0 END) AS {name}"
                     for name in VALUES[:10])
    where = (f"FROM holder_deltas WHERE holder_kind = ? AND month >= {jan} "  # noqa: S608
             f"AND month <= {end}{known}")
    rows = view.query(
        f"SELECT holder, {sums}, "  # noqa: S608 (constant names and integers only)
        f"SUM(CASE WHEN {first_in} THEN submitted ELSE 0 END) AS submitted, "
        f"SUM(CASE WHEN {first_in} AND adopted_month > 0 AND adopted_month <= {end} "
        "THEN submitted ELSE 0 END) AS submitted_adopted, "
        f"SUM(CASE WHEN {first_in} THEN {counted} ELSE 0 END) AS counted, "
        f"SUM(CASE WHEN prev < {jan} THEN {counted} ELSE 0 END) AS counted_year, "
        f"SUM(CASE WHEN {first_in} THEN scored ELSE 0 END) AS scored, "
        f"SUM(CASE WHEN {first_in} THEN adoptions ELSE 0 END) AS adoptions "
        f"{where} GROUP BY holder", [holder, *params])
    by_month: dict[str, dict[int, int]] = {}
    if by_month_of:
        for row in view.query(
                f"SELECT holder, month, SUM({counted}) AS counted {where} "  # noqa: S608
                f"AND holder IN ({', '.join('?' * len(by_month_of))}) "
                f"GROUP BY holder, month HAVING SUM({counted}) <> 0",
                [holder, *params, *by_month_of]):
            by_month.setdefault(row["holder"], {})[int(row["month"]) % 100] = int(row["counted"])
    totals = {}
    for row in rows:
        (points, money, negative, item_points, points_d1, points_d2, negative_d1, negative_d2,
         item_d1, item_d2) = (int(row[name]) for name in VALUES[:10])
        totals[row["holder"]] = HolderTotals(
            sums=LineSums(
                points=_amount(points, points_d1, points_d2), money=Decimal(money) / 100,
                deducted=-_amount(negative, negative_d1, negative_d2),
                item_points=_amount(item_points, item_d1, item_d2),
                scored_items=int(row["scored"]), adoptions=int(row["adoptions"])),
            submitted=int(row["submitted"]), submitted_adopted=int(row["submitted_adopted"]),
            items=int(row["counted"]), year_items=int(row["counted_year"]),
            by_month=by_month.get(row["holder"], {}))
    return totals


def _amount(cents_total: int, one_decimal: int, two_decimals: int) -> Decimal:
    """A sum of cents as the sum of its lines' amounts would print: each line's amount is its
    cents over 100, which keeps 0, 1 or 2 decimals, and a sum keeps the most of its terms."""
    digits = 2 if two_decimals > 0 else 1 if one_decimal > 0 else 0
    return (Decimal(cents_total).scaleb(-2)).quantize(Decimal(1).scaleb(-digits))
