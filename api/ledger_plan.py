"""From the rows of the ledger files to the service commands that record them, each with the
moment the office knew its fact; references, duplicates and known times are checked here,
before anything is written."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any, Protocol
from uuid import UUID

from api.ledger_ids import id_of, named
from api.ledger_items import ItemPlanning
from api.ledger_rows import FILES, Row, RowError, Rows
from api.ledger_sort import ExternalSort
from domain.target import Target
from domain.values import HolderKind

#: Ties of known time are broken by what a fact rests on: the directory first, then the steps
#: of an item in the order of its workflow (an appeal's decision after the corrections it may
#: make).
RANKS = {command: rank for rank, command in enumerate((
    "publish_method", "reschedule_method", "withdraw_method", "register_unit", "rename_unit",
    "reclassify_unit", "register_outlet", "rename_outlet", "enrol_officer", "open_account",
    "grant_role", "revoke_role", "close_account", "set_target", "adjust_target",
    "transfer_officer", "record_leaving", "close_unit", "issue_commission", "draft_submission",
    "revise_draft", "submit", "return_submission", "revise_submission", "resubmit", "approve",
    "withdraw", "file_appeal", "send_to_outlet", "record_decline", "record_adoption",
    "retract_adoption", "record_instruction", "record_feedback", "decide_appeal",
    "record_lapse", "record_finding", "withdraw_finding"))}

# A method's steps keep the order of their rows at one moment (``Planner.plan_methods``).
RANKS.update(reschedule_method=RANKS["publish_method"], withdraw_method=RANKS["publish_method"])

#: A change's command, and the columns it takes (which it needs filled), by the change column.
METHOD_CHANGES = {"rescheduled": ("reschedule_method", ["effective_from", "reason"]),
                  "withdrawn": ("withdraw_method", ["reason"])}
ACCOUNT_CHANGES = {"granted": ("grant_role", ["role"]),
                   "revoked": ("revoke_role", ["role", "reason"]),
                   "closed": ("close_account", ["reason"])}


#: Where a command's field is named differently from the file's column.
COLUMNS = {"unit": "unit_id", "to_unit": "to_unit_id", "outlet": "outlet_id",
           "officer": "officer_id", "holder": "holder_id", "units": "unit_ids",
           "commission": "commission_id", "approver": "approved_by", "successor": "successor_id",
           "approved_at": "approved_on", "display_name": "name", "unit_class": "class",
           "known_at": "known_on"}


class Store(Protocol):
    def exists(self, aggregate_id: UUID) -> bool: ...

    def load(self, aggregate_id: UUID) -> Any: ...


@dataclass(slots=True)
class Step:
    """One service command, with the row it comes from."""

    known_at: datetime
    rank: int
    seq: int
    file: str
    line: int
    command: str
    kwargs: dict[str, Any]
    columns: dict[str, str] = field(default_factory=dict)

    def column(self, command_field: str | None) -> str:
        """The file's column that a command's field comes from."""
        if not command_field:
            return ""
        if command_field in ("code", "ref"):
            return KEYS.get(self.file, command_field)
        return self.columns.get(command_field) or COLUMNS.get(command_field, command_field)


NO_COLUMNS: dict[str, str] = {}  # shared, never written: most steps rename no column

KEYS = {"units.csv": "unit_id", "outlets.csv": "outlet_id", "officers.csv": "officer_id",
        "accounts.csv": "username", "commissions.csv": "commission_id",
        "submissions.csv": "submission_id", "findings.csv": "finding_id"}


class Planner(ItemPlanning):
    """Checks the rows against each other and the store, and plans their commands."""

    def __init__(self, rows: Rows, store: Store, now: datetime, zone: tzinfo) -> None:
        self.rows = rows
        self.store = store
        self.now = now
        self.zone = zone
        # The steps wait on disk in runs sorted by known time: a large ledger's are not held.
        self.steps = ExternalSort()
        self.errors: list[RowError] = []
        self.defined: dict[str, dict[str, int]] = defaultdict(dict)  # code: its line
        self.ready: dict[tuple[Any, ...], datetime] = {}
        self.start = self.earliest()

    # Known times ----------------------------------------------------------------------

    def when(self, value: date | datetime | None) -> datetime | None:
        """A date means the end of that day in the office (but never later than now)."""
        if value is None or isinstance(value, datetime):
            return value
        return min(datetime.combine(value, time(23, 59, 59), self.zone), self.now)

    def earliest(self) -> datetime:
        """The earliest moment any row gives (a first pass reading only those columns)."""
        earliest = None
        for name in self.rows.source.tables:
            columns = tuple(c.name for c in FILES[name] if c.name in KNOWN_COLUMNS)
            for row in self.rows.of(name, columns):
                for column in columns:
                    moment = self.when(row[column])
                    if moment is not None and (earliest is None or moment < earliest):
                        earliest = moment
        return self.now if earliest is None else earliest

    def known(self, row: Row, *needs: tuple[Any, ...], column: str = "known_on",
              own: str | None = None) -> datetime:
        base = self.when(row[column]) or self.when(row[own or OWN_DATES.get(row.file, "")]) \
            or self.start
        return max([base, *(self.ready[need] for need in needs if need in self.ready)])

    # Identities and references ---------------------------------------------------------

    def error(self, row: Row, column: str, message: str) -> None:
        self.errors.append(RowError(row.file, row.line, column, message))

    def define(self, kind: str, row: Row, column: str) -> bool:
        code = row[column]
        if code is None:
            return False
        earlier = self.defined[kind].get(code)
        if earlier is not None:
            self.error(row, column, f"{kind} {code} is also on line {earlier}")
            return False
        self.defined[kind][code] = row.line
        if self.store.exists(id_of(kind, code)):
            self.error(row, column, f"{kind} {code} is already in the store")
            return False
        return row.ok

    def refer(self, kind: str, row: Row, column: str, code: str | None = None) -> UUID | None:
        """The id of the thing ``code`` names, in the files or in the store, or an error."""
        code = code if code is not None else row[column]
        if code is None:
            return None
        derived = id_of(kind, code)
        if code in self.defined[kind] or self.store.exists(derived):
            return derived
        source = {"unit": "units.csv", "officer": "officers.csv", "outlet": "outlets.csv",
                  "account": "accounts.csv", "commission": "commissions.csv",
                  "submission": "submissions.csv", "finding": "findings.csv"}[kind]
        self.error(row, column, f"no {kind} {code} in {source} or in the store")
        return None

    def holder(self, row: Row) -> str | None:
        kind = row["holder_kind"]
        code = row["holder_id"]
        if kind is not None:
            return kind if self.refer(kind, row, "holder_id") else None
        found = [k for k in ("unit", "officer")
                 if code in self.defined[k] or self.store.exists(id_of(k, code))]
        if len(found) == 1:
            return found[0]
        self.error(row, "holder_id", f"{code} names both a unit and an officer: give holder_kind"
                   if found else f"no unit or officer {code} in the files or in the store")
        return None

    def add(self, row: Row, command: str, known_at: datetime, provides: tuple[Any, ...] | None,
            columns: dict[str, str] | None = None, **kwargs: Any) -> None:
        if provides is not None:
            self.ready[provides] = known_at
        if row.ok:
            self.steps.add((micros(known_at), RANKS[command], self.steps.count, known_at,
                            row.file, row.line, command, kwargs, columns or NO_COLUMNS))

    def of(self, name: str, only: tuple[str, ...] | None = None) -> Iterator[Row]:
        return self.rows.of(name, only)

    # The plan -------------------------------------------------------------------------

    def plan_methods(self, files: list[tuple[str, str, str]], stored: set[str]) -> None:
        """The method files (``(where, code, text)``) published, each when a ``published``
        row of method_changes.csv says the office knew it, else at the run's earliest moment;
        and the versions rescheduled or withdrawn, of the files or of the store. A method's
        steps share one rank, so at one moment they keep the order of their rows (a version
        withdrawn, then its correction published for the same day)."""
        rows, published = [], {}
        for row in self.of("method_changes.csv"):
            code, change = row["code"], row["change"]
            if code is None or change is None:
                continue
            missing = self.missing(row, METHOD_CHANGES.get(change, ("", []))[1])
            if code not in stored and all(code != c for _, c, _ in files):
                self.error(row, "code", f"no method {code} in the method files or in the store")
            elif change == "published" and code in published:
                self.error(row, "code",
                           f"method {code} is also published on line {published[code].line}")
            elif change == "published":
                published[code] = row
                rows.append(row)
            elif not missing:
                rows.append(row)
        texts = {code: (where, text) for where, code, text in files}
        for where, code, text in files:
            if code not in published:
                self.add(Row(where, 0, {}), "publish_method", self.start, ("method", code),
                         source=text)
        for row in rows:
            code = row["code"]
            if row["change"] == "published":
                where, text = texts[code] if code in texts else (None, None)
                if text is not None:  # else published in the store already
                    self.add(Row(where, 0, {}, row.ok), "publish_method", self.known(row),
                             ("method", code), source=text)
            else:
                command, columns = METHOD_CHANGES[row["change"]]
                self.add(row, command, self.known(row, ("method", code)), None, code=code,
                         **{column: row[column] for column in columns})

    def missing(self, row: Row, needed: list[str]) -> list[str]:
        """The columns a row's kind of change needs that it leaves empty, each an error (in a
        row whose cells are all valid: an invalid cell is named already)."""
        missing = [column for column in needed if row[column] is None]
        if not row.ok:
            return missing
        for column in missing:
            self.error(row, column, f"must not be empty when the change is {row['change']}")
        return missing

    def plan(self) -> Iterator[Step]:
        """Every row checked and planned; then the steps, read in known order (``count``)."""
        self.plan_directory()
        self.plan_account_changes()
        self.plan_planning()
        self.plan_items()
        self.plan_outcomes()
        self.plan_findings()
        return (Step(item[3], item[1], item[2], *item[4:]) for item in self.steps)

    @property
    def count(self) -> int:
        return self.steps.count

    def plan_directory(self) -> None:
        for row in self.of("units.csv"):
            if self.define("unit", row, "unit_id"):
                registered = row["registered_on"] or self.start.astimezone(self.zone).date()
                self.add(row, "register_unit", self.known(row, own="registered_on"),
                         ("unit", row["unit_id"]), code=row["unit_id"], name=row["name"],
                         unit_class=row["class"], registered_on=registered)
        for row in self.of("unit_renames.csv"):
            if self.refer("unit", row, "unit_id"):
                self.add(row, "rename_unit", self.known(row, ("unit", row["unit_id"])), None,
                         unit=row["unit_id"], name=row["name"],
                         effective_on=row["effective_on"], reason=row["reason"])
        for row in self.of("unit_classes.csv"):
            if self.refer("unit", row, "unit_id"):
                self.add(row, "reclassify_unit", self.known(row, ("unit", row["unit_id"])), None,
                         unit=row["unit_id"], unit_class=row["class"], reason=row["reason"])
        for row in self.of("outlets.csv"):
            if self.define("outlet", row, "outlet_id"):
                self.add(row, "register_outlet", self.known(row), ("outlet", row["outlet_id"]),
                         code=row["outlet_id"], name=row["name"], channel=row["channel"],
                         level=row["level"])
        for row in self.of("outlet_renames.csv"):
            if self.refer("outlet", row, "outlet_id"):
                self.add(row, "rename_outlet", self.known(row, ("outlet", row["outlet_id"])),
                         None, outlet=row["outlet_id"], name=row["name"], reason=row["reason"])
        for row in self.of("officers.csv"):
            new = self.define("officer", row, "officer_id")
            if self.refer("unit", row, "unit_id") and new:
                self.add(row, "enrol_officer", self.known(row, ("unit", row["unit_id"])),
                         ("officer", row["officer_id"]), code=row["officer_id"],
                         name=row["name"], unit=row["unit_id"], enrolled_on=row["enrolled_on"])
        for row in self.of("accounts.csv"):
            new = self.define("account", row, "username")
            officer = self.refer("officer", row, "officer_id")
            unit = self.refer("unit", row, "unit_id")
            if new and (officer or not row["officer_id"]) and (unit or not row["unit_id"]):
                needs = [("officer", row["officer_id"]), ("unit", row["unit_id"])]
                self.add(row, "open_account", self.known(row, *needs),
                         ("account", row["username"]), username=row["username"],
                         display_name=row["name"], roles=row["roles"],
                         officer=row["officer_id"], unit=row["unit_id"])

    def plan_account_changes(self) -> None:
        for row in self.of("account_changes.csv"):
            if row["change"] is None:
                continue
            command, columns = ACCOUNT_CHANGES[row["change"]]
            missing = self.missing(row, columns)
            if self.refer("account", row, "username") and not missing:
                self.add(row, command, self.known(row, ("account", row["username"])), None,
                         username=row["username"], **{column: row[column] for column in columns})

    def plan_planning(self) -> None:
        targets: dict[tuple[str, str, int], Row] = {}
        for row in self.of("targets.csv"):
            kind = self.holder(row)
            if kind is None or row["year"] is None:
                continue
            key = (kind, row["holder_id"], row["year"])
            if key in targets:
                self.error(row, "year", f"the {row['year']} target of {row['holder_id']} is "
                           f"also on line {targets[key].line}")
                continue
            targets[key] = row
            if self.store.exists(target_id(*key)):
                self.error(row, "year", f"the {row['year']} target of {row['holder_id']} is "
                           "already in the store")
                continue
            self.add(row, "set_target", self.known(row, (kind, row["holder_id"])),
                     ("target", *key), **target_args(kind, row))
        for row in self.of("target_adjustments.csv"):
            kind = self.holder(row)
            if kind is None or row["year"] is None:
                continue
            key = (kind, row["holder_id"], row["year"])
            if key not in targets and not self.store.exists(target_id(*key)):
                self.error(row, "year", f"no {row['year']} target of {row['holder_id']} in "
                           "targets.csv or in the store")
                continue
            self.add(row, "adjust_target", self.known(row, ("target", *key)), None,
                     **target_args(kind, row), reason=row["reason"])
        for row in self.of("transfers.csv"):
            found = [self.refer("officer", row, "officer_id"),
                     self.refer("unit", row, "to_unit_id")]
            if all(found):
                needs = [("officer", row["officer_id"]), ("unit", row["to_unit_id"])]
                self.add(row, "transfer_officer", self.known(row, *needs), None,
                         officer=row["officer_id"], to_unit=row["to_unit_id"],
                         effective_on=row["effective_on"], reason=row["reason"] or "")
        for row in self.of("leavings.csv"):
            if self.refer("officer", row, "officer_id"):
                self.add(row, "record_leaving", self.known(row, ("officer", row["officer_id"])),
                         None, officer=row["officer_id"], left_on=row["left_on"],
                         reason=row["reason"] or "")
        for row in self.of("unit_closings.csv"):
            found = [self.refer("unit", row, "unit_id"),
                     self.refer("unit", row, "successor_id") if row["successor_id"] else True]
            if all(found):
                needs = [("unit", row["unit_id"]), ("unit", row["successor_id"])]
                self.add(row, "close_unit", self.known(row, *needs), None, unit=row["unit_id"],
                         closed_on=row["closed_on"], reason=row["reason"],
                         successor=row["successor_id"])
        for row in self.of("commissions.csv"):
            new = self.define("commission", row, "commission_id")
            units = [self.refer("unit", row, "unit_ids", code) for code in row["unit_ids"] or []]
            if new and all(units):
                needs = [("unit", code) for code in row["unit_ids"]]
                self.add(row, "issue_commission", self.known(row, *needs),
                         ("commission", row["commission_id"]), topic=row["topic"],
                         units=row["unit_ids"], issued_on=row["issued_on"],
                         deadline=row["deadline"], **named("commission", row["commission_id"]))
        for row in self.of("lapses.csv"):
            commission = self.refer("commission", row, "commission_id")
            if commission and self.refer("unit", row, "unit_id"):
                needs = [("commission", row["commission_id"]), ("unit", row["unit_id"])]
                self.add(row, "record_lapse", self.known(row, *needs), None,
                         commission_id=str(commission), unit=row["unit_id"],
                         lapsed_on=row["lapsed_on"])


def target_id(kind: str, holder: str, year: int) -> UUID:
    return Target.create_id(HolderKind(kind), id_of(kind, holder), year)


def target_args(kind: str, row: Row) -> dict[str, Any]:
    """A target's row as ``set_target`` and ``adjust_target`` take it."""
    return {"holder_kind": kind, "holder": row["holder_id"], "year": row["year"],
            "items": row["items"], "points": row["points"],
            "monthly_items": row["monthly_items"], "monthly_points": row["monthly_points"]}


OWN_DATES = {"units.csv": "registered_on", "officers.csv": "enrolled_on",
             "unit_renames.csv": "effective_on", "leavings.csv": "left_on",
             "unit_closings.csv": "closed_on",
             "transfers.csv": "effective_on", "commissions.csv": "issued_on",
             "lapses.csv": "lapsed_on", "submissions.csv": "submitted_on",
             "returns.csv": "returned_on", "withdrawals.csv": "withdrawn_on",
             "sends.csv": "sent_on", "declines.csv": "declined_on",
             "adoptions.csv": "adopted_on", "instructions.csv": "instructed_on",
             "feedback.csv": "fed_back_on", "appeals.csv": "filed_on",
             "appeal_decisions.csv": "decided_on", "findings.csv": "found_on"}
#: Every column that gives a moment the office knew something.
KNOWN_COLUMNS = ("known_on", "drafted_known_on", "approved_known_on", "revised_known_on",
                 "resubmitted_known_on", *OWN_DATES.values())


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def micros(moment: datetime) -> int:
    """A moment as one number that sorts as the moment does (a cheaper sort key)."""
    return (moment - _EPOCH) // timedelta(microseconds=1)


