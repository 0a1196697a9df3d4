"""Export of a store's facts as the ledger files an import reads (docs/import.md): a folder of
CSV files, or one workbook with a sheet per file.

The write model's log is read in order and each fact event becomes a row, with the moment the
office knew it. Events that are consequences of other facts (a commission fulfilled by a
submission, the method book opened) are not rows, since the import makes them again; events
no file can hold (an appeal, a bulletin published) are counted in the report,
so nothing is dropped silently."""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from api.ledger_rows import FILES, METHOD_SHEET
from domain import inputs
from domain.account import Account
from domain.application import Tally
from domain.commission import Commission
from domain.finding import Finding
from domain.idempotency import CommandRecord
from domain.method_book import MethodBook
from domain.officer import Officer
from domain.outlet import Outlet
from domain.submission import Submission
from domain.target import Target, even_split, even_split_amount
from domain.unit import Unit

BATCH = 2000
#: Events made again by the import from the facts it records.
CONSEQUENCES = (Commission.Fulfilled, MethodBook.Opened, CommandRecord.Recorded)


@dataclass
class ExportReport:
    rows: dict[str, int] = field(default_factory=dict)
    methods: list[str] = field(default_factory=list)
    not_exported: Counter[str] = field(default_factory=Counter)
    events: int = 0


