"""The adoption register: the editors' record of sends, adoptions, declines, retractions,
leaders' instructions and feedback, and the list of adoptions."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import PagePrincipal, ServicesDep, command_meta
from api.pages.common import CSRF, Field, Key, back_to, today, unit_scope
from api.pages.items import known_outlets, own
from api.pages.rendering import render
from api.policy import allow, can
from domain.errors import InvalidInputError, TallyError
from workflows import appeals

router = APIRouter(include_in_schema=False)


@router.get("/adoptions", response_class=HTMLResponse)
def adoption_register(request: Request, principal: PagePrincipal, services: ServicesDep,
                      done: str | None = None) -> Response:
    """Every adoption (an officer's or approver's unit's only), latest first, and the form an
    editor records one with."""
    allow(principal, "read_items")
    rows = services.view("boards").submissions(today(services), unit_id=unit_scope(principal))
    adoptions = sorted(
        ({"item": row, **outlet} for row in rows for outlet in row["outlets"]
         if outlet["state"] in ("adopted", "retracted")),
        key=lambda a: (a["adopted_on"] or "", a["item"]["id"]), reverse=True)
    editor = can(principal, "record_adoption")
    return render(request, "adoptions.html", {
        "user": principal, "adoptions": adoptions, "done": done,
        "today": today(services).isoformat(),
        "approved": [r for r in rows if r["status"] == "approved"] if editor else [],
        "outlets": known_outlets(services) if editor else []})


@router.post("/adoptions", dependencies=CSRF)
def record_adoption_from_register(
        principal: PagePrincipal, services: ServicesDep, submission_id: Field = "",
        outlet: Field = "", form: Field = "", adopted_on: Field = "", route: Field = "",
        idempotency_key: Key = None) -> Response:
    """Record an adoption of an approved item by an outlet."""
    item = own(principal, services, submission_id, "record_adoption")
    services.tally.record_adoption(item, outlet, form, adopted_on, route or None,
                                   meta=command_meta(principal, idempotency_key or None))
    return back_to("/adoptions", done="adopted")


@router.post("/submissions/{submission_id}/adopt", dependencies=CSRF)
def adopt(submission_id: str, principal: PagePrincipal, services: ServicesDep,
          outlet: Field = "", form: Field = "", adopted_on: Field = "", route: Field = "",
          idempotency_key: Key = None) -> Response:
    """Record an adoption of this item by an outlet."""
    item = own(principal, services, submission_id, "record_adoption")
    services.tally.record_adoption(item, outlet, form, adopted_on, route or None,
                                   meta=command_meta(principal, idempotency_key or None))
    return back_to(f"/submissions/{item}", done="adopted")


@router.post("/submissions/{submission_id}/send", dependencies=CSRF)
def send(submission_id: str, principal: PagePrincipal, services: ServicesDep,
         outlet: Field = "", route: Field = "", sent_on: Field = "",
         idempotency_key: Key = None) -> Response:
    """Record that this item was sent to an outlet."""
    item = own(principal, services, submission_id, "send_to_outlet")
    services.tally.send_to_outlet(item, outlet, route, sent_on,
                                  meta=command_meta(principal, idempotency_key or None))
    return back_to(f"/submissions/{item}", done="sent")


@router.post("/submissions/{submission_id}/decline", dependencies=CSRF)
def decline(submission_id: str, principal: PagePrincipal, services: ServicesDep,
            outlet: Field = "", declined_on: Field = "", reason: Field = "",
            idempotency_key: Key = None) -> Response:
    """Record that an outlet declined this item."""
    item = own(principal, services, submission_id, "record_decline")
    services.tally.record_decline(item, outlet, declined_on, reason,
                                  meta=command_meta(principal, idempotency_key or None))
    return back_to(f"/submissions/{item}", done="declined")


@router.post("/submissions/{submission_id}/retract", dependencies=CSRF)
def retract(submission_id: str, principal: PagePrincipal, services: ServicesDep,
            outlet: Field = "", reason: Field = "", idempotency_key: Key = None) -> Response:
    """Record that an outlet retracted its adoption of this item, with the reason."""
    item = own(principal, services, submission_id, "retract_adoption")
    services.tally.retract_adoption(item, outlet, reason,
                                    meta=command_meta(principal, idempotency_key or None))
    return back_to(f"/submissions/{item}", done="retracted")


@router.post("/submissions/{submission_id}/instruction", dependencies=CSRF)
def instruction(submission_id: str, principal: PagePrincipal, services: ServicesDep,
                leader_level: Field = "", leader: Field = "", instructed_on: Field = "",
                text: Field = "", idempotency_key: Key = None) -> Response:
    """Record a leader's instruction on this item."""
    item = own(principal, services, submission_id, "record_instruction")
    services.tally.record_instruction(item, leader_level, leader, instructed_on, text,
                                      meta=command_meta(principal, idempotency_key or None))
    return back_to(f"/submissions/{item}", done="instructed")


@router.post("/submissions/{submission_id}/appeals/{number}/decision", dependencies=CSRF)
def decide_appeal(submission_id: str, number: str, principal: PagePrincipal,
                  services: ServicesDep, decision: Field = "", decided_on: Field = "",
                  reason: Field = "", correction: Field = "", outlet: Field = "",
                  form: Field = "", adopted_on: Field = "", leader_level: Field = "",
                  leader: Field = "", instructed_on: Field = "", instruction_text: Field = "",
                  instruction: Field = "", fed_back_on: Field = "",
                  feedback_text: Field = "") -> Response:
    """Decide an appeal on this item: dismissed, or upheld with the fact that corrects the
    score (a missed adoption or instruction recorded, a wrong adoption retracted, missed
    feedback recorded), saved together with the decision."""
    item = own(principal, services, submission_id, "decide_appeal")
    if decision not in ("upheld", "dismissed"):
        raise InvalidInputError("must be upheld or dismissed", field="decision")
    # each correction's arguments, and the form's name of the one the command calls "text"
    corrections: dict[str, tuple[dict[str, str], str | None]] = {
        "record_adoption": ({"outlet": outlet, "form": form, "adopted_on": adopted_on}, None),
        "retract_adoption": ({"outlet": outlet, "reason": reason}, None),
        "record_instruction": ({"leader_level": leader_level, "leader": leader,
                                "instructed_on": instructed_on, "text": instruction_text},
                               "instruction_text"),
        "record_feedback": ({"instruction": instruction, "fed_back_on": fed_back_on,
                             "text": feedback_text}, "feedback_text")}
    if correction and correction not in corrections:
        raise InvalidInputError(f"must be one of: {', '.join(corrections)}", field="correction")
    arguments, text_field = corrections.get(correction, ({}, None))
    try:
        appeals.decide_appeal(services.tally, item, number, decision == "upheld", decided_on,
                              reason, actor=principal.username,
                              correction=(correction, arguments) if correction else None)
    except TallyError as refused:
        if refused.field == "text" and text_field is not None:
            refused.field = text_field  # the form's own field
        raise
    return back_to(f"/submissions/{item}", done="decided")


@router.post("/submissions/{submission_id}/feedback", dependencies=CSRF)
def feedback(submission_id: str, principal: PagePrincipal, services: ServicesDep,
             instruction: Field = "", fed_back_on: Field = "", text: Field = "",
             idempotency_key: Key = None) -> Response:
    """Record the unit's feedback on a leader's instruction."""
    item = own(principal, services, submission_id, "record_feedback")
    services.tally.record_feedback(item, instruction, fed_back_on, text,
                                   meta=command_meta(principal, idempotency_key or None))
    return back_to(f"/submissions/{item}", done="fed_back")
