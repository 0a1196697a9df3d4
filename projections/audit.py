"""The audit trail: every event of the log, who caused it, when it was recorded and known, and why.

One row per event, with the ids it concerns (items, officers, authors, units) so that the trail
can be read per item, per officer, per unit or overall, as it was known at any moment.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, tzinfo
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection

from domain import inputs
from domain.errors import InvalidInputError, NotFoundError
from domain.identity import derived_id
from domain.period import Period
from projections.audit_entries import aggregate_kind
from projections.audit_memory import AuditMemory
from projections.ledger import TIME_FORMAT, time_key
from projections.runner import RecordedTracking
from projections.view import PostgresView, SQLiteView, SQLView, Statement

#: Later than any moment ``time_key`` writes: "as known now".
NOW = "9999-12-31T23:59:59.999999"

#: Which rows each kind of selection takes; ``?`` are the subject's id (and for an officer, the
#: as-of key again: an officer sees an item's events once they are known as one of its authors).
SCOPES = {
    "all": "1 = 1",
    "item": "t.position IN (SELECT position FROM audit_concerns "
            "WHERE kind = 'submission' AND concerned_id = ?)",
    "unit": "t.position IN (SELECT position FROM audit_concerns "
            "WHERE kind = 'unit' AND concerned_id = ?)",
    "officer": "(t.position IN (SELECT position FROM audit_concerns "
               "WHERE kind = 'officer' AND concerned_id = ?) "
               "OR t.position IN (SELECT s.position FROM audit_concerns s "
               "WHERE s.kind = 'submission' AND s.concerned_id IN ("
               "SELECT w.concerned_id FROM audit_concerns a "
               "JOIN audit_concerns w ON w.position = a.position AND w.kind = 'submission' "
               "JOIN audit_trail k ON k.position = a.position "
               "WHERE a.kind = 'author' AND a.concerned_id = ? AND k.known_at <= ?)))",
}

#: An idempotency record concerns what the command it records changed: the events just before
#: it with the same correlation id (saved in the same transaction), back to the previous record.
COPY_CONCERNS = (
    "INSERT INTO audit_concerns (kind, concerned_id, position) "
    "SELECT DISTINCT c.kind, c.concerned_id, CAST(? AS BIGINT) FROM audit_concerns c "
    "JOIN audit_trail t ON t.position = c.position "
    "WHERE t.correlation_id = ? AND t.position < ? AND t.position > coalesce(("
    "SELECT p.position FROM audit_trail p WHERE p.position < ? "
    "AND (p.correlation_id <> ? OR p.command_record = 1) "
    "ORDER BY p.position DESC LIMIT 1), 0)"
)


#: An event that concerns whom its aggregate's first event concerned (its authors aside).
COPY_CREATION_CONCERNS = (
    "INSERT INTO audit_concerns (kind, concerned_id, position) "
    "SELECT c.kind, c.concerned_id, CAST(? AS BIGINT) FROM audit_concerns c "
    "JOIN audit_trail t ON t.position = c.position "
    "WHERE t.aggregate_id = ? AND t.aggregate_version = 1 AND c.kind <> 'author'"
)


class AuditView(SQLView):
    schema = (
        "CREATE TABLE IF NOT EXISTS audit_trail (position BIGINT PRIMARY KEY, "
        "recorded_at TEXT NOT NULL, known_at TEXT NOT NULL, imported INTEGER NOT NULL, "
        "actor TEXT NOT NULL, correlation_id TEXT NOT NULL, aggregate_kind TEXT NOT NULL, "
        "aggregate_id TEXT NOT NULL, aggregate_version BIGINT NOT NULL, reference TEXT NOT NULL, "
        "event TEXT NOT NULL, reason TEXT, summary TEXT NOT NULL, "
        "command_record INTEGER NOT NULL)",
        "CREATE INDEX IF NOT EXISTS audit_trail_known_at ON audit_trail (known_at)",
        "CREATE INDEX IF NOT EXISTS audit_trail_correlation ON audit_trail "
        "(correlation_id, position)",
        "CREATE INDEX IF NOT EXISTS audit_trail_aggregate ON audit_trail "
        "(aggregate_id, aggregate_version)",
        "CREATE TABLE IF NOT EXISTS audit_concerns (kind TEXT NOT NULL, "
        "concerned_id TEXT NOT NULL, position BIGINT NOT NULL, "
        "PRIMARY KEY (kind, concerned_id, position))",
        "CREATE INDEX IF NOT EXISTS audit_concerns_position ON audit_concerns (position)",
        "CREATE TABLE IF NOT EXISTS audit_names (id TEXT PRIMARY KEY, kind TEXT NOT NULL, "
        "code TEXT, name TEXT NOT NULL, unit_id TEXT)",
        "CREATE INDEX IF NOT EXISTS audit_names_code ON audit_names (kind, code)",
        "CREATE TABLE IF NOT EXISTS audit_items (id TEXT PRIMARY KEY, ref TEXT, "
        "title TEXT NOT NULL, unit_id TEXT NOT NULL, authors TEXT NOT NULL)",
    )
    tables = ("audit_trail", "audit_concerns", "audit_names", "audit_items")
    derived = True  # projected from the log alone

    # The name tables (what the projection's memory reads when it does not hold a name) ----

    def name(self, name_id: str) -> dict[str, Any] | None:
        return self._first("SELECT * FROM audit_names WHERE id = ?", (name_id,))

    def name_by_code(self, kind: str, code: str) -> dict[str, Any] | None:
        return self._first("SELECT * FROM audit_names WHERE kind = ? AND code = ?", (kind, code))

    def item(self, submission_id: str) -> dict[str, Any] | None:
        return self._first("SELECT * FROM audit_items WHERE id = ?", (submission_id,))

    def _first(self, sql: str, params: tuple[Any, ...]) -> dict[str, Any] | None:
        rows = self.query(sql, params)
        return rows[0] if rows else None

    # The trail ---------------------------------------------------------------------

    def overall(self, as_of: datetime | None = None, limit: int = 100, offset: int = 0,
                commands: bool = True) -> list[dict[str, Any]]:
        """Every event known at ``as_of`` (now, if None), in log order."""
        return self.entries("all", None, as_of, limit, offset, commands)

    def for_item(self, submission_id: str, as_of: datetime | None = None, limit: int = 100,
                 offset: int = 0, commands: bool = True) -> list[dict[str, Any]]:
        """The events of one item, and those that name it (a fulfilment, a finding)."""
        return self.entries("item", submission_id, as_of, limit, offset, commands)

    def for_officer(self, officer_id: str, as_of: datetime | None = None, limit: int = 100,
                    offset: int = 0, commands: bool = True) -> list[dict[str, Any]]:
        """The officer's own events, and every event of the items they are an author of."""
        return self.entries("officer", officer_id, as_of, limit, offset, commands)

    def for_unit(self, unit_id: str, as_of: datetime | None = None, limit: int = 100,
                 offset: int = 0, commands: bool = True) -> list[dict[str, Any]]:
        """The unit's events, its officers' postings, its items, commissions, targets, findings."""
        return self.entries("unit", unit_id, as_of, limit, offset, commands)

    def entries(self, scope: str, subject: str | None, as_of: datetime | None, limit: int = 100,
                offset: int = 0, commands: bool = True,
                since: datetime | None = None) -> list[dict[str, Any]]:
        """Events known by ``as_of`` (and not before ``since``), in log order."""
        sql, params = self._selection(scope, subject, as_of, commands, since)
        rows = self.query(f"SELECT t.* {sql} ORDER BY t.position LIMIT ? OFFSET ?",
                          (*params, limit, offset))
        return [_entry(row) for row in rows]

    def count(self, scope: str, subject: str | None, as_of: datetime | None = None,
              commands: bool = True, since: datetime | None = None) -> int:
        sql, params = self._selection(scope, subject, as_of, commands, since)
        return int(self.query(f"SELECT count(*) AS n {sql}", params)[0]["n"])

    def _selection(self, scope: str, subject: str | None, as_of: datetime | None,
                   commands: bool, since: datetime | None = None) -> tuple[str, tuple[Any, ...]]:
        known = time_key(as_of) if as_of is not None else NOW
        params: tuple[Any, ...] = {
            "all": (), "item": (subject,), "unit": (subject,),
            "officer": (subject, subject, known),
        }[scope]
        only_events = "" if commands else " AND t.command_record = 0"
        if since is not None:
            only_events += " AND t.known_at >= ?"
            params = (time_key(since), *params)
        sql = (f"FROM audit_trail t WHERE t.known_at <= ?{only_events} "  # noqa: S608 (constants)
               f"AND {SCOPES[scope]}")
        return sql, (known, *params)