class Ledgers:
    """The rows of every file, filled event by event."""

    def __init__(self, tally: Tally) -> None:
        self.zone = tally.zone
        self.files: dict[str, list[dict[str, str]]] = defaultdict(list)
        self.methods: list[tuple[str, str]] = []
        self.codes: dict[UUID, str] = {}
        self.items: dict[UUID, dict[str, str]] = {}
        self.open_returns: dict[UUID, dict[str, str]] = {}
        self.targets: dict[UUID, dict[str, Any]] = {}  # the holder and year, by target
        self.closing: tuple[Any, ...] = ()  # the cause, successor and day of the last closing
        self.not_exported: Counter[str] = Counter()

    def when(self, moment: datetime) -> str:
        return moment.astimezone(self.zone).isoformat()

    def add(self, file: str, **row: Any) -> dict[str, str]:
        cells = {key: text(value) for key, value in row.items()}
        self.files[file].append(cells)
        return cells

    def take(self, event: Any, recorded_at: datetime, as_of: datetime | None = None) -> None:
        """The event as a row; with ``as_of``, only if the office knew it by then."""
        moment = event.cause.known_at or recorded_at if hasattr(event, "cause") else None
        if as_of is not None and (moment or recorded_at) > as_of:
            return
        known = self.when(moment) if moment is not None else ""
        if isinstance(event, CONSEQUENCES):
            return
        handler = HANDLERS.get(type(event))
        if handler is None:
            self.not_exported[type(event).__qualname__] += 1
            return
        handler(self, event, known)

    def code(self, aggregate_id: UUID | None) -> str:
        return "" if aggregate_id is None else self.codes.get(aggregate_id, str(aggregate_id))

    # Directory and planning ------------------------------------------------------------

    def unit(self, e: Unit.Registered, known: str) -> None:
        self.codes[e.originator_id] = e.code
        self.add("units.csv", unit_id=e.code, name=e.name, **{"class": e.unit_class},
                 registered_on=e.registered_on, known_on=known)

    def unit_renamed(self, e: Unit.Renamed, known: str) -> None:
        self.add("unit_renames.csv", unit_id=self.code(e.originator_id), name=e.name,
                 effective_on=e.effective_on, reason=e.reason, known_on=known)

    def unit_reclassified(self, e: Unit.Reclassified, known: str) -> None:
        self.add("unit_classes.csv", unit_id=self.code(e.originator_id),
                 **{"class": e.unit_class}, reason=e.reason, known_on=known)

    def unit_closed(self, e: Unit.Closed, known: str) -> None:
        """The officers it moved to its successor are no rows: the import's closing moves
        them again (known at the closing's moment, where the store stamped each event of the
        command a few microseconds apart)."""
        self.closing = (e.cause, e.successor_id, e.closed_on)
        self.add("unit_closings.csv", unit_id=self.code(e.originator_id),
                 closed_on=e.closed_on, successor_id=self.code(e.successor_id),
                 reason=e.reason, known_on=known)

    def outlet(self, e: Outlet.Registered, known: str) -> None:
        self.codes[e.originator_id] = e.code
        self.add("outlets.csv", outlet_id=e.code, name=e.name, channel=e.channel.value,
                 level=e.level.value, known_on=known)

    def outlet_renamed(self, e: Outlet.Renamed, known: str) -> None:
        self.add("outlet_renames.csv", outlet_id=self.code(e.originator_id), name=e.name,
                 reason=e.reason, known_on=known)

    def officer(self, e: Officer.Enrolled, known: str) -> None:
        self.codes[e.originator_id] = e.code
        self.add("officers.csv", officer_id=e.code, name=e.name, unit_id=self.code(e.unit_id),
                 enrolled_on=e.enrolled_on, known_on=known)

    def transfer(self, e: Officer.Transferred, known: str) -> None:
        if (e.cause, e.to_unit_id, e.effective_on) == self.closing:
            return  # moved by the closing just read, in the same command
        self.add("transfers.csv", officer_id=self.code(e.originator_id),
                 to_unit_id=self.code(e.to_unit_id), effective_on=e.effective_on,
                 reason=e.reason, known_on=known)

    def left(self, e: Officer.Left, known: str) -> None:
        self.add("leavings.csv", officer_id=self.code(e.originator_id), left_on=e.left_on,
                 reason=e.reason, known_on=known)

    def account(self, e: Account.Opened, known: str) -> None:
        self.codes[e.originator_id] = e.username
        self.add("accounts.csv", username=e.username, name=e.display_name,
                 roles=";".join(role.value for role in e.roles),
                 officer_id=self.code(e.officer_id), unit_id=self.code(e.unit_id),
                 known_on=known)

    def role_granted(self, e: Account.RoleGranted, known: str) -> None:
        self.add("account_changes.csv", username=self.code(e.originator_id), change="granted",
                 role=e.role.value, known_on=known)

    def role_revoked(self, e: Account.RoleRevoked, known: str) -> None:
        self.add("account_changes.csv", username=self.code(e.originator_id), change="revoked",
                 role=e.role.value, reason=e.reason, known_on=known)

    def account_closed(self, e: Account.Closed, known: str) -> None:
        self.add("account_changes.csv", username=self.code(e.originator_id), change="closed",
                 reason=e.reason, known_on=known)

    def target(self, e: Target.Set, known: str) -> None:
        self.targets[e.originator_id] = {"holder_id": self.code(e.holder_id), "year": e.year,
                                         "holder_kind": e.holder_kind.value}
        self.add("targets.csv", **self.targets[e.originator_id], **amounts(e), known_on=known)

    def target_adjusted(self, e: Target.Adjusted, known: str) -> None:
        self.add("target_adjustments.csv", **self.targets[e.originator_id], **amounts(e),
                 reason=e.reason, known_on=known)

    def method(self, e: MethodBook.VersionPublished, known: str) -> None:
        self.methods.append((e.code, e.source))
        self.add("method_changes.csv", code=e.code, change="published", known_on=known)

    def method_rescheduled(self, e: MethodBook.VersionRescheduled, known: str) -> None:
        self.add("method_changes.csv", code=e.code, change="rescheduled",
                 effective_from=e.effective_from, reason=e.reason, known_on=known)

    def method_withdrawn(self, e: MethodBook.VersionWithdrawn, known: str) -> None:
        self.add("method_changes.csv", code=e.code, change="withdrawn", reason=e.reason,
                 known_on=known)

    def commission(self, e: Commission.Issued, known: str) -> None:
        self.codes[e.originator_id] = e.ref or str(e.originator_id)
        self.add("commissions.csv", commission_id=self.code(e.originator_id), topic=e.topic,
                 unit_ids=[self.code(u) for u in e.unit_ids], issued_on=e.issued_on,
                 deadline=e.deadline, known_on=known)

    def lapse(self, e: Commission.Lapsed, known: str) -> None:
        self.add("lapses.csv", commission_id=self.code(e.originator_id),
                 unit_id=self.code(e.unit_id), lapsed_on=e.lapsed_on, known_on=known)

    def finding(self, e: Finding.Recorded, known: str) -> None:
        """A finding recorded without a reference is given its id as one: imported, it
        keeps the id, and its withdrawal can name it."""
        self.codes[e.originator_id] = e.ref or str(e.originator_id)
        self.add(
            "findings.csv", finding_id=self.code(e.originator_id), kind=e.kind.value,
            holder_id=self.code(e.holder_id), holder_kind=e.holder_kind.value,
            found_on=e.found_on, reason=e.reason, submission_id=self.code(e.submission_id),
            known_on=known)

    def finding_withdrawn(self, e: Finding.Withdrawn, known: str) -> None:
        self.add("withdrawn_findings.csv", finding_id=self.code(e.originator_id),
                 reason=e.reason, known_on=known)

    # Items ------------------------------------------------------------------------------

    def authors(self, authors: list[Any]) -> str:
        return ";".join(self.code(a.officer_id) + (f":{a.share}" if a.share is not None else "")
                        for a in authors)

    def drafted(self, e: Submission.Drafted, known: str) -> None:
        self.codes[e.originator_id] = e.ref or str(e.originator_id)
        self.items[e.originator_id] = self.add(
            "submissions.csv", submission_id=self.code(e.originator_id),
            channel=e.channel.value, title=e.title, category=e.category.value,
            authors=self.authors(e.authors), event_date=e.event_date, submitted_on=None,
            approved_by=None, approved_on=None, commission_id=self.code(e.commission_id),
            research=e.research, drafted_known_on=known, known_on=None, approved_known_on=None)

    def submitted(self, e: Submission.Submitted, known: str) -> None:
        returned = self.open_returns.pop(e.originator_id, None)
        if returned is not None:
            returned.update(resubmitted_on=text(e.submitted_on), resubmitted_known_on=known)
            return
        item = self.items[e.originator_id]
        if item["submitted_on"]:
            self.not_exported["Submission.Submitted"] += 1
            return
        item.update(submitted_on=text(e.submitted_on), known_on=known)

    def returned(self, e: Submission.Returned, known: str) -> None:
        self.open_returns[e.originator_id] = self.add(
            "returns.csv", submission_id=self.code(e.originator_id), reason=e.reason,
            returned_on=known, resubmitted_on=None, title=None, category=None, authors=None,
            event_date=None, research=None, revised_known_on=None, resubmitted_known_on=None)

    def revised(self, e: Submission.Revised, known: str) -> None:
        returned = self.open_returns.get(e.originator_id)
        if returned is None:  # a draft revised before it was first submitted
            self.add("revisions.csv", submission_id=self.code(e.originator_id), title=e.title,
                     category=e.category.value, authors=self.authors(e.authors),
                     event_date=e.event_date, research=e.research, known_on=known)
            return
        returned.update(title=e.title, category=e.category.value,
                        authors=self.authors(e.authors), event_date=text(e.event_date),
                        research=text(e.research), revised_known_on=known)

    def approved(self, e: Submission.Approved, known: str) -> None:
        self.items[e.originator_id].update(approved_by=e.approver,
                                           approved_on=self.when(e.approved_at),
                                           approved_known_on=known)

    def withdrawn(self, e: Submission.Withdrawn, known: str) -> None:
        self.add("withdrawals.csv", submission_id=self.code(e.originator_id), reason=e.reason,
                 withdrawn_on=known)

    def sent(self, e: Submission.SentToOutlet, known: str) -> None:
        self.add("sends.csv", submission_id=self.code(e.originator_id),
                 outlet_id=self.code(e.outlet_id), route=e.route.value, sent_on=e.sent_on,
                 known_on=known)

    def declined(self, e: Submission.Declined, known: str) -> None:
        self.add("declines.csv", submission_id=self.code(e.originator_id),
                 outlet_id=self.code(e.outlet_id), declined_on=e.declined_on, reason=e.reason,
                 known_on=known)

    def adopted(self, e: Submission.Adopted, known: str) -> None:
        self.add("adoptions.csv", submission_id=self.code(e.originator_id),
                 outlet_id=self.code(e.outlet_id), form=e.form.value, route=e.route.value,
                 adopted_on=e.adopted_on, known_on=known)

    def retracted(self, e: Submission.AdoptionRetracted, known: str) -> None:
        self.add("retractions.csv", submission_id=self.code(e.originator_id),
                 outlet_id=self.code(e.outlet_id), reason=e.reason, known_on=known)

    def instructed(self, e: Submission.InstructionRecorded, known: str) -> None:
        self.add("instructions.csv", submission_id=self.code(e.originator_id),
                 leader_level=e.leader_level.value, instructed_on=e.instructed_on,
                 known_on=known, leader=e.leader, text=e.text)

    def fed_back(self, e: Submission.InstructionFeedbackRecorded, known: str) -> None:
        self.add("feedback.csv", submission_id=self.code(e.originator_id), instruction=e.number,
                 fed_back_on=e.fed_back_on, text=e.text, known_on=known)

    def appealed(self, e: Submission.AppealFiled, known: str) -> None:
        self.add("appeals.csv", submission_id=self.code(e.originator_id),
                 officer_id=self.code(e.officer_id), filed_on=e.filed_on, reason=e.reason,
                 known_on=known)

    def appeal_decided(self, e: Submission.AppealDecided, known: str) -> None:
        """A correction the decision made is a row of its own (an adoption, say)."""
        self.add("appeal_decisions.csv", submission_id=self.code(e.originator_id),
                 appeal=e.number, upheld=e.upheld, decided_on=e.decided_on, reason=e.reason,
                 known_on=known)


