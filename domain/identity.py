"""Deterministic aggregate ids: the same code always names the same aggregate."""

from __future__ import annotations

from functools import lru_cache
from typing import Any, TypeVar
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

A = TypeVar("A", bound=Aggregate)

TALLY_NAMESPACE = UUID("6f1c9a52-3b7e-4d0a-9c1e-2a5b7d8e9f10")


def derived_id(kind: str, *parts: object) -> UUID:
    """An id derived from a kind and its natural key, e.g. ``derived_id("unit", "u01")``."""
    return _named(":".join([kind, *(str(p) for p in parts)]))


@lru_cache(maxsize=16_384)
def _named(name: str) -> UUID:
    """The same names come again and again (an item's every row, an officer's every item):
    an import of 100k events derives 201k ids, most of them for names derived just before."""
    return uuid5(TALLY_NAMESPACE, name)


def created(cls: type[A], event_class: type[Any], given_id: UUID | None, /,
            **kwargs: Any) -> A:
    """A new aggregate of ``cls`` (its created event ``event_class``), with the id its class
    gives it, or ``given_id``: the id an item recorded without a reference had in the store a
    ledger was exported from, kept when it is imported."""
    if given_id is None:
        return cls(**kwargs)
    return cls._create(event_class, id=given_id, **kwargs)  # type: ignore[return-value]
