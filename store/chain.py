"""The hash chain over the event log: its byte encoding, and what each backend's recorder adds.

Every event, in notification order, gets a *chain hash*::

    chain_hash = sha256(previous chain hash        32 bytes (the first event: 32 zero bytes)
                        || int(position)            the notification id
                        || int(record time)         microseconds since 1970-01-01T00:00:00Z
                        || text(originator id)      str(id): a UUID as 8-4-4-4-12 lowercase hex
                        || int(originator version)
                        || text(topic)
                        || blob(state))             the stored state bytes, as recorded

where ``int(n)`` is n as 8 bytes, big-endian, two's complement, and ``text(s)`` is
``blob(UTF-8 of s)``, and ``blob(b)`` is ``int(len(b))`` followed by the bytes of ``b``. The
encoding is the same on SQLite and PostgreSQL, so a log exported from one backend restores on the
other with the identical chain head.

The hash of an event covers its predecessor's hash, whatever the predecessor's notification id:
PostgreSQL's sequence leaves gaps (a rolled-back append consumes numbers), and a gap is not a
break. Each link also records the position of its predecessor (``previous``); it is not hashed
(the predecessor's hash already commits to its position) but lets ``verify`` tell a removed event
from an inserted one and from a natural gap.

Links live in their own insert-only table, ``<events table>_chain`` (position, previous,
chain_hash), written in the transaction of the append; checkpoints of the chain head live in
``<events table>_checkpoints`` (position, chain_hash, taken_at).
"""

from __future__ import annotations

import hashlib
import struct
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from store.recorded import RecordedNotification

GENESIS = bytes(32)
"""The 'previous hash' of the first event."""

CHAIN_ALGORITHM = "sha256/tally-chain-1"
"""Names the encoding above, for export files and reports."""

DEFAULT_CHECKPOINT_EVERY = 1000
"""Appends write a checkpoint when they cross a multiple of this position (0: never)."""

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_INT = struct.Struct(">q")
_FIXED = struct.Struct(">qqq")  # position, record time, length of the originator id
_FIXED_2 = struct.Struct(">qq")  # originator version, length of the topic


def checkpoint_every(env: Mapping[str, str]) -> int:
    """``TALLY_CHECKPOINT_EVERY`` (the library's environment looks the prefixed name up first)."""
    value = env.get("CHECKPOINT_EVERY")
    return DEFAULT_CHECKPOINT_EVERY if value in (None, "") else int(value)


def epoch_micros(when: datetime) -> int:
    """Microseconds since the Unix epoch, exactly (naive datetimes are taken as UTC)."""
    since = (when.replace(tzinfo=UTC) if when.tzinfo is None else when) - _EPOCH
    return (since.days * 86_400 + since.seconds) * 1_000_000 + since.microseconds


def chain_hash(
    previous: bytes,
    position: int,
    recorded_at: datetime,
    originator_id: UUID | str,
    originator_version: int,
    topic: str,
    state: bytes,
) -> bytes:
    """The chain hash of one event after the event whose chain hash is ``previous``."""
    if len(previous) != len(GENESIS):
        raise ValueError("a previous chain hash is 32 bytes")
    text_id, text_topic = str(originator_id).encode("utf-8"), topic.encode("utf-8")
    digest = hashlib.sha256(previous)
    digest.update(_FIXED.pack(position, epoch_micros(recorded_at), len(text_id)))
    digest.update(text_id)
    digest.update(_FIXED_2.pack(originator_version, len(text_topic)))
    digest.update(text_topic)
    digest.update(_INT.pack(len(state)))
    digest.update(state)
    return digest.digest()


def notification_hash(previous: bytes, notification: RecordedNotification) -> bytes:
    return chain_hash(previous, notification.id, notification.recorded_at,
                      notification.originator_id, notification.originator_version,
                      notification.topic, notification.state)


NOT_EMPTY = "the store already holds events: a log is restored only into a new, empty store"


class RestoreRefusedError(Exception):
    """A log is restored only into an empty store."""


@dataclass(frozen=True)
class ChainLink:
    """One event's place in the chain: its position, its predecessor's, and its hash."""

    position: int
    previous: int
    chain_hash: bytes


@dataclass(frozen=True)
class Checkpoint:
    """The chain head as it was when the checkpoint was taken."""

    position: int
    chain_hash: bytes
    taken_at: datetime


@dataclass(frozen=True)
class Appended:
    """What the database assigned to one appended event, for chaining it."""

    position: int
    recorded_at: datetime
    originator_id: UUID | str
    originator_version: int
    topic: str
    state: bytes


def chain_links(after: int, after_hash: bytes, appended: Iterable[Appended]) -> list[ChainLink]:
    """The links of events appended after the head at position ``after`` whose chain hash is
    ``after_hash`` (0 and GENESIS for an empty log), in position order."""
    previous, previous_hash = after, after_hash
    links = []
    for event in sorted(appended, key=lambda e: e.position):
        link_hash = chain_hash(previous_hash, event.position, event.recorded_at,
                               event.originator_id, event.originator_version, event.topic,
                               event.state)
        links.append(ChainLink(event.position, previous, link_hash))
        previous, previous_hash = event.position, link_hash
    return links


def crosses_checkpoint(after: int, links: Sequence[ChainLink], every: int) -> bool:
    """Whether links appended after position ``after`` pass a multiple of ``every``, so the
    append writes a checkpoint."""
    return every > 0 and bool(links) and links[-1].position // every > after // every


@dataclass(frozen=True)
class RestoredEvent:
    """An event as an export file holds it: stored bytes, database-assigned values, its link."""

    position: int
    recorded_at: datetime
    originator_id: UUID | str
    originator_version: int
    topic: str
    state: bytes
    previous: int
    chain_hash: bytes


class ChainRecorder(ABC):
    """What both backends' application recorders provide for the hash chain."""

    checkpoint_every: int = DEFAULT_CHECKPOINT_EVERY

    @abstractmethod
    def chain_head(self) -> ChainLink | None:
        """The last link of the chain (None for an empty log)."""

    @abstractmethod
    def select_links(self, after: int, limit: int, stop: int | None = None) -> list[ChainLink]:
        """Links with position > ``after`` (and <= ``stop``), in position order."""

    @abstractmethod
    def select_link(self, position: int) -> ChainLink | None:
        """The link at one position."""

    @abstractmethod
    def select_checkpoints(self) -> list[Checkpoint]:
        """Every checkpoint, in position order."""

    @abstractmethod
    def write_checkpoint(self) -> Checkpoint | None:
        """Record the current chain head as a checkpoint (None for an empty log)."""

    @abstractmethod
    def log_extent(self) -> tuple[int, int]:
        """The highest position in the events table and in the chain table (0 when empty),
        read in one transaction."""

    @abstractmethod
    def restore(self, events: Iterator[RestoredEvent], checkpoints: Sequence[Checkpoint]) -> int:
        """Load exported events into an empty store in one transaction, keeping positions,
        record times and chain hashes; ``events`` checks itself as it is consumed. Returns
        how many were loaded."""