def amounts(e: Target.Set | Target.Adjusted) -> dict[str, Any]:
    """A target's amounts, with the months only where they are not an even split."""
    even_items = even_split(e.items) if e.items else None
    even_points = even_split_amount(e.points) if e.points else None
    return {"items": e.items, "points": e.points,
            "monthly_items": None if e.monthly_items == even_items else e.monthly_items,
            "monthly_points": None if e.monthly_points == even_points else e.monthly_points}


HANDLERS: dict[type, Any] = {
    Unit.Registered: Ledgers.unit, Unit.Renamed: Ledgers.unit_renamed,
    Unit.Reclassified: Ledgers.unit_reclassified, Unit.Closed: Ledgers.unit_closed,
    Outlet.Registered: Ledgers.outlet, Outlet.Renamed: Ledgers.outlet_renamed,
    Officer.Enrolled: Ledgers.officer, Officer.Transferred: Ledgers.transfer,
    Officer.Left: Ledgers.left,
    Account.Opened: Ledgers.account, Account.RoleGranted: Ledgers.role_granted,
    Account.RoleRevoked: Ledgers.role_revoked, Account.Closed: Ledgers.account_closed,
    Target.Set: Ledgers.target, Target.Adjusted: Ledgers.target_adjusted,
    MethodBook.VersionPublished: Ledgers.method,
    MethodBook.VersionRescheduled: Ledgers.method_rescheduled,
    MethodBook.VersionWithdrawn: Ledgers.method_withdrawn, Commission.Issued: Ledgers.commission,
    Commission.Lapsed: Ledgers.lapse, Finding.Recorded: Ledgers.finding,
    Finding.Withdrawn: Ledgers.finding_withdrawn,
    Submission.Drafted: Ledgers.drafted, Submission.Submitted: Ledgers.submitted,
    Submission.Returned: Ledgers.returned, Submission.Revised: Ledgers.revised,
    Submission.Approved: Ledgers.approved, Submission.Withdrawn: Ledgers.withdrawn,
    Submission.SentToOutlet: Ledgers.sent, Submission.Declined: Ledgers.declined,
    Submission.Adopted: Ledgers.adopted, Submission.AdoptionRetracted: Ledgers.retracted,
    Submission.InstructionRecorded: Ledgers.instructed,
    Submission.InstructionFeedbackRecorded: Ledgers.fed_back,
    Submission.AppealFiled: Ledgers.appealed, Submission.AppealDecided: Ledgers.appeal_decided,
}


