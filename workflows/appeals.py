"""Appeals (申诉/复核): an editor decides an officer's appeal of a score line; an upheld appeal
records the correcting fact. The correction and the decision are one command of the item,
saved together under one idempotency key derived from the item and the appeal's number, so
repeating the decision records nothing twice, and the audit trail shows both under one
correlation id."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from domain import inputs
from domain.application import CommandMeta, Tally
from domain.errors import InvalidInputError
from domain.idempotency import CommandRecord
from domain.submission_commands import CORRECTIONS

__all__ = ["CORRECTIONS", "appeal_correlation", "decide_appeal"]


def appeal_correlation(submission_id: UUID | str, appeal: int) -> str:
    return f"appeal:{submission_id}:{appeal}"


def decide_appeal(app: Tally, submission_id: UUID | str, appeal: int, upheld: bool,
                  decided_on: str, reason: str, *, actor: str,
                  correction: tuple[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """Decide an appeal; when upheld, ``correction`` (command name, its arguments after the
    item) is the fact that corrects the score, recorded with the decision or not at all."""
    item_id = inputs.uuid("submission_id", submission_id)
    number = inputs.whole("appeal", appeal, minimum=1)
    if upheld and correction is None:
        raise InvalidInputError("an upheld appeal must name its correcting fact",
                                field="correction")
    correlation = appeal_correlation(item_id, number)
    meta = CommandMeta(actor=actor, correlation_id=correlation,
                       idempotency_key=f"{correlation}:decision")
    earlier = _recorded_result(app, f"{correlation}:correction")
    if correction is not None and earlier is not None:
        # Recorded alone by the releases that saved the correction and the decision as two
        # commands, and interrupted before the decision: the decision completes it.
        app.decide_appeal(item_id, number, upheld, decided_on, reason, meta=meta)
        return {"correlation_id": correlation, "upheld": upheld, "correction": earlier}
    corrected = app.decide_appeal(item_id, number, upheld, decided_on, reason,
                                  correction=correction, meta=meta)
    return {"correlation_id": correlation, "upheld": upheld,
            "correction": None if correction is None else corrected}


def _recorded_result(app: Tally, key: str) -> str | None:
    record_id = CommandRecord.create_id(key)
    if record_id not in app.repository:
        return None
    return str(app.repository.get(record_id).result)
