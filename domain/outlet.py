"""Outlets: higher offices and media that adopt or publish items."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.identity import derived_id
from domain.values import Cause, Channel, Level


class Outlet(Aggregate):
    @staticmethod
    def create_id(code: str, **_: Any) -> UUID:
        return derived_id("outlet", code)

    @event("Registered")
    def __init__(self, code: str, name: str, channel: Channel, level: Level, cause: Cause):
        self.code = code
        self.name = name
        self.channel = channel
        self.level = level

    @event("Renamed")
    def rename(self, name: str, reason: str, cause: Cause) -> None:
        self.name = name
