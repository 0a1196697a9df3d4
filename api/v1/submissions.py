"""Items (稿件): drafting, sign-off, outlets' decisions, instructions, appeals; one and the list.

Officers draft, revise, submit and withdraw their own items and appeal their scores; approvers
sign off their unit's; editors record what the outlets and leaders did; administrators decide
appeals. Officers and approvers see their own unit's items only."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from api.deps import ApiMeta, ApiPrincipal, ServicesDep
from api.policy import Principal, allow, check_draft_authors, check_item
from api.services import Services
from api.v1.common import Channel, Code, CommandResult, Level, Note, Numbered, Reason, Title
from domain import inputs
from domain.errors import NotAuthorisedError, NotFoundError
from domain.submission import Status
from workflows import appeals

router = APIRouter(prefix="/submissions", tags=["submissions"])

Category = Literal["new_measure", "important_situation", "typical_experience", "other"]
Form = Literal["full", "merged", "excerpt"]
Route = Literal["direct", "forwarded"]


class AuthorShare(BaseModel):
    officer: Code
    share: Decimal | None = Field(None, gt=0, le=1)


Authors = Annotated[list[AuthorShare], Field(min_length=1, max_length=20)]


def author_list(authors: list[AuthorShare]) -> list[dict[str, Any]]:
    return [{"officer": a.officer, "share": None if a.share is None else str(a.share)}
            for a in authors]


class SubmissionDraft(BaseModel):
    title: Title
    channel: Channel
    category: Category
    authors: Authors
    event_date: date
    commission: str | None = Field(None, max_length=36)
    research: bool = False
    ref: Code | None = None


class SubmissionRevision(BaseModel):
    title: Title
    category: Category
    authors: Authors
    event_date: date
    research: bool = False


class Submitted(BaseModel):
    submitted_on: date


class Approval(BaseModel):
    approved_at: datetime


class WithReason(BaseModel):
    reason: Reason


class Sending(BaseModel):
    outlet: Code
    route: Route
    sent_on: date


class AdoptionRecord(BaseModel):
    outlet: Code
    form: Form
    adopted_on: date
    route: Route | None = None


class DeclineRecord(BaseModel):
    outlet: Code
    declined_on: date
    reason: Note = ""


class Retraction(BaseModel):
    outlet: Code
    reason: Reason


class InstructionRecord(BaseModel):
    leader_level: Level
    leader: Annotated[str, Field(min_length=1, max_length=100)]
    instructed_on: date
    text: Note = ""


class FeedbackRecord(BaseModel):
    fed_back_on: date
    text: Reason


class AppealFiling(BaseModel):
    filed_on: date
    reason: Reason


class Correction(BaseModel):
    """The fact an upheld appeal records: a command on the same item and its arguments."""

    command: Literal["record_adoption", "retract_adoption", "record_instruction",
                     "record_feedback"]
    arguments: dict[str, str | int | bool | None] = Field(max_length=10)


class AppealDecision(BaseModel):
    upheld: bool
    decided_on: date
    reason: Reason
    correction: Correction | None = None


def item_for(principal: Principal, services: Services, action: str,
             submission_id: str) -> dict[str, Any]:
    """The item, once the principal may take ``action`` on it (officers: their own; approvers:
    their unit's)."""
    allow(principal, action)
    item = services.tally.get_submission(submission_id)
    check_item(principal, action, item)
    return item


@contextmanager
def acting_on(principal: Principal, services: Services, action: str,
              submission_id: str) -> Iterator[dict[str, Any]]:
    """``item_for``, and the command run in the block decides on that very read of the item
    (one replay per request, not two; a write another got in first is refused and retried)."""
    with services.tally.reading_once():
        yield item_for(principal, services, action, submission_id)


def correction_of(body: Correction | None) -> tuple[str, dict[str, Any]] | None:
    """The correction as the command takes it; the command checks its arguments against the
    step's own parameters (a wrong or missing name is a 422 naming ``correction``)."""
    return None if body is None else (body.command, dict(body.arguments))


# Commands ------------------------------------------------------------------------------

@router.post("", response_model=CommandResult, status_code=201,
             summary="Draft an item (the caller must be one of its authors)")
def draft_submission(body: SubmissionDraft, principal: ApiPrincipal, meta: ApiMeta,
                     services: ServicesDep) -> CommandResult:
    check_draft_authors(principal, [a.officer for a in body.authors])
    with services.tally.reading_once():  # the lead author is also an author: read once
        submission_id = services.tally.draft_submission(
            body.title, body.channel, body.category, author_list(body.authors),
            body.event_date, body.commission, body.research, body.ref, meta=meta)
    return CommandResult(id=str(submission_id))


@router.put("/{submission_id}", response_model=CommandResult,
            summary="Revise a draft or a returned item")
def revise_submission(submission_id: str, body: SubmissionRevision, principal: ApiPrincipal,
                      meta: ApiMeta, services: ServicesDep) -> CommandResult:
    check_draft_authors(principal, [a.officer for a in body.authors])
    with acting_on(principal, services, "revise_submission", submission_id):
        return CommandResult(id=str(services.tally.revise_submission(
            submission_id, body.title, body.category, author_list(body.authors),
            body.event_date, body.research, meta=meta)))


@router.post("/{submission_id}/submit", response_model=CommandResult,
             summary="Submit an item for sign-off")
def submit(submission_id: str, body: Submitted, principal: ApiPrincipal, meta: ApiMeta,
           services: ServicesDep) -> CommandResult:
    with acting_on(principal, services, "submit", submission_id):
        return CommandResult(id=str(services.tally.submit(submission_id, body.submitted_on,
                                                          meta=meta)))


@router.post("/{submission_id}/withdraw", response_model=CommandResult,
             summary="Withdraw an item that no outlet has adopted")
def withdraw(submission_id: str, body: WithReason, principal: ApiPrincipal, meta: ApiMeta,
             services: ServicesDep) -> CommandResult:
    with acting_on(principal, services, "withdraw", submission_id):
        return CommandResult(id=str(services.tally.withdraw(submission_id, body.reason,
                                                            meta=meta)))


@router.post("/{submission_id}/approve", response_model=CommandResult,
             summary="Sign off a submitted item of the approver's unit")
def approve(submission_id: str, body: Approval, principal: ApiPrincipal, meta: ApiMeta,
            services: ServicesDep) -> CommandResult:
    with acting_on(principal, services, "approve", submission_id):
        return CommandResult(id=str(services.tally.approve(submission_id, principal.username,
                                                           body.approved_at, meta=meta)))


@router.post("/{submission_id}/return", response_model=CommandResult,
             summary="Return a submitted item for revision, with the reason")
def return_submission(submission_id: str, body: WithReason, principal: ApiPrincipal,
                      meta: ApiMeta, services: ServicesDep) -> CommandResult:
    with acting_on(principal, services, "return_submission", submission_id):
        return CommandResult(id=str(services.tally.return_submission(
            submission_id, body.reason, meta=meta)))


@router.post("/{submission_id}/outlets", response_model=CommandResult,
             summary="Record that an approved item was sent to an outlet")
def send_to_outlet(submission_id: str, body: Sending, principal: ApiPrincipal, meta: ApiMeta,
                   services: ServicesDep) -> CommandResult:
    with acting_on(principal, services, "send_to_outlet", submission_id):
        return CommandResult(id=str(services.tally.send_to_outlet(
            submission_id, body.outlet, body.route, body.sent_on, meta=meta)))


@router.post("/{submission_id}/adoptions", response_model=CommandResult,
             summary="Record an outlet's adoption (采用)")
def record_adoption(submission_id: str, body: AdoptionRecord, principal: ApiPrincipal,
                    meta: ApiMeta, services: ServicesDep) -> CommandResult:
    with acting_on(principal, services, "record_adoption", submission_id):
        return CommandResult(id=str(services.tally.record_adoption(
            submission_id, body.outlet, body.form, body.adopted_on, body.route, meta=meta)))


@router.post("/{submission_id}/declines", response_model=CommandResult,
             summary="Record that an outlet declined the item")
def record_decline(submission_id: str, body: DeclineRecord, principal: ApiPrincipal,
                   meta: ApiMeta, services: ServicesDep) -> CommandResult:
    with acting_on(principal, services, "record_decline", submission_id):
        return CommandResult(id=str(services.tally.record_decline(
            submission_id, body.outlet, body.declined_on, body.reason, meta=meta)))


@router.post("/{submission_id}/retractions", response_model=CommandResult,
             summary="Retract an outlet's adoption, with the reason")
def retract_adoption(submission_id: str, body: Retraction, principal: ApiPrincipal,
                     meta: ApiMeta, services: ServicesDep) -> CommandResult:
    with acting_on(principal, services, "retract_adoption", submission_id):
        return CommandResult(id=str(services.tally.retract_adoption(
            submission_id, body.outlet, body.reason, meta=meta)))


@router.post("/{submission_id}/instructions", response_model=Numbered, status_code=201,
             summary="Record a leader's instruction (批示) on the item")
def record_instruction(submission_id: str, body: InstructionRecord, principal: ApiPrincipal,
                       meta: ApiMeta, services: ServicesDep) -> Numbered:
    with acting_on(principal, services, "record_instruction", submission_id):
        number = services.tally.record_instruction(submission_id, body.leader_level,
                                                   body.leader, body.instructed_on, body.text,
                                                   meta=meta)
    return Numbered(id=submission_id, number=number)


@router.post("/{submission_id}/instructions/{number}/feedback", response_model=CommandResult,
             summary="Record the unit's feedback on an instruction")
def record_feedback(submission_id: str, number: int, body: FeedbackRecord,
                    principal: ApiPrincipal, meta: ApiMeta,
                    services: ServicesDep) -> CommandResult:
    with acting_on(principal, services, "record_feedback", submission_id):
        return CommandResult(id=str(services.tally.record_feedback(
            submission_id, number, body.fed_back_on, body.text, meta=meta)))


@router.post("/{submission_id}/appeals", response_model=Numbered, status_code=201,
             summary="Appeal the item's score (an author, for themselves)")
def file_appeal(submission_id: str, body: AppealFiling, principal: ApiPrincipal, meta: ApiMeta,
                services: ServicesDep) -> Numbered:
    with acting_on(principal, services, "file_appeal", submission_id):
        assert principal.officer_code is not None  # an author is an officer
        number = services.tally.file_appeal(submission_id, principal.officer_code,
                                            body.filed_on, body.reason, meta=meta)
    return Numbered(id=submission_id, number=number)


@router.post("/{submission_id}/appeals/{number}/decision",
             summary="Decide an appeal; an upheld one records its correcting fact")
def decide_appeal(submission_id: str, number: int, body: AppealDecision,
                  principal: ApiPrincipal, meta: ApiMeta,
                  services: ServicesDep) -> dict[str, Any]:
    """The decision and its correction are keyed by the item and the appeal's number
    (``workflows.appeals``), so repeating it records nothing twice."""
    correction = correction_of(body.correction)
    with acting_on(principal, services, "decide_appeal", submission_id):
        decided = appeals.decide_appeal(services.tally, submission_id, number, body.upheld,
                                        body.decided_on.isoformat(), body.reason,
                                        actor=meta.actor, correction=correction)
    return {"id": submission_id, **decided,
            "correction": None if decided["correction"] is None else str(decided["correction"])}


# Reads ---------------------------------------------------------------------------------

def visible_unit(principal: Principal, services: Services, unit: str | None) -> str | None:
    """The unit id a list is held to: any asked for by whole-office readers, else the
    principal's own (and a refusal if they ask for another)."""
    boards = services.view("boards")
    if principal.sees_whole_office:
        if unit is None:
            return None
        unit_id = boards.unit_id(inputs.code("unit", unit))
        if unit_id is None:
            raise NotFoundError(f"no unit {unit}", field="unit")
        return unit_id  # type: ignore[no-any-return]
    if unit is not None and unit != principal.unit_code:
        raise NotAuthorisedError(f"{principal.username} sees only their own unit's items",
                                 field="unit")
    return principal.unit_id or ""


def board_rows(principal: Principal, services: Services, unit: str | None, status: str | None,
               limit: int, offset: int = 0) -> list[dict[str, Any]]:
    allow(principal, "read_items")
    unit_id = visible_unit(principal, services, unit)
    return services.view("boards").submissions(  # type: ignore[no-any-return]
        services.tally.today(), unit_id=unit_id,
        status=inputs.choice("status", Status, status).value if status else None,
        limit=limit, offset=offset)


@router.get("", summary="The items board: status, authors, sign-off, outlets, adoptions")
def list_submissions(
    principal: ApiPrincipal, services: ServicesDep,
    unit: Annotated[str | None, Query(max_length=64)] = None,
    status: Annotated[Literal["draft", "submitted", "approved", "returned", "withdrawn"] | None,
                      Query()] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[dict[str, Any]]:
    return board_rows(principal, services, unit, status, limit, offset)


@router.get("/{submission_id}", summary="One item as it stands now")
def get_submission(submission_id: str, principal: ApiPrincipal,
                   services: ServicesDep) -> dict[str, Any]:
    return item_for(principal, services, "read_items", submission_id)
