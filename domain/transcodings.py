"""How dates, enumerations and value objects are written into stored events."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID

from eventsourcing.persistence import (
    DatetimeAsISO,
    DecimalAsStr,
    JSONTranscoder,
    Mapper,
    Transcoding,
    UUIDAsHex,
)

from domain.values import (
    Author,
    Category,
    Cause,
    Channel,
    FindingKind,
    Form,
    HolderKind,
    Level,
    Role,
    Route,
)


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class EnumAsValue(Transcoding):
    """One transcoding per enumeration; the stored name is fixed by ``name``."""

    def __init__(self, enum_type: type[Enum], name: str) -> None:
        self.type = enum_type
        self.name = name

    def encode(self, obj: Enum) -> Any:
        return obj.value

    def decode(self, data: Any) -> Enum:
        return self.type(data)


class AuthorAsDict(Transcoding):
    type = Author
    name = "author"

    def encode(self, obj: Author) -> dict[str, Any]:
        return {"officer_id": obj.officer_id, "share": obj.share}

    def decode(self, data: dict[str, Any]) -> Author:
        share = data["share"]
        officer_id = data["officer_id"]
        return Author(
            officer_id=officer_id if isinstance(officer_id, UUID) else UUID(officer_id),
            share=share if share is None or isinstance(share, Decimal) else Decimal(share),
        )


class CauseAsDict(Transcoding):
    type = Cause
    name = "cause"

    def encode(self, obj: Cause) -> dict[str, Any]:
        return {"actor": obj.actor, "correlation_id": obj.correlation_id, "known_at": obj.known_at}

    def decode(self, data: dict[str, Any]) -> Cause:
        known_at = data.get("known_at")
        if isinstance(known_at, str):
            known_at = datetime.fromisoformat(known_at)
        return Cause(actor=data["actor"], correlation_id=data["correlation_id"], known_at=known_at)


ENUMS: dict[type[Enum], str] = {
    Channel: "channel",
    Level: "level",
    Form: "form",
    Route: "route",
    Category: "category",
    Role: "role",
    HolderKind: "holder_kind",
    FindingKind: "finding_kind",
}


def register_tally_transcodings(transcoder: JSONTranscoder) -> None:
    transcoder.register(DateAsISO())
    for enum_type, name in ENUMS.items():
        transcoder.register(EnumAsValue(enum_type, name))
    transcoder.register(AuthorAsDict())
    transcoder.register(CauseAsDict())


def tally_mapper() -> Mapper[UUID]:
    """A mapper that reads and writes Tally's events, for readers outside the application."""
    transcoder = JSONTranscoder()
    for transcoding in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO()):
        transcoder.register(transcoding)
    register_tally_transcodings(transcoder)
    return Mapper(transcoder=transcoder)
