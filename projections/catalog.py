"""The catalogue: units, officers, outlets, accounts and submissions as they stand now; the rewards
granted and the honours awarded when periods closed, with their revocations."""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from datetime import date
from typing import Any

from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection

from domain.account import Account
from domain.honour import Honour
from domain.officer import Officer
from domain.outlet import Outlet
from domain.period import Period
from domain.reward import Reward
from domain.submission import Submission
from domain.unit import Unit
from domain.values import Role
from projections.view import PostgresView, SQLiteView, SQLView


class Dated:
    """Units' names and officers' postings by the day each took effect: a rename or a
    transfer recorded ahead of its day shows from that day, not from when it was recorded."""

    def __init__(self, names: list[tuple[Any, ...]], postings: list[tuple[Any, ...]]) -> None:
        self.names = _by_day(names)
        self.postings = _by_day(postings)

    def name_on(self, unit_id: str, day: date | str) -> str | None:
        """The unit's name on ``day`` (its first before it was registered)."""
        return _on(self.names.get(unit_id, []), day)

    def unit_on(self, officer_id: str, day: date | str) -> str | None:
        """The unit the officer was posted to on ``day`` (the first before their enrolment)."""
        return _on(self.postings.get(officer_id, []), day)

    def next_posting(self, officer_id: str, day: date) -> tuple[str, str] | None:
        """The first posting that takes effect after ``day``: (its day, its unit)."""
        postings = self.postings.get(officer_id, [])
        found = bisect_right(postings, (day.isoformat(), "\uffff"))
        return postings[found] if found < len(postings) else None


def _by_day(rows: list[tuple[Any, ...]]) -> dict[str, list[tuple[str, str]]]:
    grouped: dict[str, list[tuple[str, str]]] = {}
    for key, since, value in rows:
        grouped.setdefault(key, []).append((since, value))
    for dated in grouped.values():
        dated.sort()
    return grouped


def _on(dated: list[tuple[str, str]], day: date | str) -> str | None:
    day = day if isinstance(day, str) else day.isoformat()
    found = bisect_right(dated, (day, "\uffff"))
    return dated[max(found, 1) - 1][1] if dated else None


def _serving(officer: dict[str, Any], day: date) -> bool:
    on = day.isoformat()
    return bool(officer["enrolled_on"] <= on and (officer["left_on"] is None
                                                   or on < officer["left_on"]))


