"""Submissions: items drafted by officers, signed off in the unit, sent out and adopted."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate, event

from domain.errors import (
    AdoptionBeforeSubmissionError,
    AlreadyAdoptedError,
    ChannelMismatchError,
    InvalidInputError,
    NotAdoptableError,
    NotFoundError,
    WrongStateError,
)
from domain.identity import derived_id
from domain.values import Author, Category, Cause, Channel, Form, Level, Route


class Status(Enum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    RETURNED = "returned"
    WITHDRAWN = "withdrawn"


@dataclass
class Adoption:
    outlet_id: UUID
    form: Form
    route: Route
    adopted_on: date
    retracted: bool = False


@dataclass
class Instruction:
    number: int
    leader_level: Level
    instructed_on: date
    feedback_on: date | None = None


@dataclass
class Appeal:
    number: int
    officer_id: UUID
    decided: bool = False
    upheld: bool | None = None
    filed_on: date | None = None


@dataclass
class Outcomes:
    """What outlets did with the item, keyed by outlet id."""

    sent: dict[UUID, Route] = field(default_factory=dict)
    adoptions: list[Adoption] = field(default_factory=list)
    declined: set[UUID] = field(default_factory=set)

    def active_adoption(self, outlet_id: UUID) -> Adoption | None:
        for adoption in self.adoptions:
            if adoption.outlet_id == outlet_id and not adoption.retracted:
                return adoption
        return None


class Submission(Aggregate):
    @staticmethod
    def create_id(ref: str | None = None, **_: Any) -> UUID:
        return derived_id("submission", ref) if ref else uuid4()

    @event("Drafted")
    def __init__(
        self,
        ref: str | None,
        title: str,
        channel: Channel,
        category: Category,
        authors: list[Author],
        unit_id: UUID,
        event_date: date,
        commission_id: UUID | None,
        research: bool,
        cause: Cause,
    ):
        self.ref = ref
        self.title = title
        self.channel = channel
        self.category = category
        self.authors = list(authors)
        self.unit_id = unit_id
        self.event_date = event_date
        self.commission_id = commission_id
        self.research = research
        self.status = Status.DRAFT
        self.submitted_on: date | None = None
        self.approved_by: str | None = None
        self.approved_at: datetime | None = None
        self.outcomes = Outcomes()
        self.instructions: list[Instruction] = []
        self.appeals: list[Appeal] = []

    # Drafting and sign-off ------------------------------------------------------------

    def revise(
        self,
        title: str,
        category: Category,
        authors: list[Author],
        event_date: date,
        research: bool,
        cause: Cause,
    ) -> None:
        self.check_status(Status.DRAFT, Status.RETURNED, action="revise")
        self._revised(
            title=title,
            category=category,
            authors=authors,
            event_date=event_date,
            research=research,
            cause=cause,
        )

    @event("Revised")
    def _revised(
        self,
        title: str,
        category: Category,
        authors: list[Author],
        event_date: date,
        research: bool,
        cause: Cause,
    ) -> None:
        self.title = title
        self.category = category
        self.authors = list(authors)
        self.event_date = event_date
        self.research = research

    def submit(self, submitted_on: date, cause: Cause) -> None:
        self.check_status(Status.DRAFT, Status.RETURNED, action="submit")
        self._submitted(submitted_on=submitted_on, cause=cause)

    @event("Submitted")
    def _submitted(self, submitted_on: date, cause: Cause) -> None:
        self.status = Status.SUBMITTED
        self.submitted_on = submitted_on

    def approve(self, approver: str, approved_at: datetime, cause: Cause) -> None:
        self.check_status(Status.SUBMITTED, action="approve")
        assert self.submitted_on is not None
        if approved_at.date() < self.submitted_on:
            raise InvalidInputError(
                f"approval cannot precede submission on {self.submitted_on.isoformat()}",
                field="approved_at",
            )
        self._approved(approver=approver, approved_at=approved_at, cause=cause)

    @event("Approved")
    def _approved(self, approver: str, approved_at: datetime, cause: Cause) -> None:
        self.status = Status.APPROVED
        self.approved_by = approver
        self.approved_at = approved_at

    def return_for_revision(self, reason: str, cause: Cause) -> None:
        self.check_status(Status.SUBMITTED, action="return")
        self._returned(reason=reason, cause=cause)

    @event("Returned")
    def _returned(self, reason: str, cause: Cause) -> None:
        self.status = Status.RETURNED

    def withdraw(self, reason: str, cause: Cause) -> None:
        self.check_status(
            Status.DRAFT, Status.SUBMITTED, Status.RETURNED, Status.APPROVED, action="withdraw"
        )
        if any(not a.retracted for a in self.outcomes.adoptions):
            raise WrongStateError("an adopted item cannot be withdrawn", field="submission_id")
        self._withdrawn(reason=reason, cause=cause)

    @event("Withdrawn")
    def _withdrawn(self, reason: str, cause: Cause) -> None:
        self.status = Status.WITHDRAWN

    # Outlets -----------------------------------------------------------------------

    def send(self, outlet_id: UUID, outlet_channel: Channel, route: Route, sent_on: date,
             cause: Cause) -> None:
        self.check_status(Status.APPROVED, action="send")
        self.check_channel(outlet_channel)
        self.check_not_before_submission(sent_on, field="sent_on")
        if outlet_id in self.outcomes.sent:
            raise WrongStateError("the item was already sent to this outlet", field="outlet")
        self._sent(outlet_id=outlet_id, route=route, sent_on=sent_on, cause=cause)

    @event("SentToOutlet")
    def _sent(self, outlet_id: UUID, route: Route, sent_on: date, cause: Cause) -> None:
        self.outcomes.sent[outlet_id] = route

    def adopt(
        self,
        outlet_id: UUID,
        outlet_channel: Channel,
        form: Form,
        route: Route | None,
        adopted_on: date,
        cause: Cause,
    ) -> None:
        self.check_adoptable()
        self.check_channel(outlet_channel)
        if self.outcomes.active_adoption(outlet_id) is not None:
            raise AlreadyAdoptedError("this outlet has already adopted the item", field="outlet")
        assert self.submitted_on is not None
        if adopted_on < self.submitted_on:
            raise AdoptionBeforeSubmissionError(
                f"adoption on {adopted_on.isoformat()} precedes submission on "
                f"{self.submitted_on.isoformat()}",
                field="adopted_on",
            )
        if route is None:
            route = self.outcomes.sent.get(outlet_id, Route.DIRECT)
        self._adopted(outlet_id=outlet_id, form=form, route=route, adopted_on=adopted_on,
                      cause=cause)

    @event("Adopted")
    def _adopted(self, outlet_id: UUID, form: Form, route: Route, adopted_on: date,
                 cause: Cause) -> None:
        self.outcomes.adoptions.append(Adoption(outlet_id, form, route, adopted_on))
        self.outcomes.declined.discard(outlet_id)

    def decline(self, outlet_id: UUID, declined_on: date, reason: str, cause: Cause) -> None:
        self.check_status(Status.APPROVED, action="decline")
        self.check_not_before_submission(declined_on, field="declined_on")
        if self.outcomes.active_adoption(outlet_id) is not None:
            raise WrongStateError("this outlet has adopted the item; retract it first",
                                  field="outlet")
        self._declined(outlet_id=outlet_id, declined_on=declined_on, reason=reason, cause=cause)

    @event("Declined")
    def _declined(self, outlet_id: UUID, declined_on: date, reason: str, cause: Cause) -> None:
        self.outcomes.declined.add(outlet_id)

    def retract_adoption(self, outlet_id: UUID, reason: str, cause: Cause) -> None:
        if self.outcomes.active_adoption(outlet_id) is None:
            raise NotFoundError("this outlet has no adoption of the item to retract",
                                field="outlet")
        self._adoption_retracted(outlet_id=outlet_id, reason=reason, cause=cause)

    @event("AdoptionRetracted")
    def _adoption_retracted(self, outlet_id: UUID, reason: str, cause: Cause) -> None:
        adoption = self.outcomes.active_adoption(outlet_id)
        assert adoption is not None
        adoption.retracted = True

    # Leader instructions -------------------------------------------------------------

    def record_instruction(
        self, leader_level: Level, leader: str, instructed_on: date, text: str, cause: Cause
    ) -> int:
        self.check_status(Status.APPROVED, action="record an instruction on")
        self.check_not_before_submission(instructed_on, field="instructed_on")
        number = len(self.instructions) + 1
        self._instruction_recorded(
            number=number,
            leader_level=leader_level,
            leader=leader,
            instructed_on=instructed_on,
            text=text,
            cause=cause,
        )
        return number

    @event("InstructionRecorded")
    def _instruction_recorded(
        self,
        number: int,
        leader_level: Level,
        leader: str,
        instructed_on: date,
        text: str,
        cause: Cause,
    ) -> None:
        self.instructions.append(Instruction(number, leader_level, instructed_on))

    def record_feedback(self, number: int, fed_back_on: date, text: str, cause: Cause) -> None:
        instruction = self.instruction(number)
        if instruction.feedback_on is not None:
            raise WrongStateError("feedback on this instruction was already recorded",
                                  field="instruction")
        if fed_back_on < instruction.instructed_on:
            raise InvalidInputError("feedback cannot precede the instruction",
                                    field="fed_back_on")
        self._feedback_recorded(number=number, fed_back_on=fed_back_on, text=text, cause=cause)

    @event("InstructionFeedbackRecorded")
    def _feedback_recorded(self, number: int, fed_back_on: date, text: str, cause: Cause) -> None:
        self.instruction(number).feedback_on = fed_back_on

    def instruction(self, number: int) -> Instruction:
        for instruction in self.instructions:
            if instruction.number == number:
                return instruction
        raise NotFoundError(f"no instruction number {number} on this item", field="instruction")

    # Appeals -----------------------------------------------------------------------

    def file_appeal(self, officer_id: UUID, filed_on: date, reason: str, cause: Cause) -> int:
        if officer_id not in {a.officer_id for a in self.authors}:
            raise InvalidInputError("only an author of the item can appeal its score",
                                    field="officer")
        number = len(self.appeals) + 1
        self._appeal_filed(number=number, officer_id=officer_id, filed_on=filed_on,
                           reason=reason, cause=cause)
        return number

    @event("AppealFiled")
    def _appeal_filed(self, number: int, officer_id: UUID, filed_on: date, reason: str,
                      cause: Cause) -> None:
        self.appeals.append(Appeal(number, officer_id, filed_on=filed_on))

    def decidable_appeal(self, number: int, decided_on: date) -> Appeal:
        """The appeal, if it may be decided on that day; the refusal otherwise."""
        appeal = next((a for a in self.appeals if a.number == number), None)
        if appeal is None:
            raise NotFoundError(f"no appeal number {number} on this item", field="appeal")
        if appeal.decided:
            raise WrongStateError("this appeal was already decided", field="appeal")
        if appeal.filed_on is not None and decided_on < appeal.filed_on:
            raise InvalidInputError("an appeal cannot be decided before it was filed",
                                    field="decided_on")
        return appeal

    def decide_appeal(self, number: int, upheld: bool, decided_on: date, reason: str,
                      cause: Cause) -> None:
        self.decidable_appeal(number, decided_on)
        self._appeal_decided(number=number, upheld=upheld, decided_on=decided_on,
                             reason=reason, cause=cause)

    @event("AppealDecided")
    def _appeal_decided(self, number: int, upheld: bool, decided_on: date, reason: str,
                        cause: Cause) -> None:
        appeal = next(a for a in self.appeals if a.number == number)
        appeal.decided = True
        appeal.upheld = upheld

    # Guards ------------------------------------------------------------------------

    def check_status(self, *allowed: Status, action: str) -> None:
        if self.status not in allowed:
            raise WrongStateError(f"cannot {action} an item that is {self.status.value}",
                                  field="submission_id")

    def check_adoptable(self) -> None:
        if self.status is not Status.APPROVED:
            raise NotAdoptableError(
                f"an item that is {self.status.value} cannot be adopted", field="submission_id"
            )

    def check_channel(self, outlet_channel: Channel) -> None:
        if outlet_channel is not self.channel:
            raise ChannelMismatchError(
                f"a {outlet_channel.value} outlet cannot take a {self.channel.value} item",
                field="outlet",
            )

    def check_not_before_submission(self, day: date, *, field: str) -> None:
        assert self.submitted_on is not None
        if day < self.submitted_on:
            raise InvalidInputError(
                f"{field} precedes submission on {self.submitted_on.isoformat()}", field=field
            )