def text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return ";".join(text(part) for part in value)
    return str(value)


def read_ledgers(tally: Tally, as_of: date | datetime | str | None = None) -> Ledgers:
    """Every fact of the log, or those the office knew at ``as_of`` (a date: its end), as
    rows; a bad ``as_of`` is refused naming it."""
    moment = None if as_of is None else inputs.instant("as_of", as_of, zone=tally.zone,
                                                       end_of_day=True)
    ledgers = Ledgers(tally)
    position = 0
    while batch := tally.recorder.select_notifications(start=position, limit=BATCH,
                                                       inclusive_of_start=False):
        for notification in batch:
            ledgers.take(tally.mapper.to_domain_event(notification),
                         notification.recorded_at, moment)  # type: ignore[attr-defined]
        position = batch[-1].id
    return ledgers


def export_ledgers(tally: Tally, target: Path,
                   as_of: date | datetime | str | None = None) -> ExportReport:
    """Write the store's facts (known at ``as_of``, if given) to the folder ``target`` (or
    the workbook, for ``.xlsx``)."""
    ledgers = read_ledgers(tally, as_of)
    report = ExportReport(rows={name: len(rows) for name, rows in ledgers.files.items()},
                          methods=[code for code, _ in ledgers.methods],
                          not_exported=ledgers.not_exported)
    report.events = sum(report.rows.values())
    if target.suffix.lower() == ".xlsx":
        target.write_bytes(workbook_bytes(ledgers))
        return report
    target.mkdir(parents=True, exist_ok=True)
    for name, rows in ledgers.files.items():
        (target / name).write_bytes(csv_bytes(name, rows))
    single = len(ledgers.methods) == 1
    for code, source in ledgers.methods:
        name = "method.toml" if single else f"method-{code}.toml"
        (target / name).write_text(source, encoding="utf-8")
    return report


def headings(name: str) -> list[str]:
    return [column.name for column in FILES[name]]


def csv_bytes(name: str, rows: list[dict[str, str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(headings(name))
    writer.writerows([[row.get(h, "") for h in headings(name)] for row in rows])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # the BOM tells Excel it is UTF-8


def workbook_bytes(ledgers: Ledgers) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, rows in ledgers.files.items():
        sheet = workbook.create_sheet(name.removesuffix(".csv"))
        sheet.append(headings(name))
        for row in rows:
            sheet.append([row.get(h, "") for h in headings(name)])
    if ledgers.methods:
        sheet = workbook.create_sheet(METHOD_SHEET)
        sheet.append(["code", "source"])
        for code, source in ledgers.methods:
            sheet.append([code, source])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