def _entry(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "imported": bool(row["imported"]), "command_record": bool(row["command_record"]),
            "recorded_at": _moment(row["recorded_at"]), "known_at": _moment(row["known_at"])}


def _moment(key: str) -> datetime:
    return datetime.strptime(key, TIME_FORMAT).replace(tzinfo=UTC)


class AuditSQLiteView(AuditView, SQLiteView):
    pass


class AuditPostgresView(AuditView, PostgresView):
    pass


VIEWS: dict[str, type[SQLView]] = {"sqlite": AuditSQLiteView, "postgres": AuditPostgresView}


class AuditProjection(Projection[AuditView]):
    """Every event becomes one row; its handler in ``Describer`` says what it means."""

    name = "audit"
    batchable = True  # names come from its memory, which holds what the open batch wrote

    def __init__(self, view: AuditView) -> None:
        super().__init__(view)
        self._memory: AuditMemory | None = None

    def forget(self) -> None:
        """Drop the memory; it is built again from the committed view when needed."""
        self._memory = None

    def resume(self, position: int) -> None:
        """The view has committed up to ``position``: keep the memory only if it is there too."""
        if self._memory is not None and self._memory.position != position:
            self._memory = None
        elif self._memory is not None:
            self._memory.trim()

    def _remembered(self, tracking: Tracking) -> AuditMemory:
        memory = self._memory
        if memory is not None and tracking.notification_id <= memory.position:
            memory = None  # the log is being read again from an earlier position
        if memory is None:
            position = self.view.max_tracking_id(tracking.application_name) or 0
            memory = self._memory = AuditMemory(self.view, position)
        return memory

    def process_event(self, domain_event: Any, tracking: Tracking) -> None:  # type: ignore[override]
        assert isinstance(tracking, RecordedTracking), "the audit trail needs the record time"
        memory = self._remembered(tracking)
        try:
            self._record(memory, domain_event, tracking)
        except BaseException:
            self._memory = None  # it may hold what was not written
            raise

    def _record(self, memory: AuditMemory, domain_event: Any,
                tracking: RecordedTracking) -> None:
        entry = memory.describe(domain_event)
        cause = domain_event.cause
        position = tracking.notification_id
        kind = aggregate_kind(domain_event)
        aggregate_id = str(domain_event.originator_id)
        statements: list[Statement] = [
            *(record.statement(new=memory.is_new(record)) for record in entry.names), (
            "INSERT INTO audit_trail (position, recorded_at, known_at, imported, actor, "
            "correlation_id, aggregate_kind, aggregate_id, aggregate_version, reference, event, "
            "reason, summary, command_record) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (position, time_key(tracking.recorded_at),
             time_key(cause.known_at or tracking.recorded_at), int(cause.known_at is not None),
             cause.actor, cause.correlation_id, kind, aggregate_id,
             domain_event.originator_version, entry.reference, type(domain_event).__qualname__,
             getattr(domain_event, "reason", None) or None, entry.summary,
             int(kind == "command_record")),
        )]
        concerns = {("submission", s) for s in entry.submissions}
        concerns |= {("officer", o) for o in entry.officers}
        concerns |= {("author", a) for a in entry.authors}
        concerns |= {("unit", u) for u in entry.units}
        rows = sorted(concerns)
        copies: list[Statement] = []
        # What the view's own rows would give, from memory; the statement when it is not known.
        if entry.as_created:
            created = memory.creation(aggregate_id)
            if created is None:
                copies.append((COPY_CREATION_CONCERNS, (position, aggregate_id)))
            else:
                rows += created
        if kind == "command_record":
            command = memory.command(cause.correlation_id)
            if command is None:
                copies.append((COPY_CONCERNS, (position, cause.correlation_id, position,
                                               position, cause.correlation_id)))
            else:
                rows += sorted(command)
        statements += [("INSERT INTO audit_concerns (kind, concerned_id, position) "
                        "VALUES (?, ?, ?)", (concern_kind, concerned_id, position))
                       for concern_kind, concerned_id in rows]
        self.view.write(tracking, [*statements, *copies])
        for record in entry.names:
            memory.remember(record)
        memory.recorded(position, domain_event.originator_version, aggregate_id,
                        cause.correlation_id, kind == "command_record",
                        None if copies else set(rows))


