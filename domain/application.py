"""The application service: commands take primitives and return ids; queries return plain data."""

from __future__ import annotations

import hashlib
import json
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, JSONTranscoder

from domain import inputs
from domain.account import Account
from domain.assessment import AssessmentCommands
from domain.commission import Commission
from domain.errors import (
    AlreadyExistsError,
    AuthorNotEnrolledError,
    ConflictError,
    IdempotencyKeyReusedError,
    InvalidInputError,
    NotAuthorisedError,
    NotFoundError,
    StoreNotInitialisedError,
)
from domain.idempotency import CommandRecord
from domain.identity import derived_id
from domain.officer import Officer
from domain.outlet import Outlet
from domain.submission import Submission
from domain.target import Target, check_monthly, even_split, even_split_amount
from domain.transcodings import register_tally_transcodings
from domain.unit import Unit
from domain.values import (
    Author,
    Category,
    Cause,
    Channel,
    Form,
    HolderKind,
    Level,
    Role,
    Route,
)

A = TypeVar("A", bound=Aggregate)
R = TypeVar("R")

MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class CommandMeta:
    """Who asks, within which request, under which idempotency key; ``known_at`` for imports."""

    actor: str
    correlation_id: str | None = None
    idempotency_key: str | None = None
    known_at: datetime | str | None = None


