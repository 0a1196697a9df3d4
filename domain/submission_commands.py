"""Commands on items: drafting, sign-off, outlets, instructions and appeals."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain import inputs
from domain.commission import Commission
from domain.errors import (
    AuthorNotEnrolledError,
    InvalidInputError,
    NotAuthorisedError,
)
from domain.identity import created
from domain.officer import Officer
from domain.submission import Submission
from domain.unchanged import Unchanged
from domain.values import Author, Category, Cause, Channel, Form, Level, Role, Route

if TYPE_CHECKING:
    from domain.application import CommandMeta


class SubmissionCommands:
    """Mixed into ``Tally``."""

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
        submission_id: UUID | str | None = None,
        *,
        meta: CommandMeta,
    ) -> UUID:
        """``submission_id``: the id of an item recorded without a reference in the store a
        ledger was exported from (a ledger import keeps it); otherwise the item's id is
        derived from ``ref``, or new."""
        args = {
            "title": inputs.text("title", title, max_length=inputs.MAX_TITLE),
            "channel": inputs.choice("channel", Channel, channel),
            "category": inputs.choice("category", Category, category),
            "authors": inputs.author_shares("authors", authors),
            "event_date": self._past_day("event_date", event_date),
            "commission": inputs.uuid("commission", commission) if commission else None,
            "research": inputs.flag("research", research),
            "ref": inputs.code("ref", ref) if ref else None,
            "submission_id": inputs.given_id("submission_id", submission_id, ref),
        }

        def decide(cause: Cause) -> tuple[UUID, list[Aggregate | Unchanged]]:
            if args["ref"]:
                self._check_new(Submission.create_id(args["ref"]), "ref",
                                f"submission {args['ref']}")
            if args["submission_id"]:
                self._check_new(args["submission_id"], "submission_id",
                                f"submission {args['submission_id']}")
            people = [self._officer("authors", code) for code, _ in args["authors"]]
            authors = [Author(officer_id=person.id, share=share)
                       for person, (_, share) in zip(people, args["authors"], strict=True)]
            lead = people[0]
            if lead.left_on is not None:
                raise AuthorNotEnrolledError(
                    f"author {lead.code} left on {lead.left_on.isoformat()}", field="authors"
                )
            if args["commission"]:
                self._load(Commission, args["commission"], "commission")
            submission = created(
                Submission, Submission.Drafted, args["submission_id"],
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
            # not by a lead author who left (or moved) meanwhile
            return submission.id, [submission, Unchanged.read(lead)]

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

        def decide(cause: Cause) -> tuple[UUID, list[Aggregate | Unchanged]]:
            item = self._submission(args["submission_id"])
            day = args["submitted_on"]
            authors = [self._load(Officer, author.officer_id, "authors")
                       for author in item.authors]
            for person in authors:
                if not person.is_enrolled_on(day):
                    raise AuthorNotEnrolledError(
                        f"author {person.code} was not enrolled on {day.isoformat()}",
                        field="authors",
                    )
            item.submit(day, cause)
            changed: list[Aggregate | Unchanged] = [item]
            if item.commission_id is not None:
                commission = self._load(Commission, item.commission_id, "commission")
                if commission.is_open_for(item.unit_id):
                    commission.fulfil(item.unit_id, item.id, day, cause)
                    changed.append(commission)
            # not by authors who left meanwhile
            return item.id, [*changed, Unchanged.read(*authors)]

        return self._execute("submit", meta, args, decide)

    def approve(self, submission_id: UUID | str, approver: str, approved_at: datetime | str,
                *, meta: CommandMeta) -> UUID:
        args = {
            "submission_id": inputs.uuid("submission_id", submission_id),
            "approver": inputs.code("approver", approver),
            "approved_at": self._past_instant("approved_at", approved_at),
        }

        def decide(cause: Cause) -> tuple[UUID, list[Aggregate | Unchanged]]:
            item = self._submission(args["submission_id"])
            account = self._account("approver", args["approver"])
            if not account.has_role(Role.APPROVER):
                raise NotAuthorisedError(f"{account.username} is not an approver",
                                         field="approver")
            if account.unit_id is not None and account.unit_id != item.unit_id:
                raise NotAuthorisedError(f"{account.username} approves for another unit",
                                         field="approver")
            item.approve(account.username, args["approved_at"], cause)
            # not if the account lost its role (or was closed) meanwhile
            return item.id, [item, Unchanged.read(account)]

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
        item_id = inputs.uuid("submission_id", submission_id)
        return self._on_item("record_adoption", item_id,
                             self._adoption(outlet, form, adopted_on, route), meta)

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
        item_id = inputs.uuid("submission_id", submission_id)
        return self._on_item("retract_adoption", item_id, self._retraction(outlet, reason),
                             meta)

    def record_instruction(self, submission_id: UUID | str, leader_level: str, leader: str,
                           instructed_on: date | str, text: str = "",
                           *, meta: CommandMeta) -> int:
        item_id = inputs.uuid("submission_id", submission_id)
        return self._on_item("record_instruction", item_id,
                             self._instruction(leader_level, leader, instructed_on, text), meta)

    def record_feedback(self, submission_id: UUID | str, instruction: int | str,
                        fed_back_on: date | str, text: str, *, meta: CommandMeta) -> UUID:
        item_id = inputs.uuid("submission_id", submission_id)
        return self._on_item("record_feedback", item_id,
                             self._feedback(instruction, fed_back_on, text), meta)

    # The changes to an item that an upheld appeal may record as its correction -------

    def _on_item(self, command: str, item_id: UUID, step: ItemStep, meta: CommandMeta) -> Any:
        args = {"submission_id": item_id, **step.args}

        def decide(cause: Cause) -> tuple[Any, list[Aggregate]]:
            item = self._submission(item_id)
            return step.apply(item, cause), [item]

        return self._execute(command, meta, args, decide, step.parse)

    def _adoption(self, outlet: str, form: str, adopted_on: date | str,
                  route: str | None = None) -> ItemStep:
        args = {
            "outlet": inputs.code("outlet", outlet),
            "form": inputs.choice("form", Form, form),
            "adopted_on": self._past_day("adopted_on", adopted_on),
            "route": inputs.choice("route", Route, route) if route else None,
        }

        def apply(item: Submission, cause: Cause) -> UUID:
            place = self._outlet("outlet", args["outlet"])
            item.adopt(place.id, place.channel, args["form"], args["route"], args["adopted_on"],
                       cause)
            return item.id

        return ItemStep(args, apply)

    def _retraction(self, outlet: str, reason: str) -> ItemStep:
        args = {"outlet": inputs.code("outlet", outlet), "reason": inputs.text("reason", reason)}

        def apply(item: Submission, cause: Cause) -> UUID:
            item.retract_adoption(self._outlet("outlet", args["outlet"]).id, args["reason"],
                                  cause)
            return item.id

        return ItemStep(args, apply)

    def _instruction(self, leader_level: str, leader: str, instructed_on: date | str,
                     text: str = "") -> ItemStep:
        args = {
            "leader_level": inputs.choice("leader_level", Level, leader_level),
            "leader": inputs.text("leader", leader, max_length=100),
            "instructed_on": self._past_day("instructed_on", instructed_on),
            "text": inputs.text("text", text, required=False),
        }

        def apply(item: Submission, cause: Cause) -> int:
            return item.record_instruction(args["leader_level"], args["leader"],
                                           args["instructed_on"], args["text"], cause)

        return ItemStep(args, apply, parse=int)

    def _feedback(self, instruction: int | str, fed_back_on: date | str, text: str) -> ItemStep:
        args = {
            "instruction": inputs.whole("instruction", instruction, minimum=1),
            "fed_back_on": self._past_day("fed_back_on", fed_back_on),
            "text": inputs.text("text", text),
        }

        def apply(item: Submission, cause: Cause) -> UUID:
            item.record_feedback(args["instruction"], args["fed_back_on"], args["text"], cause)
            return item.id

        return ItemStep(args, apply)

    def _correction(self, correction: Any) -> tuple[str, ItemStep]:
        """An upheld appeal's correction, ``(command, its arguments after the item)``,
        checked against the command's own parameters."""
        if (not isinstance(correction, (tuple, list)) or len(correction) != 2
                or correction[0] not in CORRECTIONS or not isinstance(correction[1], dict)):
            raise InvalidInputError(f"must be one of: {', '.join(CORRECTIONS)}",
                                    field="correction")
        command, arguments = correction
        make = getattr(self, CORRECTIONS[command])
        parameters = inspect.signature(make).parameters
        unknown = sorted(set(arguments) - set(parameters))
        missing = [name for name, parameter in parameters.items()
                   if parameter.default is inspect.Parameter.empty and name not in arguments]
        if unknown or missing:
            problem = (f"takes no {', '.join(unknown)}" if unknown
                       else f"needs {', '.join(missing)}")
            raise InvalidInputError(f"{command} {problem} (it takes: {', '.join(parameters)})",
                                    field="correction")
        return command, make(**arguments)

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
                      decided_on: date | str, reason: str,
                      correction: tuple[str, dict[str, Any]] | None = None,
                      *, meta: CommandMeta) -> UUID | int:
        """Decide an appeal. An upheld one may name its correction, ``(command, arguments)``
        of one of ``CORRECTIONS``: the correcting fact and the decision are then saved
        together, or neither is. Returns the correction's result (an instruction's number,
        or the item's id), or the item's id when there is none."""
        args = {
            "submission_id": inputs.uuid("submission_id", submission_id),
            "appeal": inputs.whole("appeal", appeal, minimum=1),
            "upheld": inputs.flag("upheld", upheld),
            "decided_on": self._past_day("decided_on", decided_on),
            "reason": inputs.text("reason", reason),
        }
        step: ItemStep | None = None
        if correction is not None:
            if not args["upheld"]:
                raise InvalidInputError("a dismissed appeal corrects nothing",
                                        field="correction")
            command, step = self._correction(correction)
            args["correction"] = [command, step.args]

        def decide(cause: Cause) -> tuple[UUID | int, list[Aggregate]]:
            item = self._submission(args["submission_id"])
            # what the decision would refuse is refused before the correction changes the item
            item.decidable_appeal(args["appeal"], args["decided_on"])
            corrected = step.apply(item, cause) if step is not None else item.id
            item.decide_appeal(args["appeal"], args["upheld"], args["decided_on"],
                               args["reason"], cause)
            return corrected, [item]

        return self._execute("decide_appeal", meta, args, decide,
                             UUID if step is None else step.parse)


@dataclass(frozen=True)
class ItemStep:
    """A change to one item: its checked arguments, and what applies them to the item (its
    guards run before its event, so a refused step leaves the item as it was)."""

    args: dict[str, Any]
    apply: Callable[[Submission, Cause], Any]
    parse: Callable[[str], Any] = UUID


#: The commands an upheld appeal may record as its correction, each with the step it takes.
CORRECTIONS = {"record_adoption": "_adoption", "retract_adoption": "_retraction",
               "record_instruction": "_instruction", "record_feedback": "_feedback"}
