"""Findings (通报的问题): a missed, concealed or false report, or an error found higher up."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate, event

from domain.errors import WrongStateError
from domain.identity import derived_id
from domain.values import Cause, FindingKind, HolderKind


class Finding(Aggregate):
    @staticmethod
    def create_id(ref: str | None = None, **_: Any) -> UUID:
        return derived_id("finding", ref) if ref else uuid4()

    @event("Recorded")
    def __init__(
        self,
        ref: str | None,
        kind: FindingKind,
        holder_kind: HolderKind,
        holder_id: UUID,
        found_on: date,
        submission_id: UUID | None,
        reason: str,
        cause: Cause,
    ):
        self.ref = ref
        self.kind = kind
        self.holder_kind = holder_kind
        self.holder_id = holder_id
        self.found_on = found_on
        self.submission_id = submission_id
        self.withdrawn = False

    def withdraw(self, reason: str, cause: Cause) -> None:
        if self.withdrawn:
            raise WrongStateError("this finding was already withdrawn", field="finding_id")
        self._withdrawn(reason=reason, cause=cause)

    @event("Withdrawn")
    def _withdrawn(self, reason: str, cause: Cause) -> None:
        self.withdrawn = True