class AuditTrail:
    """The trail as people ask for it: by item id or ref, officer or unit code, office dates."""

    def __init__(self, view: AuditView, zone: tzinfo | None = None) -> None:
        self.view = view
        self.zone = zone or ZoneInfo("Asia/Shanghai")

    def entries(self, *, item: str | None = None, officer: str | None = None,
                unit: str | None = None, as_of: datetime | str | None = None,
                limit: int | str = 100, offset: int | str = 0,
                commands: bool = True, period: str | None = None) -> list[dict[str, Any]]:
        """Rows with times in office time; ``as_of`` a bare date means the end of that day;
        ``period`` keeps the events the office learned within that period."""
        scope, subject = self.scope(item=item, officer=officer, unit=unit)
        moment = since = None
        if as_of is not None:
            moment = inputs.instant("as_of", as_of, zone=self.zone, end_of_day=True)
        if period is not None:
            span = Period.parse(period)
            since = datetime.combine(span.start, time(), self.zone)
            end = datetime.combine(span.end, time.max, self.zone)
            moment = end if moment is None else min(moment, end)
        rows = self.view.entries(scope, subject, moment,
                                 inputs.whole("limit", limit, minimum=1, maximum=100_000),
                                 inputs.whole("offset", offset), commands, since)
        return [{**row, "recorded_at": self.office_time(row["recorded_at"]),
                 "known_at": self.office_time(row["known_at"])} for row in rows]

    def scope(self, *, item: str | None, officer: str | None,
              unit: str | None) -> tuple[str, str | None]:
        given = [(name, value) for name, value in
                 (("item", item), ("officer", officer), ("unit", unit)) if value]
        if len(given) > 1:
            raise InvalidInputError("give at most one of item, officer or unit",
                                    field=given[1][0])
        if not given:
            return "all", None
        field, value = given[0]
        if field == "item":
            return "item", self.item_id(value)
        code = inputs.code(field, value)
        subject = str(derived_id(field, code))
        if self.view.name(subject) is None:
            raise NotFoundError(f"no {field} {code}", field=field)
        return field, subject

    def item_id(self, value: str) -> str:
        """An item by its id, or by the ref it was drafted with."""
        text = inputs.text("item", value, max_length=64)
        try:
            subject = str(UUID(text))
        except ValueError:
            subject = str(derived_id("submission", text))
        if self.view.item(subject) is None:
            raise NotFoundError(f"no item {text}", field="item")
        return subject

    def office_time(self, moment: datetime) -> str:
        return moment.astimezone(self.zone).isoformat(timespec="seconds")
