"""Deterministic aggregate ids: the same code always names the same aggregate."""

from __future__ import annotations

from functools import lru_cache
from uuid import UUID, uuid5

TALLY_NAMESPACE = UUID("6f1c9a52-3b7e-4d0a-9c1e-2a5b7d8e9f10")


def derived_id(kind: str, *parts: object) -> UUID:
    """An id derived from a kind and its natural key, e.g. ``derived_id("unit", "u01")``."""
    return _named(":".join([kind, *(str(p) for p in parts)]))


@lru_cache(maxsize=16_384)
def _named(name: str) -> UUID:
    """The same names come again and again (an item's every row, an officer's every item):
    an import of 100k events derives 201k ids, most of them for names derived just before."""
    return uuid5(TALLY_NAMESPACE, name)