class CatalogView(SQLView):
    schema = (
        "CREATE TABLE IF NOT EXISTS catalog_units ("
        "id TEXT PRIMARY KEY, code TEXT NOT NULL, name TEXT NOT NULL, unit_class TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS catalog_unit_names ("
        "unit_id TEXT NOT NULL, since TEXT NOT NULL, name TEXT NOT NULL, "
        "PRIMARY KEY (unit_id, since))",
        # a unit closed (撤并) from a day, and the unit its work went to (a table of its own:
        # an existing catalogue gains it empty, as no unit was closed before it)
        "CREATE TABLE IF NOT EXISTS catalog_unit_closings ("
        "unit_id TEXT PRIMARY KEY, closed_on TEXT NOT NULL, successor_id TEXT, "
        "reason TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS catalog_officers ("
        "id TEXT PRIMARY KEY, code TEXT NOT NULL, name TEXT NOT NULL, "
        "enrolled_on TEXT NOT NULL, left_on TEXT)",
        "CREATE TABLE IF NOT EXISTS catalog_postings ("
        "officer_id TEXT NOT NULL, since TEXT NOT NULL, unit_id TEXT NOT NULL, "
        "PRIMARY KEY (officer_id, since))",
        "CREATE TABLE IF NOT EXISTS catalog_outlets ("
        "id TEXT PRIMARY KEY, code TEXT NOT NULL, name TEXT NOT NULL, channel TEXT NOT NULL, "
        "level TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS catalog_submissions ("
        "id TEXT PRIMARY KEY, ref TEXT, title TEXT NOT NULL, channel TEXT NOT NULL, "
        "category TEXT NOT NULL, status TEXT NOT NULL, unit_id TEXT NOT NULL, "
        "lead_officer_id TEXT NOT NULL, event_date TEXT NOT NULL, submitted_on TEXT, "
        "adoptions INTEGER NOT NULL DEFAULT 0)",
        "CREATE TABLE IF NOT EXISTS catalog_rewards ("
        "id TEXT PRIMARY KEY, line_key TEXT NOT NULL, period TEXT NOT NULL, officer_id TEXT, "
        "unit_id TEXT, item_id TEXT, ref TEXT NOT NULL, clause TEXT NOT NULL, "
        "valid_on TEXT NOT NULL, amount TEXT NOT NULL, revoked_reason TEXT)",
        "CREATE INDEX IF NOT EXISTS catalog_rewards_valid_on ON catalog_rewards (valid_on)",
        "CREATE TABLE IF NOT EXISTS catalog_honours ("
        "id TEXT PRIMARY KEY, year INTEGER NOT NULL, category TEXT NOT NULL, "
        "holder TEXT NOT NULL, name TEXT NOT NULL, rank INTEGER NOT NULL, "
        "points TEXT NOT NULL, rule TEXT NOT NULL, revoked_reason TEXT, filled_by TEXT, "
        "filled_reason TEXT, fills TEXT)",
        "CREATE TABLE IF NOT EXISTS catalog_accounts ("
        "id TEXT PRIMARY KEY, username TEXT NOT NULL UNIQUE, display_name TEXT NOT NULL, "
        "officer_id TEXT, unit_id TEXT, closed_reason TEXT)",
        "CREATE TABLE IF NOT EXISTS catalog_account_roles ("
        "account_id TEXT NOT NULL, role TEXT NOT NULL, PRIMARY KEY (account_id, role))",
    )
    tables = ("catalog_units", "catalog_unit_names", "catalog_unit_closings",
              "catalog_officers", "catalog_postings",
              "catalog_outlets", "catalog_submissions", "catalog_rewards", "catalog_honours",
              "catalog_accounts", "catalog_account_roles")
    derived = True  # projected from the log alone

    def dated(self) -> Dated:
        """Every unit's names and every officer's postings with the days they took effect."""
        return Dated(self.tuples("SELECT unit_id, since, name FROM catalog_unit_names"),
                     self.tuples("SELECT officer_id, since, unit_id FROM catalog_postings"))

    def units(self, on: date) -> list[dict[str, Any]]:
        """The units by code, each with its name on ``on``, the officers serving in it
        that day (a transfer or a leaving recorded ahead counts from its day), and, for a unit
        closed, the day it closed and the code of the unit its work went to."""
        dated = self.dated()
        serving = Counter(dated.unit_on(o["id"], on) for o in self._officers()
                          if _serving(o, on))
        return [{"code": u["code"], "name": dated.name_on(u["id"], on),
                 "unit_class": u["unit_class"], "officers": serving[u["id"]],
                 "closed_on": u["closed_on"], "successor": u["successor"],
                 "successor_name": dated.name_on(u["successor_id"], on)
                 if u["successor_id"] else None}
                for u in self.query(
                    "SELECT u.id, u.code, u.name, u.unit_class, c.closed_on, c.successor_id, "
                    "s.code AS successor FROM catalog_units u "
                    "LEFT JOIN catalog_unit_closings c ON c.unit_id = u.id "
                    "LEFT JOIN catalog_units s ON s.id = c.successor_id ORDER BY u.code")]

    def officers(self, on: date) -> list[dict[str, Any]]:
        """The officers by code, each with their unit on ``on`` and, where a transfer is
        recorded to take effect after that day, the unit they move to and from when."""
        dated, units = self.dated(), self._units_by_id()
        listed = []
        for o in self._officers():
            unit = units[dated.unit_on(o["id"], on)]
            move = dated.next_posting(o["id"], on)
            to = units[move[1]] if move else None
            listed.append({
                "code": o["code"], "name": o["name"], "unit_code": unit["code"],
                "unit_name": dated.name_on(unit["id"], on),
                "enrolled_on": o["enrolled_on"], "left_on": o["left_on"],
                "moves_to": to["code"] if to else None,
                "moves_to_name": dated.name_on(to["id"], move[0]) if to else None,
                "moves_on": move[0] if move else None,
            })
        return listed

    def _units_by_id(self) -> dict[str, dict[str, Any]]:
        return {u["id"]: u for u in self.query("SELECT id, code, name FROM catalog_units")}

    def _officers(self) -> list[dict[str, Any]]:
        return self.query("SELECT id, code, name, enrolled_on, left_on "
                          "FROM catalog_officers ORDER BY code")

    def accounts(self, on: date, *, closed: bool = False) -> list[dict[str, Any]]:
        """The accounts by username, each with its roles (sorted), its officer, and its unit
        (an approver's own, else its officer's on ``on``); closed ones too if asked, with why."""
        dated, units = self.dated(), self._units_by_id()
        accounts = self.query(
            "SELECT a.id, a.username, a.display_name, a.officer_id, a.unit_id, "
            "o.code AS officer, o.name AS officer_name, "
            "a.closed_reason FROM catalog_accounts a "
            "LEFT JOIN catalog_officers o ON o.id = a.officer_id "
            "WHERE (? OR a.closed_reason IS NULL) ORDER BY a.username", (closed,))
        roles: dict[str, list[str]] = {}
        for account_id, role in self.tuples(
                "SELECT account_id, role FROM catalog_account_roles ORDER BY account_id, role"):
            roles.setdefault(account_id, []).append(role)
        listed = []
        for a in accounts:
            unit_id = a["unit_id"] or (a["officer_id"] and dated.unit_on(a["officer_id"], on))
            unit = units.get(unit_id) if unit_id else None
            listed.append({
                "username": a["username"], "display_name": a["display_name"],
                "roles": roles.get(a["id"], []), "officer": a["officer"],
                "officer_name": a["officer_name"], "unit": unit["code"] if unit else None,
                "unit_name": dated.name_on(unit["id"], on) if unit else None,
                "closed": a["closed_reason"] is not None, "closed_reason": a["closed_reason"]})
        return listed

    def submissions(self, limit: int = 200, offset: int = 0) -> list[dict[str, Any]]:
        return self.query(
            "SELECT s.id, s.ref, s.title, s.channel, s.category, s.status, s.event_date, "
            "s.submitted_on, s.adoptions, u.name AS unit_name, o.name AS lead_author "
            "FROM catalog_submissions s "
            "JOIN catalog_units u ON u.id = s.unit_id "
            "JOIN catalog_officers o ON o.id = s.lead_officer_id "
            "ORDER BY s.submitted_on DESC, s.event_date DESC, s.id LIMIT ? OFFSET ?",
            (limit, offset),
        )

    def outlets(self) -> list[dict[str, Any]]:
        return self.query("SELECT code, name, channel, level FROM catalog_outlets ORDER BY code")

    def rewards(self, period: Period) -> list[dict[str, Any]]:
        """The rewards of the lines valid in ``period`` (granted when it or a period holding
        them closed), revoked ones with their reason, in the order of their days."""
        return self.query(
            "SELECT r.id, r.ref, s.title, o.code AS officer_code, o.name AS officer_name, "
            "u.code AS unit_code, u.name AS unit_name, r.clause, r.valid_on, r.amount, "
            "r.period AS granted_at_close_of, r.revoked_reason FROM catalog_rewards r "
            "LEFT JOIN catalog_submissions s ON s.id = r.item_id "
            "LEFT JOIN catalog_officers o ON o.id = r.officer_id "
            "LEFT JOIN catalog_units u ON u.id = r.unit_id "
            "WHERE r.valid_on >= ? AND r.valid_on <= ? ORDER BY r.valid_on, r.ref, r.line_key",
            (period.start.isoformat(), period.end.isoformat()))

    def honours(self, year: int) -> list[dict[str, Any]]:
        """The honours of a year by category and rank; revoked ones with their reason, and
        whose honour filled their place (递补) and why; one awarded in another's place names
        whose (``fills``)."""
        return self.query(
            "SELECT h.id, h.category, h.holder, h.name, h.rank, h.points, h.rule, "
            "h.revoked_reason, f.name AS filled_by, h.filled_reason, v.name AS fills "
            "FROM catalog_honours h LEFT JOIN catalog_honours f ON f.id = h.filled_by "
            "LEFT JOIN catalog_honours v ON v.id = h.fills "
            "WHERE h.year = ? ORDER BY h.category, h.rank, h.name, h.holder", (year,))

    def counts(self) -> dict[str, int]:
        row = self.query(
            "SELECT (SELECT count(*) FROM catalog_units) AS units, "
            "(SELECT count(*) FROM catalog_officers) AS officers, "
            "(SELECT count(*) FROM catalog_outlets) AS outlets, "
            "(SELECT count(*) FROM catalog_submissions) AS submissions, "
            "(SELECT coalesce(sum(adoptions), 0) FROM catalog_submissions) AS adoptions"
        )[0]
        return {key: int(value) for key, value in row.items()}


