"""The boards: every submission and every commission as it stands now, for the office's desk."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection

from domain.account import Account
from domain.commission import Commission
from domain.officer import Officer
from domain.outlet import Outlet
from domain.submission import Submission
from domain.unit import Unit
from projections.view import PostgresView, SQLiteView, SQLView, Statement


class BoardsView(SQLView):
    schema = (
        "CREATE TABLE IF NOT EXISTS board_units (id TEXT PRIMARY KEY, code TEXT NOT NULL, "
        "name TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS board_officers (id TEXT PRIMARY KEY, code TEXT NOT NULL, "
        "name TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS board_outlets (id TEXT PRIMARY KEY, code TEXT NOT NULL, "
        "name TEXT NOT NULL, level TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS board_accounts (username TEXT PRIMARY KEY, "
        "display_name TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS board_items (id TEXT PRIMARY KEY, ref TEXT, "
        "title TEXT NOT NULL, status TEXT NOT NULL, unit_id TEXT NOT NULL, "
        "channel TEXT NOT NULL, category TEXT NOT NULL, event_date TEXT NOT NULL, "
        "submitted_on TEXT, approved_at TEXT, approver TEXT)",
        "CREATE TABLE IF NOT EXISTS board_item_authors (submission_id TEXT NOT NULL, "
        "seq INTEGER NOT NULL, officer_id TEXT NOT NULL, PRIMARY KEY (submission_id, seq))",
        "CREATE TABLE IF NOT EXISTS board_item_outlets (submission_id TEXT NOT NULL, "
        "outlet_id TEXT NOT NULL, state TEXT NOT NULL, route TEXT, sent_on TEXT, form TEXT, "
        "adopted_on TEXT, declined_on TEXT, PRIMARY KEY (submission_id, outlet_id))",
        "CREATE TABLE IF NOT EXISTS board_instructions (submission_id TEXT NOT NULL, "
        "number INTEGER NOT NULL, leader_level TEXT NOT NULL, leader TEXT NOT NULL, "
        "instructed_on TEXT NOT NULL, feedback_on TEXT, PRIMARY KEY (submission_id, number))",
        "CREATE TABLE IF NOT EXISTS board_appeals (submission_id TEXT NOT NULL, "
        "number INTEGER NOT NULL, officer_id TEXT NOT NULL, filed_on TEXT NOT NULL, "
        "reason TEXT NOT NULL, upheld BOOLEAN, decided_on TEXT, decision_reason TEXT, "
        "PRIMARY KEY (submission_id, number))",
        "CREATE TABLE IF NOT EXISTS board_commissions (id TEXT PRIMARY KEY, ref TEXT, "
        "topic TEXT NOT NULL, issued_on TEXT NOT NULL, deadline TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS board_commission_units (commission_id TEXT NOT NULL, "
        "unit_id TEXT NOT NULL, state TEXT NOT NULL, submission_id TEXT, closed_on TEXT, "
        "PRIMARY KEY (commission_id, unit_id))",
        # the day a unit closed (撤并): its open parts then lapse no more (a table of its own:
        # an existing board gains it empty, as no unit was closed before it)
        "CREATE TABLE IF NOT EXISTS board_unit_closings (unit_id TEXT PRIMARY KEY, "
        "closed_on TEXT NOT NULL)",
    )
    tables = ("board_units", "board_officers", "board_outlets", "board_accounts", "board_items",
              "board_item_authors", "board_item_outlets", "board_instructions",
              "board_appeals", "board_commissions", "board_commission_units",
              "board_unit_closings")
    derived = True  # projected from the log alone

    def unit_id(self, code: str) -> str | None:
        rows = self.query("SELECT id FROM board_units WHERE code = ?", (code,))
        return rows[0]["id"] if rows else None

    def submissions(self, today: date, *, unit_id: str | None = None, status: str | None = None,
                    limit: int = 1000, offset: int = 0) -> list[dict[str, Any]]:
        """Items, latest event date first, each with its authors, outlets and instructions."""
        items = self.query(
            "SELECT i.id, i.ref, i.title, i.status, i.channel, i.category, i.event_date, "
            "i.submitted_on, i.approved_at, i.approver, a.display_name AS approver_name, "
            "u.code AS unit_code, u.name AS unit_name FROM board_items i "
            "JOIN board_units u ON u.id = i.unit_id "
            "LEFT JOIN board_accounts a ON a.username = i.approver "
            "WHERE (CAST(? AS TEXT) IS NULL OR i.unit_id = ?) "
            "AND (CAST(? AS TEXT) IS NULL OR i.status = ?) "
            "ORDER BY i.event_date DESC, i.submitted_on DESC, i.id LIMIT ? OFFSET ?",
            (unit_id, unit_id, status, status, limit, offset),
        )
        authors = self._by_item(
            "SELECT x.submission_id, o.code, o.name FROM board_item_authors x "
            "JOIN board_officers o ON o.id = x.officer_id ORDER BY x.submission_id, x.seq")
        outlets = self._by_item(
            "SELECT x.submission_id, o.code, o.name, o.level, x.state, x.route, x.sent_on, "
            "x.form, x.adopted_on, x.declined_on FROM board_item_outlets x "
            "JOIN board_outlets o ON o.id = x.outlet_id ORDER BY x.submission_id, o.code")
        instructions = self._by_item(
            "SELECT submission_id, number, leader_level, leader, instructed_on, feedback_on "
            "FROM board_instructions ORDER BY submission_id, number")
        board = []
        for item in items:
            sent = outlets.get(item["id"], [])
            notes = instructions.get(item["id"], [])
            waiting = None
            if item["status"] == "submitted" and item["submitted_on"]:
                waiting = (today - date.fromisoformat(item["submitted_on"])).days
            board.append({
                **item,
                "approved_on": item["approved_at"][:10] if item["approved_at"] else None,
                "authors": [a["name"] for a in authors.get(item["id"], [])],
                "outlets": sent,
                "adoptions": [{"outlet": o["name"], "level": o["level"], "form": o["form"],
                               "adopted_on": o["adopted_on"]}
                              for o in sent if o["state"] == "adopted"],
                "instructions": notes,
                "feedback_pending": any(n["feedback_on"] is None for n in notes),
                "waiting_days": waiting,
            })
        return board

    def _by_item(self, sql: str) -> dict[str, list[dict[str, Any]]]:
        grouped: dict[str, list[dict[str, Any]]] = {}
        for row in self.query(sql):
            grouped.setdefault(row.pop("submission_id"), []).append(row)
        return grouped

    def appeals(self, submission_id: str) -> list[dict[str, Any]]:
        """An item's appeals by number: who filed each, when and why, and how it was decided
        (``upheld`` None while pending)."""
        return self.query(
            "SELECT a.number, o.code AS officer, o.name AS officer_name, a.filed_on, a.reason, "
            "a.upheld, a.decided_on, a.decision_reason FROM board_appeals a "
            "JOIN board_officers o ON o.id = a.officer_id "
            "WHERE a.submission_id = ? ORDER BY a.number", (submission_id,))

    def pending_appeals(self) -> int:
        """How many appeals wait for a decision."""
        return int(self.query("SELECT COUNT(*) AS n FROM board_appeals "
                              "WHERE upheld IS NULL")[0]["n"])

    def all_appeals(self, today: date, *, unit_id: str | None = None) -> list[dict[str, Any]]:
        """Every appeal (of one unit's items only, if given), the pending first, the earliest
        filed first among them, each with the days it has waited; the decided after, the
        latest decided first; each with its item."""
        rows = self.query(
            "SELECT a.submission_id, i.ref, i.title, u.code AS unit, u.name AS unit_name, "
            "a.number, o.code AS officer, o.name AS officer_name, a.filed_on, a.reason, "
            "a.upheld, a.decided_on, a.decision_reason FROM board_appeals a "
            "JOIN board_items i ON i.id = a.submission_id "
            "JOIN board_units u ON u.id = i.unit_id "
            "JOIN board_officers o ON o.id = a.officer_id "
            "WHERE (CAST(? AS TEXT) IS NULL OR i.unit_id = ?) "
            "ORDER BY CASE WHEN a.upheld IS NULL THEN 0 ELSE 1 END, "
            "CASE WHEN a.upheld IS NULL THEN a.filed_on END, a.decided_on DESC, "
            "a.filed_on DESC, a.submission_id, a.number", (unit_id, unit_id))
        for row in rows:
            row["waiting"] = ((today - date.fromisoformat(row["filed_on"])).days
                              if row["upheld"] is None else None)
        return rows

    def commissions(self, today: date, *, unit_id: str | None = None) -> list[dict[str, Any]]:
        """One row per commissioned unit (of one unit's commissions only, if given): fulfilled
        by which item, lapsed, or open (days left until the deadline, or days overdue); or
        "unit_closed" where the unit closed (撤并) by ``today`` before its part could lapse
        (``closed_on`` then the day it closed): that part is chased and lapses no more."""
        rows = self.query(
            "SELECT c.id AS commission_id, c.ref, c.topic, c.issued_on, c.deadline, "
            "u.code AS unit_code, u.name AS unit_name, x.state, x.closed_on, "
            "i.ref AS item_ref, i.title AS item_title, x.submission_id, "
            "k.closed_on AS unit_closed_on "
            "FROM board_commissions c JOIN board_commission_units x ON x.commission_id = c.id "
            "JOIN board_units u ON u.id = x.unit_id "
            "LEFT JOIN board_items i ON i.id = x.submission_id "
            "LEFT JOIN board_unit_closings k ON k.unit_id = x.unit_id "
            "WHERE (CAST(? AS TEXT) IS NULL OR x.unit_id = ?) "
            "ORDER BY c.deadline DESC, c.issued_on DESC, c.id, u.code", (unit_id, unit_id)
        )
        for row in rows:
            deadline = date.fromisoformat(row["deadline"])
            remaining = (deadline - today).days
            row["days_left"] = row["days_overdue"] = None
            unit_closed = row.pop("unit_closed_on")
            if row["state"] == "open" and unit_closed is not None and unit_closed <= min(
                    (deadline + timedelta(days=1)).isoformat(), today.isoformat()):
                row["state"], row["closed_on"] = "unit_closed", unit_closed
            elif row["state"] == "open" and remaining < 0:
                row["state"], row["days_overdue"] = "overdue", -remaining
            elif row["state"] == "open":
                row["days_left"] = remaining
        return rows


class BoardsSQLiteView(BoardsView, SQLiteView):
    pass


class BoardsPostgresView(BoardsView, PostgresView):
    pass


VIEWS: dict[str, type[SQLView]] = {"sqlite": BoardsSQLiteView, "postgres": BoardsPostgresView}


ITEMS = "board_items"
OUTLETS = "board_item_outlets"
OUTLET_KEY = ("submission_id", "outlet_id")


class BoardsProjection(Projection[BoardsView]):
    name = "boards"
    batchable = True  # its handlers only write

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        self.view.write(tracking, [])

    # Names -------------------------------------------------------------------------

    @process_event.register
    def _(self, e: Unit.Registered, tracking: Tracking) -> None:
        self.view.write(tracking, [("INSERT INTO board_units (id, code, name) VALUES (?, ?, ?)",
                                    (str(e.originator_id), e.code, e.name))])

    @process_event.register
    def _(self, e: Unit.Renamed, tracking: Tracking) -> None:
        self.view.write(tracking, [("UPDATE board_units SET name = ? WHERE id = ?",
                                    (e.name, str(e.originator_id)))])

    @process_event.register
    def _(self, e: Unit.Closed, tracking: Tracking) -> None:
        self.view.write(tracking, [(
            "INSERT INTO board_unit_closings (unit_id, closed_on) VALUES (?, ?)",
            (str(e.originator_id), e.closed_on.isoformat()))])

    @process_event.register
    def _(self, e: Officer.Enrolled, tracking: Tracking) -> None:
        self.view.write(tracking, [(
            "INSERT INTO board_officers (id, code, name) VALUES (?, ?, ?)",
            (str(e.originator_id), e.code, e.name))])

    @process_event.register
    def _(self, e: Outlet.Registered, tracking: Tracking) -> None:
        self.view.write(tracking, [(
            "INSERT INTO board_outlets (id, code, name, level) VALUES (?, ?, ?, ?)",
            (str(e.originator_id), e.code, e.name, e.level.value))])

    @process_event.register
    def _(self, e: Outlet.Renamed, tracking: Tracking) -> None:
        self.view.write(tracking, [("UPDATE board_outlets SET name = ? WHERE id = ?",
                                    (e.name, str(e.originator_id)))])

    @process_event.register
    def _(self, e: Account.Opened, tracking: Tracking) -> None:
        self.view.write(tracking, [(
            "INSERT INTO board_accounts (username, display_name) VALUES (?, ?)",
            (e.username, e.display_name))])

    # Submissions -------------------------------------------------------------------

    # An item's later events in the same batch as its drafting change the row to be inserted
    # instead of updating it (most of an item's events come close together in the log); the
    # batch's changes of items drafted before go together when it commits (``view.change``).

    @process_event.register
    def _(self, e: Submission.Drafted, tracking: Tracking) -> None:
        item = str(e.originator_id)
        self.view.write(tracking, [self.view.insert(ITEMS, item, {
            "id": item, "ref": e.ref, "title": e.title, "status": "draft",
            "unit_id": str(e.unit_id), "channel": e.channel.value,
            "category": e.category.value, "event_date": e.event_date.isoformat(),
            "submitted_on": None, "approved_at": None, "approver": None,
        }), *self._authors(item, e.authors)])

    @process_event.register
    def _(self, e: Submission.Revised, tracking: Tracking) -> None:
        item = str(e.originator_id)
        self.view.write(tracking, [
            *self._changes(e, title=e.title, category=e.category.value,
                           event_date=e.event_date.isoformat()),
            ("DELETE FROM board_item_authors WHERE submission_id = ?", (item,)),
            *self._authors(item, e.authors)])

    def _authors(self, item: str, authors: Any) -> list[Statement]:
        return [("INSERT INTO board_item_authors (submission_id, seq, officer_id) "
                 "VALUES (?, ?, ?)", (item, seq, str(a.officer_id)))
                for seq, a in enumerate(authors)]

    @process_event.register
    def _(self, e: Submission.Submitted, tracking: Tracking) -> None:
        self._change(e, tracking, status="submitted", submitted_on=e.submitted_on.isoformat())

    @process_event.register
    def _(self, e: Submission.Approved, tracking: Tracking) -> None:
        self._change(e, tracking, status="approved", approved_at=e.approved_at.isoformat(),
                     approver=e.approver)

    @process_event.register
    def _(self, e: Submission.Returned, tracking: Tracking) -> None:
        self._change(e, tracking, status="returned")

    @process_event.register
    def _(self, e: Submission.Withdrawn, tracking: Tracking) -> None:
        self._change(e, tracking, status="withdrawn")

    def _change(self, e: Any, tracking: Tracking, **columns: str | None) -> None:
        self.view.write(tracking, self._changes(e, **columns))

    def _changes(self, e: Any, **columns: str | None) -> list[Statement]:
        return self.view.change(ITEMS, "id", str(e.originator_id), columns)

    # An item's sends, adoptions, declines and retractions at an outlet in one batch are
    # merged into one upsert of that row, sent with the batch's others (``view.upsert``).

    @process_event.register
    def _(self, e: Submission.SentToOutlet, tracking: Tracking) -> None:
        self.view.write(tracking, self.view.upsert(OUTLETS, OUTLET_KEY, {
            "submission_id": str(e.originator_id), "outlet_id": str(e.outlet_id),
            "state": "sent", "route": e.route.value, "sent_on": e.sent_on.isoformat(),
        }, ("route", "sent_on")))

    @process_event.register
    def _(self, e: Submission.Adopted, tracking: Tracking) -> None:
        self.view.write(tracking, self.view.upsert(OUTLETS, OUTLET_KEY, {
            "submission_id": str(e.originator_id), "outlet_id": str(e.outlet_id),
            "state": "adopted", "route": e.route.value, "form": e.form.value,
            "adopted_on": e.adopted_on.isoformat(),
        }, ("state", "route", "form", "adopted_on")))

    @process_event.register
    def _(self, e: Submission.Declined, tracking: Tracking) -> None:
        self.view.write(tracking, self.view.upsert(OUTLETS, OUTLET_KEY, {
            "submission_id": str(e.originator_id), "outlet_id": str(e.outlet_id),
            "state": "declined", "declined_on": e.declined_on.isoformat(),
        }, ("state", "declined_on")))

    @process_event.register
    def _(self, e: Submission.AdoptionRetracted, tracking: Tracking) -> None:
        key = (str(e.originator_id), str(e.outlet_id))
        self.view.write(tracking, self.view.update_keyed(
            OUTLETS, OUTLET_KEY, key, {"state": "retracted"},
            "UPDATE board_item_outlets SET state = 'retracted' "
            "WHERE submission_id = ? AND outlet_id = ?", key))

    @process_event.register
    def _(self, e: Submission.InstructionRecorded, tracking: Tracking) -> None:
        self.view.write(tracking, [(
            "INSERT INTO board_instructions (submission_id, number, leader_level, leader, "
            "instructed_on) VALUES (?, ?, ?, ?, ?)",
            (str(e.originator_id), e.number, e.leader_level.value, e.leader,
             e.instructed_on.isoformat()))])

    @process_event.register
    def _(self, e: Submission.InstructionFeedbackRecorded, tracking: Tracking) -> None:
        self.view.write(tracking, [(
            "UPDATE board_instructions SET feedback_on = ? WHERE submission_id = ? AND number = ?",
            (e.fed_back_on.isoformat(), str(e.originator_id), e.number))])

    @process_event.register
    def _(self, e: Submission.AppealFiled, tracking: Tracking) -> None:
        self.view.write(tracking, [(
            "INSERT INTO board_appeals (submission_id, number, officer_id, filed_on, reason) "
            "VALUES (?, ?, ?, ?, ?)",
            (str(e.originator_id), e.number, str(e.officer_id), e.filed_on.isoformat(),
             e.reason))])

    @process_event.register
    def _(self, e: Submission.AppealDecided, tracking: Tracking) -> None:
        self.view.write(tracking, [(
            "UPDATE board_appeals SET upheld = ?, decided_on = ?, decision_reason = ? "
            "WHERE submission_id = ? AND number = ?",
            (e.upheld, e.decided_on.isoformat(), e.reason, str(e.originator_id), e.number))])

    # Commissions -------------------------------------------------------------------

    @process_event.register
    def _(self, e: Commission.Issued, tracking: Tracking) -> None:
        commission = str(e.originator_id)
        self.view.write(tracking, [(
            "INSERT INTO board_commissions (id, ref, topic, issued_on, deadline) "
            "VALUES (?, ?, ?, ?, ?)",
            (commission, e.ref, e.topic, e.issued_on.isoformat(), e.deadline.isoformat()),
        ), *[("INSERT INTO board_commission_units (commission_id, unit_id, state) "
              "VALUES (?, ?, 'open')", (commission, str(unit_id))) for unit_id in e.unit_ids]])

    @process_event.register
    def _(self, e: Commission.Fulfilled, tracking: Tracking) -> None:
        self.view.write(tracking, [(
            "UPDATE board_commission_units SET state = 'fulfilled', submission_id = ?, "
            "closed_on = ? WHERE commission_id = ? AND unit_id = ?",
            (str(e.submission_id), e.fulfilled_on.isoformat(), str(e.originator_id),
             str(e.unit_id)))])

    @process_event.register
    def _(self, e: Commission.Lapsed, tracking: Tracking) -> None:
        self.view.write(tracking, [(
            "UPDATE board_commission_units SET state = 'lapsed', closed_on = ? "
            "WHERE commission_id = ? AND unit_id = ?",
            (e.lapsed_on.isoformat(), str(e.originator_id), str(e.unit_id)))])
