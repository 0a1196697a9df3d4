"""Appeals (申诉/复核): an editor decides an officer's appeal of a score line; an upheld appeal
records the correcting fact. The decision and the correction share one correlation id derived
from the item and the appeal's number, so the audit trail shows them together, and each is
recorded under its own idempotency key, so repeating the decision records nothing twice (and
completes a decision whose correction was interrupted)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from domain import inputs
from domain.application import CommandMeta, Tally
from domain.errors import InvalidInputError, NotFoundError, WrongStateError
from domain.idempotency import CommandRecord

#: The commands that may correct a score line, with the item they act on as first argument.
CORRECTIONS = ("record_adoption", "retract_adoption", "record_instruction", "record_feedback")


def appeal_correlation(submission_id: UUID | str, appeal: int) -> str:
    return f"appeal:{submission_id}:{appeal}"


def decide_appeal(app: Tally, submission_id: UUID | str, appeal: int, upheld: bool,
                  decided_on: str, reason: str, *, actor: str,
                  correction: tuple[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """Decide an appeal; when upheld, ``correction`` (command name, its arguments after the
    item) is the fact that corrects the score, recorded in the same correlation."""
    item_id = inputs.uuid("submission_id", submission_id)
    number = inputs.whole("appeal", appeal, minimum=1)
    if upheld and correction is None:
        raise InvalidInputError("an upheld appeal must name its correcting fact",
                                field="correction")
    if not upheld and correction is not None:
        raise InvalidInputError("a dismissed appeal corrects nothing", field="correction")
    if correction is not None and (correction[0] not in CORRECTIONS
                                   or not isinstance(correction[1], dict)):
        raise InvalidInputError(f"must be one of: {', '.join(CORRECTIONS)}",
                                field="correction")
    correlation = appeal_correlation(item_id, number)
    item = app._submission(item_id)
    filed = next((a for a in item.appeals if a.number == number), None)
    if filed is None:
        raise NotFoundError(f"no appeal number {number} on this item", field="appeal")
    if filed.decided and not app_has_key(app, f"{correlation}:decision"):
        raise WrongStateError("this appeal was already decided", field="appeal")
    # What the decision would refuse is refused before the correction is recorded: a
    # correction without its decision would change a score with no appeal decided.
    inputs.text("reason", reason)
    day = app._past_day("decided_on", decided_on)
    if filed.filed_on is not None and day < filed.filed_on:
        raise InvalidInputError("an appeal cannot be decided before it was filed",
                                field="decided_on")
    corrected = None
    if correction is not None:
        command, kwargs = correction
        corrected = getattr(app, command)(item_id, **kwargs, meta=CommandMeta(
            actor=actor, correlation_id=correlation,
            idempotency_key=f"{correlation}:correction"))
    app.decide_appeal(item_id, number, upheld, decided_on, reason, meta=CommandMeta(
        actor=actor, correlation_id=correlation, idempotency_key=f"{correlation}:decision"))
    return {"correlation_id": correlation, "upheld": upheld, "correction": corrected}


def app_has_key(app: Tally, key: str) -> bool:
    return CommandRecord.create_id(key) in app.repository