class Tally(AssessmentCommands, Application[UUID]):
    """The write model of one office: directory, outlets, submissions, commissions, targets."""

    name = "Tally"

    def __init__(self, env: dict[str, str] | None = None,
                 clock: Callable[[], datetime] | None = None) -> None:
        super().__init__(env)
        self.clock = clock or (lambda: datetime.now(UTC))
        self.zone = ZoneInfo(self.env.get("TIMEZONE") or "Asia/Shanghai")
        has_table = getattr(self.recorder, "has_table", None)
        if has_table is not None and not has_table():
            raise StoreNotInitialisedError(
                "the database has no Tally tables yet: run `tally db init` first"
            )

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_tally_transcodings(transcoder)

    # Directory -----------------------------------------------------------------------

    def register_unit(self, code: str, name: str, unit_class: str, registered_on: date | str,
                      *, meta: CommandMeta) -> UUID:
        code = inputs.code("code", code)
        args = {
            "code": code,
            "name": inputs.text("name", name, max_length=100),
            "unit_class": inputs.text("unit_class", unit_class, max_length=50),
            "registered_on": self._past_day("registered_on", registered_on),
        }

        def decide(cause: Cause) -> tuple[UUID, list[Aggregate]]:
            self._check_new(Unit.create_id(code), "code", f"unit {code}")
            unit = Unit(**args, cause=cause)
            return unit.id, [unit]

        return self._execute("register_unit", meta, args, decide)

    def rename_unit(self, unit: str, name: str, effective_on: date | str, reason: str,
                    *, meta: CommandMeta) -> UUID:
        args = {
            "unit": inputs.code("unit", unit),
            "name": inputs.text("name", name, max_length=100),
            "effective_on": inputs.day("effective_on", effective_on),
            "reason": inputs.text("reason", reason),
        }

        def decide(cause: Cause) -> tuple[UUID, list[Aggregate]]:
            target = self._unit("unit", args["unit"])
            target.rename(args["name"], args["effective_on"], args["reason"], cause)
            return target.id, [target]

        return self._execute("rename_unit", meta, args, decide)

    def enrol_officer(self, code: str, name: str, unit: str, enrolled_on: date | str,
                      *, meta: CommandMeta) -> UUID:
        code = inputs.code("code", code)
        args = {
            "code": code,
            "name": inputs.text("name", name, max_length=50),
            "unit": inputs.code("unit", unit),
            "enrolled_on": self._past_day("enrolled_on", enrolled_on),
        }

        def decide(cause: Cause) -> tuple[UUID, list[Aggregate]]:
            self._check_new(Officer.create_id(code), "code", f"officer {code}")
            unit_id = self._unit("unit", args["unit"]).id
            officer = Officer(code=code, name=args["name"], unit_id=unit_id,
                              enrolled_on=args["enrolled_on"], cause=cause)
            return officer.id, [officer]

        return self._execute("enrol_officer", meta, args, decide)

    def transfer_officer(self, officer: str, to_unit: str, effective_on: date | str,
                         reason: str = "", *, meta: CommandMeta) -> UUID:
        args = {
            "officer": inputs.code("officer", officer),
            "to_unit": inputs.code("to_unit", to_unit),
            "effective_on": inputs.day("effective_on", effective_on),
            "reason": inputs.text("reason", reason, required=False),
        }

        def decide(cause: Cause) -> tuple[UUID, list[Aggregate]]:
            person = self._officer("officer", args["officer"])
            unit_id = self._unit("to_unit", args["to_unit"]).id
            person.transfer(unit_id, args["effective_on"], args["reason"], cause)
            return person.id, [person]

        return self._execute("transfer_officer", meta, args, decide)

    def record_leaving(self, officer: str, left_on: date | str, reason: str = "",
                       *, meta: CommandMeta) -> UUID:
        args = {
            "officer": inputs.code("officer", officer),
            "left_on": inputs.day("left_on", left_on),
            "reason": inputs.text("reason", reason, required=False),
        }

        def decide(cause: Cause) -> tuple[UUID, list[Aggregate]]:
            person = self._officer("officer", args["officer"])
            person.leave(args["left_on"], args["reason"], cause)
            return person.id, [person]

        return self._execute("record_leaving", meta, args, decide)

    def open_account(self, username: str, display_name: str, roles: Sequence[str],
                     officer: str | None = None, unit: str | None = None,
                     *, meta: CommandMeta) -> UUID:
        username = inputs.code("username", username)
        roles = [] if isinstance(roles, str) else inputs.listed("roles", roles)
        if not roles:
            raise InvalidInputError("must list at least one role", field="roles")
        args = {
            "username": username,
            "display_name": inputs.text("display_name", display_name, max_length=50),
            "roles": sorted({inputs.choice("roles", Role, r).value for r in roles}),
            "officer": inputs.code("officer", officer) if officer else None,
            "unit": inputs.code("unit", unit) if unit else None,
        }

        def decide(cause: Cause) -> tuple[UUID, list[Aggregate]]:
            self._check_new(Account.create_id(username), "username", f"account {username}")
            officer_id = self._officer("officer", args["officer"]).id if args["officer"] else None
            unit_id = self._unit("unit", args["unit"]).id if args["unit"] else None
            account = Account(
                username=username,
                display_name=args["display_name"],
                roles=[Role(r) for r in args["roles"]],
                officer_id=officer_id,
                unit_id=unit_id,
                cause=cause,
            )
            return account.id, [account]

        return self._execute("open_account", meta, args, decide)

    def grant_role(self, username: str, role: str, *, meta: CommandMeta) -> UUID:
        args = {"username": inputs.code("username", username),
                "role": inputs.choice("role", Role, role).value}

        def decide(cause: Cause) -> tuple[UUID, list[Aggregate]]:
            account = self._account("username", args["username"])
            account.grant(Role(args["role"]), cause)
            return account.id, [account]

        return self._execute("grant_role", meta, args, decide)

    def revoke_role(self, username: str, role: str, reason: str, *, meta: CommandMeta) -> UUID:
        args = {"username": inputs.code("username", username),
                "role": inputs.choice("role", Role, role).value,
                "reason": inputs.text("reason", reason)}

        def decide(cause: Cause) -> tuple[UUID, list[Aggregate]]:
            account = self._account("username", args["username"])
            account.revoke(Role(args["role"]), args["reason"], cause)
            return account.id, [account]

        return self._execute("revoke_role", meta, args, decide)

    def register_outlet(self, code: str, name: str, channel: str, level: str,
                        *, meta: CommandMeta) -> UUID:
        code = inputs.code("code", code)
        args = {
            "code": code,
            "name": inputs.text("name", name, max_length=100),
            "channel": inputs.choice("channel", Channel, channel),
            "level": inputs.choice("level", Level, level),
        }

        def decide(cause: Cause) -> tuple[UUID, list[Aggregate]]:
            self._check_new(Outlet.create_id(code), "code", f"outlet {code}")
            outlet = Outlet(**args, cause=cause)
            return outlet.id, [outlet]

        return self._execute("register_outlet", meta, args, decide)

    # Submissions ---------------------------------------------------------------------

    def draft_submission(
        self,
        title: str,
        channel: str,
        category: str,
        authors: Any,
        event_date: date | str,
        commission: str | None = None,
        research: bool | str = False,
        ref: str | None = None,
        *,
        meta: CommandMeta,
    ) -> UUID:
        args = {
            "title": inputs.text("title", title, max_length=inputs.MAX_TITLE),
            "channel": inputs.choice("channel", Channel, channel),
            "category": inputs.choice("category", Category, category),
            "authors": inputs.author_shares("authors", authors),
            "event_date": self._past_day("event_date", event_date),
            "commission": inputs.uuid("commission", commission) if commission else None,
            "research": inputs.flag("research", research),
            "ref": inputs.code("ref", ref) if ref else None,
        }

        def decide(cause: Cause) -> tuple[UUID, list[Aggregate]]:
            if args["ref"]:
                self._check_new(Submission.create_id(args["ref"]), "ref",
                                f"submission {args['ref']}")
            authors = self._authors(args["authors"])
            lead = self._officer("authors", args["authors"][0][0])
            if lead.left_on is not None:
                raise AuthorNotEnrolledError(
                    f"author {lead.code} left on {lead.left_on.isoformat()}", field="authors"
                )
            if args["commission"]:
                self._load(Commission, args["commission"], "commission")
            submission = Submission(
                ref=args["ref"],
                title=args["title"],
                channel=args["channel"],
                category=args["category"],
                authors=authors,
                unit_id=lead.unit_on(args["event_date"]) or lead.unit_id,
                event_date=args["event_date"],
                commission_id=args["commission"],
                research=args["research"],
                cause=cause,
            )
            return submission.id, [submission]

        return self._execute("draft_submission", meta, args, decide)

    def revise_submission(self, submission_id: UUID | str, title: str, category: str,
                          authors: Any, event_date: date | str, research: bool | str = False,
                          *, meta: CommandMeta) -> UUID:
        args = {
            "submission_id": inputs.uuid("submission_id", submission_id),
            "title": inputs.text("title", title, max_length=inputs.MAX_TITLE),
            "category": inputs.choice("category", Category, category),
            "authors": inputs.author_shares("authors", authors),
            "event_date": self._past_day("event_date", event_date),
            "research": inputs.flag("research", research),
        }

        def decide(cause: Cause) -> tuple[UUID, list[Aggregate]]:
            item = self._submission(args["submission_id"])
            item.revise(args["title"], args["category"], self._authors(args["authors"]),
                        args["event_date"], args["research"], cause)
            return item.id, [item]

        return self._execute("revise_submission", meta, args, decide)

    def submit(self, submission_id: UUID | str, submitted_on: date | str,
               *, meta: CommandMeta) -> UUID:
        args = {
            "submission_id": inputs.uuid("submission_id", submission_id),
            "submitted_on": self._past_day("submitted_on", submitted_on),
        }

        def decide(cause: Cause) -> tuple[UUID, list[Aggregate]]:
            item = self._submission(args["submission_id"])
            day = args["submitted_on"]
            for author in item.authors:
                person = self._load(Officer, author.officer_id, "authors")
                if not person.is_enrolled_on(day):
                    raise AuthorNotEnrolledError(
                        f"author {person.code} was not enrolled on {day.isoformat()}",
                        field="authors",
                    )
            item.submit(day, cause)
            changed: list[Aggregate] = [item]
            if item.commission_id is not None:
                commission = self._load(Commission, item.commission_id, "commission")
                if commission.is_open_for(item.unit_id):
                    commission.fulfil(item.unit_id, item.id, day, cause)
                    changed.append(commission)
            return item.id, changed

        return self._execute("submit", meta, args, decide)

    def approve(self, submission_id: UUID | str, approver: str, approved_at: datetime | str,
                *, meta: CommandMeta) -> UUID:
        args = {
            "submission_id": inputs.uuid("submission_id", submission_id),
            "approver": inputs.code("approver", approver),
            "approved_at": self._past_instant("approved_at", approved_at),
        }

        def decide(cause: Cause) -> tuple[UUID, list[Aggregate]]:
            item = self._submission(args["submission_id"])
            account = self._account("approver", args["approver"])
            if not account.has_role(Role.APPROVER):
                raise NotAuthorisedError(f"{account.username} is not an approver",
                                         field="approver")
            if account.unit_id is not None and account.unit_id != item.unit_id:
                raise NotAuthorisedError(f"{account.username} approves for another unit",
                                         field="approver")
            item.approve(account.username, args["approved_at"], cause)
            return item.id, [item]

        return self._execute("approve", meta, args, decide)

    def return_submission(self, submission_id: UUID | str, reason: str,
                          *, meta: CommandMeta) -> UUID:
        args = {"submission_id": inputs.uuid("submission_id", submission_id),
                "reason": inputs.text("reason", reason)}

        def decide(cause: Cause) -> tuple[UUID, list[Aggregate]]:
            item = self._submission(args["submission_id"])
            item.return_for_revision(args["reason"], cause)
            return item.id, [item]

        return self._execute("return_submission", meta, args, decide)

    def withdraw(self, submission_id: UUID | str, reason: str, *, meta: CommandMeta) -> UUID:
        args = {"submission_id": inputs.uuid("submission_id", submission_id),
                "reason": inputs.text("reason", reason)}

        def decide(cause: Cause) -> tuple[UUID, list[Aggregate]]:
            item = self._submission(args["submission_id"])
            item.withdraw(args["reason"], cause)
            return item.id, [item]

        return self._execute("withdraw", meta, args, decide)

    def send_to_outlet(self, submission_id: UUID | str, outlet: str, route: str,
                       sent_on: date | str, *, meta: CommandMeta) -> UUID:
        args = {
            "submission_id": inputs.uuid("submission_id", submission_id),
            "outlet": inputs.code("outlet", outlet),
            "route": inputs.choice("route", Route, route),
            "sent_on": self._past_day("sent_on", sent_on),
        }

        def decide(cause: Cause) -> tuple[UUID, list[Aggregate]]:
            item = self._submission(args["submission_id"])
            place = self._outlet("outlet", args["outlet"])
            item.send(place.id, place.channel, args["route"], args["sent_on"], cause)
            return item.id, [item]

        return self._execute("send_to_outlet", meta, args, decide)

    def record_adoption(self, submission_id: UUID | str, outlet: str, form: str,
                        adopted_on: date | str, route: str | None = None,
                        *, meta: CommandMeta) -> UUID:
        args = {
            "submission_id": inputs.uuid("submission_id", submission_id),
            "outlet": inputs.code("outlet", outlet),
            "form": inputs.choice("form", Form, form),
            "adopted_on": self._past_day("adopted_on", adopted_on),
            "route": inputs.choice("route", Route, route) if route else None,
        }

        def decide(cause: Cause) -> tuple[UUID, list[Aggregate]]:
            item = self._submission(args["submission_id"])
            place = self._outlet("outlet", args["outlet"])
            item.adopt(place.id, place.channel, args["form"], args["route"], args["adopted_on"],
                       cause)
            return item.id, [item]

        return self._execute("record_adoption", meta, args, decide)

    def record_decline(self, submission_id: UUID | str, outlet: str, declined_on: date | str,
                       reason: str = "", *, meta: CommandMeta) -> UUID:
        args = {
            "submission_id": inputs.uuid("submission_id", submission_id),
            "outlet": inputs.code("outlet", outlet),
            "declined_on": self._past_day("declined_on", declined_on),
            "reason": inputs.text("reason", reason, required=False),
        }

        def decide(cause: Cause) -> tuple[UUID, list[Aggregate]]:
            item = self._submission(args["submission_id"])
            place = self._outlet("outlet", args["outlet"])
            item.decline(place.id, args["declined_on"], args["reason"], cause)
            return item.id, [item]

        return self._execute("record_decline", meta, args, decide)

    def retract_adoption(self, submission_id: UUID | str, outlet: str, reason: str,
                         *, meta: CommandMeta) -> UUID:
        args = {
            "submission_id": inputs.uuid("submission_id", submission_id),
            "outlet": inputs.code("outlet", outlet),
            "reason": inputs.text("reason", reason),
        }

        def decide(cause: Cause) -> tuple[UUID, list[Aggregate]]:
            item = self._submission(args["submission_id"])
            place = self._outlet("outlet", args["outlet"])
            item.retract_adoption(place.id, args["reason"], cause)
            return item.id, [item]

        return self._execute("retract_adoption", meta, args, decide)

    def record_instruction(self, submission_id: UUID | str, leader_level: str, leader: str,
                           instructed_on: date | str, text: str = "",
                           *, meta: CommandMeta) -> int:
        args = {
            "submission_id": inputs.uuid("submission_id", submission_id),
            "leader_level": inputs.choice("leader_level", Level, leader_level),
            "leader": inputs.text("leader", leader, max_length=100),
            "instructed_on": self._past_day("instructed_on", instructed_on),
            "text": inputs.text("text", text, required=False),
        }

        def decide(cause: Cause) -> tuple[int, list[Aggregate]]:
            item = self._submission(args["submission_id"])
            number = item.record_instruction(args["leader_level"], args["leader"],
                                             args["instructed_on"], args["text"], cause)
            return number, [item]

        return self._execute("record_instruction", meta, args, decide, parse=int)

    def record_feedback(self, submission_id: UUID | str, instruction: int | str,
                        fed_back_on: date | str, text: str, *, meta: CommandMeta) -> UUID:
        args = {
            "submission_id": inputs.uuid("submission_id", submission_id),
            "instruction": inputs.whole("instruction", instruction, minimum=1),
            "fed_back_on": self._past_day("fed_back_on", fed_back_on),
            "text": inputs.text("text", text),
        }

        def decide(cause: Cause) -> tuple[UUID, list[Aggregate]]:
            item = self._submission(args["submission_id"])
            item.record_feedback(args["instruction"], args["fed_back_on"], args["text"], cause)
            return item.id, [item]

        return self._execute("record_feedback", meta, args, decide)

    def file_appeal(self, submission_id: UUID | str, officer: str, filed_on: date | str,
                    reason: str, *, meta: CommandMeta) -> int:
        args = {
            "submission_id": inputs.uuid("submission_id", submission_id),
            "officer": inputs.code("officer", officer),
            "filed_on": self._past_day("filed_on", filed_on),
            "reason": inputs.text("reason", reason),
        }

        def decide(cause: Cause) -> tuple[int, list[Aggregate]]:
            item = self._submission(args["submission_id"])
            person = self._officer("officer", args["officer"])
            number = item.file_appeal(person.id, args["filed_on"], args["reason"], cause)
            return number, [item]

        return self._execute("file_appeal", meta, args, decide, parse=int)

    def decide_appeal(self, submission_id: UUID | str, appeal: int | str, upheld: bool | str,
                      decided_on: date | str, reason: str, *, meta: CommandMeta) -> UUID:
        args = {
            "submission_id": inputs.uuid("submission_id", submission_id),
            "appeal": inputs.whole("appeal", appeal, minimum=1),
            "upheld": inputs.flag("upheld", upheld),
            "decided_on": self._past_day("decided_on", decided_on),
            "reason": inputs.text("reason", reason),
        }

        def decide(cause: Cause) -> tuple[UUID, list[Aggregate]]:
            item = self._submission(args["submission_id"])
            item.decide_appeal(args["appeal"], args["upheld"], args["decided_on"],
                               args["reason"], cause)
            return item.id, [item]

        return self._execute("decide_appeal", meta, args, decide)

    # Commissions ---------------------------------------------------------------------

    def issue_commission(self, topic: str, units: Sequence[str], issued_on: date | str,
                         deadline: date | str, ref: str | None = None,
                         *, meta: CommandMeta) -> UUID:
        if isinstance(units, str):
            units = [u for u in units.split(";") if u.strip()]
        units = inputs.listed("units", units)
        if not units:
            raise InvalidInputError("must list at least one unit", field="units")
        args = {
            "topic": inputs.text("topic", topic, max_length=inputs.MAX_TITLE),
            "units": sorted({inputs.code("units", u) for u in units}),
            "issued_on": self._past_day("issued_on", issued_on),
            "deadline": inputs.day("deadline", deadline),
            "ref": inputs.code("ref", ref) if ref else None,
        }
        if args["deadline"] < args["issued_on"]:
            raise InvalidInputError("the deadline precedes the issue date", field="deadline")

        def decide(cause: Cause) -> tuple[UUID, list[Aggregate]]:
            if args["ref"]:
                self._check_new(Commission.create_id(args["ref"]), "ref",
                                f"commission {args['ref']}")
            unit_ids = [self._unit("units", u).id for u in args["units"]]
            commission = Commission(ref=args["ref"], topic=args["topic"], unit_ids=unit_ids,
                                    issued_on=args["issued_on"], deadline=args["deadline"],
                                    cause=cause)
            return commission.id, [commission]

        return self._execute("issue_commission", meta, args, decide)

    def record_lapse(self, commission_id: UUID | str, unit: str, lapsed_on: date | str,
                     *, meta: CommandMeta) -> UUID:
        args = {
            "commission_id": inputs.uuid("commission_id", commission_id),
            "unit": inputs.code("unit", unit),
            "lapsed_on": self._past_day("lapsed_on", lapsed_on),
        }

        def decide(cause: Cause) -> tuple[UUID, list[Aggregate]]:
            commission = self._load(Commission, args["commission_id"], "commission_id")
            commission.lapse(self._unit("unit", args["unit"]).id, args["lapsed_on"], cause)
            return commission.id, [commission]

        return self._execute("record_lapse", meta, args, decide)

    # Targets -------------------------------------------------------------------------

    def set_target(self, holder_kind: str, holder: str, year: int | str,
                   items: int | str | None = None, points: Any = None,
                   monthly_items: Sequence[int] | None = None,
                   monthly_points: Sequence[Any] | None = None, *, meta: CommandMeta) -> UUID:
        args = self._target_args(holder_kind, holder, year, items, points, monthly_items,
                                 monthly_points)

        def decide(cause: Cause) -> tuple[UUID, list[Aggregate]]:
            holder_id = self._holder_id(args["holder_kind"], args["holder"])
            target_id = Target.create_id(args["holder_kind"], holder_id, args["year"])
            self._check_new(target_id, "year", f"a {args['year']} target for {args['holder']}")
            target = Target(holder_kind=args["holder_kind"], holder_id=holder_id,
                            year=args["year"], items=args["items"], points=args["points"],
                            monthly_items=args["monthly_items"],
                            monthly_points=args["monthly_points"], cause=cause)
            return target.id, [target]

        return self._execute("set_target", meta, args, decide)

    def adjust_target(self, holder_kind: str, holder: str, year: int | str,
                      items: int | str | None, points: Any, reason: str,
                      monthly_items: Sequence[int] | None = None,
                      monthly_points: Sequence[Any] | None = None,
                      *, meta: CommandMeta) -> UUID:
        args = self._target_args(holder_kind, holder, year, items, points, monthly_items,
                                 monthly_points)
        args["reason"] = inputs.text("reason", reason)

        def decide(cause: Cause) -> tuple[UUID, list[Aggregate]]:
            holder_id = self._holder_id(args["holder_kind"], args["holder"])
            target = self._load(
                Target, Target.create_id(args["holder_kind"], holder_id, args["year"]), "year"
            )
            target.adjust(items=args["items"], points=args["points"],
                          monthly_items=args["monthly_items"],
                          monthly_points=args["monthly_points"], reason=args["reason"],
                          cause=cause)
            return target.id, [target]

        return self._execute("adjust_target", meta, args, decide)

    def _target_args(self, holder_kind: str, holder: str, year: int | str, items: Any,
                     points: Any, monthly_items: Sequence[int] | None,
                     monthly_points: Sequence[Any] | None) -> dict[str, Any]:
        args: dict[str, Any] = {
            "holder_kind": inputs.choice("holder_kind", HolderKind, holder_kind),
            "holder": inputs.code("holder", holder),
            "year": inputs.whole("year", year, minimum=2000, maximum=2100),
            "items": None if items in (None, "") else inputs.whole("items", items),
            "points": None if points in (None, "") else inputs.amount("points", points),
        }
        points_value = args["points"]
        if points_value is not None and points_value != points_value.quantize(Decimal("0.01")):
            raise InvalidInputError("points have at most two decimal places", field="points")
        if args["items"] is None and args["points"] is None:
            raise InvalidInputError("a target needs items, points or both", field="items")
        if monthly_items is not None:
            parts = [inputs.whole("monthly_items", part)
                     for part in inputs.listed("monthly_items", monthly_items)]
            check_monthly("monthly_items", parts, args["items"])
            args["monthly_items"] = parts
        else:
            args["monthly_items"] = even_split(args["items"]) if args["items"] else None
        if monthly_points is not None:
            amounts = [inputs.amount("monthly_points", part)
                       for part in inputs.listed("monthly_points", monthly_points)]
            check_monthly("monthly_points", amounts, args["points"])
            args["monthly_points"] = amounts
        else:
            args["monthly_points"] = (
                even_split_amount(args["points"]) if args["points"] else None
            )
        return args

    # Queries -------------------------------------------------------------------------

    def today(self) -> date:
        return self.clock().astimezone(self.zone).date()

    def get_submission(self, submission_id: UUID | str) -> dict[str, Any]:
        item = self._submission(inputs.uuid("submission_id", submission_id))
        return {
            "id": str(item.id),
            "ref": item.ref,
            "title": item.title,
            "channel": item.channel.value,
            "category": item.category.value,
            "status": item.status.value,
            "authors": [
                {"officer_id": str(a.officer_id),
                 "share": str(a.share) if a.share is not None else None}
                for a in item.authors
            ],
            "unit_id": str(item.unit_id),
            "event_date": item.event_date.isoformat(),
            "submitted_on": item.submitted_on.isoformat() if item.submitted_on else None,
            "approved_by": item.approved_by,
            "adoptions": [
                {"outlet_id": str(a.outlet_id), "form": a.form.value, "route": a.route.value,
                 "adopted_on": a.adopted_on.isoformat(), "retracted": a.retracted}
                for a in item.outcomes.adoptions
            ],
            "instructions": len(item.instructions),
            "version": item.version,
        }

    def officer_unit_on(self, officer: str, day: date | str) -> str | None:
        person = self._officer("officer", inputs.code("officer", officer))
        unit_id = person.unit_on(inputs.day("day", day))
        return self._load(Unit, unit_id, "unit").code if unit_id else None

    def position_at(self, when: datetime | str) -> int:
        """The last notification id recorded at or before ``when``."""
        moment = inputs.instant("as_of", when, zone=self.zone, end_of_day=True)
        return self.recorder.max_notification_id_at(moment)  # type: ignore[attr-defined]

    # Plumbing ------------------------------------------------------------------------

    def _execute(
        self,
        command: str,
        meta: CommandMeta,
        args: dict[str, Any],
        decide: Callable[[Cause], tuple[R, list[Aggregate]]],
        parse: Callable[[str], Any] = UUID,
    ) -> R:
        """Run ``decide`` and save its aggregates in one transaction, with the idempotency
        record if a key is given; retry a bounded number of times when another writer wins."""
        cause = self._cause(meta)
        key = inputs.text("idempotency_key", meta.idempotency_key, max_length=200,
                          required=False) or None
        fingerprint = hashlib.sha256(
            json.dumps([command, args], sort_keys=True, default=str).encode()
        ).hexdigest()
        for attempt in range(MAX_ATTEMPTS):
            if key is not None:
                earlier = self._earlier_result(key, command, fingerprint)
                if earlier is not None:
                    return parse(earlier)  # type: ignore[no-any-return]
            result, changed = decide(cause)
            if key is not None:
                changed.append(CommandRecord(key=key, command=command, fingerprint=fingerprint,
                                             result=str(result), cause=cause))
            try:
                self.save(*changed)
            except IntegrityError:
                time.sleep(random.uniform(0, 0.01 * 2**attempt))  # noqa: S311
                continue
            return result
        raise ConflictError(
            f"{command}: other writers changed the same records {MAX_ATTEMPTS} times; "
            "nothing was recorded, try again",
            field=None,
        )

    def _earlier_result(self, key: str, command: str, fingerprint: str) -> str | None:
        try:
            record = self.repository.get(CommandRecord.create_id(key))
        except AggregateNotFoundError:
            return None
        assert isinstance(record, CommandRecord)
        if record.command != command or record.fingerprint != fingerprint:
            raise IdempotencyKeyReusedError(
                f"this key was used for another {record.command} request",
                field="idempotency_key",
            )
        return record.result

    def _cause(self, meta: CommandMeta) -> Cause:
        actor = inputs.text("actor", meta.actor, max_length=64)
        correlation_id = inputs.text("correlation_id", meta.correlation_id, max_length=100,
                                     required=False) or str(uuid4())
        known_at = None
        if meta.known_at is not None:
            known_at = inputs.instant("known_at", meta.known_at, zone=self.zone)
            if known_at > self.clock() + timedelta(minutes=5):
                raise InvalidInputError("must not be in the future", field="known_at")
        return Cause(actor=actor, correlation_id=correlation_id, known_at=known_at)

    def _past_day(self, field: str, value: Any) -> date:
        day = inputs.day(field, value)
        if day > self.today():
            raise InvalidInputError(
                f"{day.isoformat()} is in the future (today is {self.today().isoformat()})",
                field=field,
            )
        return day

    def _past_instant(self, field: str, value: Any) -> datetime:
        moment = inputs.instant(field, value, zone=self.zone).astimezone(self.zone)
        if moment > self.clock() + timedelta(minutes=5):
            raise InvalidInputError("must not be in the future", field=field)
        return moment

    def _check_new(self, aggregate_id: UUID, field: str, what: str) -> None:
        if aggregate_id in self.repository:
            raise AlreadyExistsError(f"{what} already exists", field=field)

    def _load(self, kind: type[A], aggregate_id: UUID, field: str) -> A:
        try:
            aggregate = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            raise NotFoundError(f"no {kind.__name__.lower()} {aggregate_id}", field=field) from None
        if not isinstance(aggregate, kind):
            raise NotFoundError(f"no {kind.__name__.lower()} {aggregate_id}", field=field)
        return aggregate

    def _by_code(self, kind: type[A], field: str, code: str) -> A:
        try:
            return self._load(kind, derived_id(kind.__name__.lower(), code), field)
        except NotFoundError:
            raise NotFoundError(f"no {kind.__name__.lower()} {code}", field=field) from None

    def _unit(self, field: str, code: str) -> Unit:
        return self._by_code(Unit, field, code)

    def _officer(self, field: str, code: str) -> Officer:
        return self._by_code(Officer, field, code)

    def _outlet(self, field: str, code: str) -> Outlet:
        return self._by_code(Outlet, field, code)

    def _account(self, field: str, username: str) -> Account:
        return self._by_code(Account, field, username)

    def _submission(self, submission_id: UUID) -> Submission:
        return self._load(Submission, submission_id, "submission_id")

    def _holder_id(self, holder_kind: HolderKind, code: str) -> UUID:
        if holder_kind is HolderKind.OFFICER:
            return self._officer("holder", code).id
        return self._unit("holder", code).id

    def _authors(self, shares: list[tuple[str, Any]]) -> list[Author]:
        return [Author(officer_id=self._officer("authors", code).id, share=share)
                for code, share in shares]


__all__ = ["CommandMeta", "Tally"]
