"""What a command read, checked again when its events are appended: a decision that rests on
aggregates it does not change, or on there being no facts of some kinds since it read the log,
is saved only if that still holds. The store checks it in the append's own transaction, under
its lock (``store/``); otherwise the save is refused as a conflict, like a write another writer
got in first, and the command decides again on fresh reads."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.utils import get_topic


@dataclass(frozen=True)
class Unchanged:
    """``versions``: aggregates read and not changed, at the versions read; ``topics`` and
    ``after``: no event of those kinds appended after that position of the log."""

    versions: tuple[tuple[UUID, int], ...] = ()
    topics: tuple[str, ...] = ()
    after: int = 0

    @classmethod
    def read(cls, *aggregates: Aggregate) -> Unchanged:
        return cls(versions=tuple((a.id, a.version) for a in aggregates))

    @classmethod
    def no_facts_since(cls, after: int, kinds: Sequence[type[Any]]) -> Unchanged:
        return cls(topics=tuple(get_topic(kind) for kind in kinds), after=after)
