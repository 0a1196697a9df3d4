"""The record of a command run under an idempotency key, saved with the command's own events."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.identity import derived_id
from domain.values import Cause


class CommandRecord(Aggregate):
    @staticmethod
    def create_id(key: str, **_: Any) -> UUID:
        return derived_id("idempotency", key)

    @event("Recorded")
    def __init__(self, key: str, command: str, fingerprint: str, result: str, cause: Cause):
        self.key = key
        self.command = command
        self.fingerprint = fingerprint
        self.result = result
