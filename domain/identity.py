"""Deterministic aggregate ids: the same code always names the same aggregate."""

from __future__ import annotations

from uuid import UUID, uuid5

TALLY_NAMESPACE = UUID("6f1c9a52-3b7e-4d0a-9c1e-2a5b7d8e9f10")


def derived_id(kind: str, *parts: object) -> UUID:
    """An id derived from a kind and its natural key, e.g. ``derived_id("unit", "u01")``."""
    return uuid5(TALLY_NAMESPACE, ":".join([kind, *(str(p) for p in parts)]))