class CatalogSQLiteView(CatalogView, SQLiteView):
    pass


class CatalogPostgresView(CatalogView, PostgresView):
    pass


VIEWS: dict[str, type[SQLView]] = {"sqlite": CatalogSQLiteView, "postgres": CatalogPostgresView}


SUBMISSIONS = "catalog_submissions"


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


class CatalogProjection(Projection[CatalogView]):
    name = "catalog"
    batchable = True  # its handlers only write

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        self.view.write(tracking, [])

    @process_event.register
    def _(self, e: Unit.Registered, tracking: Tracking) -> None:
        self.view.write(tracking, [
            ("INSERT INTO catalog_units (id, code, name, unit_class) VALUES (?, ?, ?, ?)",
             (str(e.originator_id), e.code, e.name, e.unit_class)),
            ("INSERT INTO catalog_unit_names (unit_id, since, name) VALUES (?, ?, ?)",
             (str(e.originator_id), e.registered_on.isoformat(), e.name)),
        ])

    @process_event.register
    def _(self, e: Unit.Renamed, tracking: Tracking) -> None:
        unit = str(e.originator_id)
        self.view.write(tracking, [
            ("UPDATE catalog_units SET name = ? WHERE id = ?", (e.name, unit)),
            ("INSERT INTO catalog_unit_names (unit_id, since, name) VALUES (?, ?, ?)",
             (unit, e.effective_on.isoformat(), e.name)),
        ])

    @process_event.register
    def _(self, e: Unit.Reclassified, tracking: Tracking) -> None:
        self.view.write(tracking, [(
            "UPDATE catalog_units SET unit_class = ? WHERE id = ?",
            (e.unit_class, str(e.originator_id)),
        )])

    @process_event.register
    def _(self, e: Unit.Closed, tracking: Tracking) -> None:
        self.view.write(tracking, [(
            "INSERT INTO catalog_unit_closings (unit_id, closed_on, successor_id, reason) "
            "VALUES (?, ?, ?, ?)",
            (str(e.originator_id), e.closed_on.isoformat(),
             str(e.successor_id) if e.successor_id else None, e.reason),
        )])

    @process_event.register
    def _(self, e: Officer.Enrolled, tracking: Tracking) -> None:
        officer, since = str(e.originator_id), e.enrolled_on.isoformat()
        self.view.write(tracking, [
            ("INSERT INTO catalog_officers (id, code, name, enrolled_on) VALUES (?, ?, ?, ?)",
             (officer, e.code, e.name, since)),
            ("INSERT INTO catalog_postings (officer_id, since, unit_id) VALUES (?, ?, ?)",
             (officer, since, str(e.unit_id))),
        ])

    @process_event.register
    def _(self, e: Officer.Transferred, tracking: Tracking) -> None:
        self.view.write(tracking, [(
            "INSERT INTO catalog_postings (officer_id, since, unit_id) VALUES (?, ?, ?)",
            (str(e.originator_id), e.effective_on.isoformat(), str(e.to_unit_id)),
        )])

    @process_event.register
    def _(self, e: Officer.Left, tracking: Tracking) -> None:
        self.view.write(tracking, [(
            "UPDATE catalog_officers SET left_on = ? WHERE id = ?",
            (e.left_on.isoformat(), str(e.originator_id)),
        )])

    @process_event.register
    def _(self, e: Account.Opened, tracking: Tracking) -> None:
        account = str(e.originator_id)
        self.view.write(tracking, [
            ("INSERT INTO catalog_accounts (id, username, display_name, officer_id, unit_id) "
             "VALUES (?, ?, ?, ?, ?)",
             (account, e.username, e.display_name, _text(e.officer_id), _text(e.unit_id))),
            *(("INSERT INTO catalog_account_roles (account_id, role) VALUES (?, ?)",
               (account, Role(role).value)) for role in e.roles)])

    @process_event.register
    def _(self, e: Account.RoleGranted, tracking: Tracking) -> None:
        self.view.write(tracking, [(
            "INSERT INTO catalog_account_roles (account_id, role) VALUES (?, ?)",
            (str(e.originator_id), Role(e.role).value))])

    @process_event.register
    def _(self, e: Account.RoleRevoked, tracking: Tracking) -> None:
        self.view.write(tracking, [(
            "DELETE FROM catalog_account_roles WHERE account_id = ? AND role = ?",
            (str(e.originator_id), Role(e.role).value))])

    @process_event.register
    def _(self, e: Account.Closed, tracking: Tracking) -> None:
        self.view.write(tracking, [(
            "UPDATE catalog_accounts SET closed_reason = ? WHERE id = ?",
            (e.reason, str(e.originator_id)))])

    @process_event.register
    def _(self, e: Outlet.Registered, tracking: Tracking) -> None:
        self.view.write(tracking, [(
            "INSERT INTO catalog_outlets (id, code, name, channel, level) VALUES (?, ?, ?, ?, ?)",
            (str(e.originator_id), e.code, e.name, e.channel.value, e.level.value),
        )])

    @process_event.register
    def _(self, e: Outlet.Renamed, tracking: Tracking) -> None:
        self.view.write(tracking, [(
            "UPDATE catalog_outlets SET name = ? WHERE id = ?", (e.name, str(e.originator_id)),
        )])

    # An item's later events in the same batch as its drafting change the row to be inserted
    # instead of updating it (most of an item's events come close together in the log); the
    # batch's changes of items drafted before go together when it commits (``view.change``).

    @process_event.register
    def _(self, e: Submission.Drafted, tracking: Tracking) -> None:
        self.view.write(tracking, [self.view.insert(SUBMISSIONS, str(e.originator_id), {
            "id": str(e.originator_id), "ref": e.ref, "title": e.title,
            "channel": e.channel.value, "category": e.category.value, "status": "draft",
            "unit_id": str(e.unit_id), "lead_officer_id": str(e.authors[0].officer_id),
            "event_date": e.event_date.isoformat(), "submitted_on": None, "adoptions": 0})])

    @process_event.register
    def _(self, e: Submission.Revised, tracking: Tracking) -> None:
        self._change(e, tracking, title=e.title, category=e.category.value,
                     lead_officer_id=str(e.authors[0].officer_id),
                     event_date=e.event_date.isoformat())

    @process_event.register
    def _(self, e: Submission.Submitted, tracking: Tracking) -> None:
        self._change(e, tracking, status="submitted", submitted_on=e.submitted_on.isoformat())

    @process_event.register
    def _(self, e: Submission.Approved, tracking: Tracking) -> None:
        self._change(e, tracking, status="approved")

    @process_event.register
    def _(self, e: Submission.Returned, tracking: Tracking) -> None:
        self._change(e, tracking, status="returned")

    @process_event.register
    def _(self, e: Submission.Withdrawn, tracking: Tracking) -> None:
        self._change(e, tracking, status="withdrawn")

    @process_event.register
    def _(self, e: Submission.Adopted, tracking: Tracking) -> None:
        self._count_adoption(e, +1, tracking)

    @process_event.register
    def _(self, e: Submission.AdoptionRetracted, tracking: Tracking) -> None:
        self._count_adoption(e, -1, tracking)

    @process_event.register
    def _(self, e: Reward.Granted, tracking: Tracking) -> None:
        self.view.write(tracking, [self.view.insert("catalog_rewards", str(e.originator_id), {
            "id": str(e.originator_id), "line_key": e.line_key, "period": e.period,
            "officer_id": e.officer_id, "unit_id": e.unit_id, "item_id": e.item_id,
            "ref": e.ref, "clause": e.clause, "valid_on": e.valid_on.isoformat(),
            "amount": str(e.amount), "revoked_reason": None})])

    @process_event.register
    def _(self, e: Reward.Revoked, tracking: Tracking) -> None:
        self.view.write(tracking, self.view.change("catalog_rewards", "id", str(e.originator_id),
                                                   {"revoked_reason": e.reason}))

    @process_event.register
    def _(self, e: Honour.Awarded, tracking: Tracking) -> None:
        self.view.write(tracking, [self.view.insert("catalog_honours", str(e.originator_id), {
            "id": str(e.originator_id), "year": e.year, "category": e.category,
            "holder": e.holder, "name": e.name, "rank": e.rank, "points": str(e.points),
            "rule": e.rule, "revoked_reason": None, "filled_by": None, "filled_reason": None,
            "fills": None})])

    @process_event.register
    def _(self, e: Honour.Revoked, tracking: Tracking) -> None:
        self.view.write(tracking, self.view.change("catalog_honours", "id", str(e.originator_id),
                                                   {"revoked_reason": e.reason}))

    @process_event.register
    def _(self, e: Honour.Filled, tracking: Tracking) -> None:
        vacated, honour = str(e.originator_id), str(e.by_honour_id)
        self.view.write(tracking, [
            *self.view.change("catalog_honours", "id", vacated,
                              {"filled_by": honour, "filled_reason": e.reason}),
            *self.view.change("catalog_honours", "id", honour, {"fills": vacated})])

    def _change(self, e: Any, tracking: Tracking, **columns: str | None) -> None:
        self.view.write(tracking, self.view.change(SUBMISSIONS, "id", str(e.originator_id),
                                                   columns))

    def _count_adoption(self, e: Any, change: int, tracking: Tracking) -> None:
        self.view.write(tracking, self.view.change(SUBMISSIONS, "id", str(e.originator_id),
                                                   {}, {"adoptions": change}))
