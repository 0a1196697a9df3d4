"""Verification of the hash chain: recompute it over the stored log and find the first break.

The log and the chain are read side by side in position order, a batch at a time (never the
whole log in memory), up to the extent they had when verification began, so appends made
meanwhile are left for the next run. Every event must have a link and every link an event; each
link must name the position verified just before it as its predecessor; each recomputed hash must
equal the stored one; each checkpoint must match the chain at its position.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from domain import inputs
from domain.errors import InvalidInputError
from store.chain import GENESIS, ChainLink, ChainRecorder, Checkpoint, notification_hash
from store.recorded import RecordedNotification

BATCH = 1000
_HASH = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class ChainBreak:
    """Where and how the log no longer matches its chain."""

    position: int
    kind: str  # edited | removed | inserted | checkpoint
    message: str


@dataclass(frozen=True)
class Verification:
    """What a verification found: the first break, if any, and the head it reached."""

    events: int
    start: int  # the position verification started after (0: the beginning)
    head: ChainLink | None
    checkpoints: int
    broken: ChainBreak | None

    @property
    def ok(self) -> bool:
        return self.broken is None


def verify_chain(
    recorder: Any,
    *,
    from_checkpoint: bool = False,
    progress: Callable[[int, int], None] | None = None,
    batch: int = BATCH,
) -> Verification:
    """Recompute the chain (from the latest checkpoint, if asked) and report the first break.

    ``progress(position, last_position)`` is called after each batch."""
    assert isinstance(recorder, ChainRecorder)
    last_event, last_link = recorder.log_extent()
    stop = max(last_event, last_link)
    checkpoints = recorder.select_checkpoints()
    start, start_link = 0, None
    if from_checkpoint and checkpoints:
        latest = checkpoints[-1]
        broken = _check_checkpoint_alone(recorder, latest)
        if broken:
            return Verification(0, latest.position, None, 0, broken)
        start, start_link = latest.position, recorder.select_link(latest.position)
        checkpoints = [latest]
    pending = {point.position: point for point in checkpoints if point.position > start}
    previous, previous_hash = (start, start_link.chain_hash) if start_link else (0, GENESIS)
    checked, head = 0, start_link
    for position, event, link in side_by_side(recorder, start, stop, batch):
        broken = _check(position, event, link, previous, previous_hash)
        if broken is None and position in pending:
            broken = _check_against(pending.pop(position), link)  # type: ignore[arg-type]
        if broken:
            return Verification(checked, start, head, len(checkpoints) - len(pending), broken)
        assert link is not None
        previous, previous_hash, head = position, link.chain_hash, link
        checked += 1
        if progress is not None and checked % batch == 0:
            progress(position, stop)
    if progress is not None:
        progress(stop, stop)
    if pending:
        point = min(pending.values(), key=lambda p: p.position)
        message = (f"position {point.position}: a checkpoint was taken there on "
                   f"{point.taken_at:%Y-%m-%d %H:%M:%S}, but the log ends at {previous}: "
                   f"events after position {previous} were removed")
        return Verification(checked, start, head, len(checkpoints) - len(pending),
                            ChainBreak(point.position, "removed", message))
    return Verification(checked, start, head, len(checkpoints), None)


def _check(position: int, event: RecordedNotification | None, link: ChainLink | None,
           previous: int, previous_hash: bytes) -> ChainBreak | None:
    if event is None:
        return ChainBreak(position, "removed",
                          f"position {position}: the event was removed "
                          "(its chain link is there, the event is not)")
    if link is None:
        return ChainBreak(position, "inserted",
                          f"position {position}: the event was inserted outside the recorder "
                          "(it has no chain link)")
    if link.previous > previous:
        return ChainBreak(link.previous, "removed",
                          f"position {link.previous}: the event was removed (the event at "
                          f"position {position} was chained after it, and it is missing)")
    if link.previous < previous:
        return ChainBreak(previous, "inserted",
                          f"position {previous}: the event was inserted (the event at "
                          f"position {position} was chained after position {link.previous})")
    if notification_hash(previous_hash, event) != link.chain_hash:
        return ChainBreak(position, "edited",
                          f"position {position}: the event was edited or moved (its content, "
                          "record time or place does not hash to its chain link)")
    return None


def _check_against(point: Checkpoint, link: ChainLink) -> ChainBreak | None:
    if point.chain_hash == link.chain_hash:
        return None
    return ChainBreak(point.position, "checkpoint",
                      f"position {point.position}: the chain there differs from the checkpoint "
                      f"taken on {point.taken_at:%Y-%m-%d %H:%M:%S}: the chain was rewritten")


def _check_checkpoint_alone(recorder: Any, point: Checkpoint) -> ChainBreak | None:
    """The checkpoint matches its stored link, and its event hashes to it from the link before."""
    link = recorder.select_link(point.position)
    events = recorder.select_notifications(start=point.position, stop=point.position, limit=1)
    if link is None or not events:
        return ChainBreak(point.position, "removed",
                          f"position {point.position}: the checkpoint's event or its chain link "
                          "was removed")
    before = recorder.select_link(link.previous) if link.previous else None
    if link.previous and before is None:
        return ChainBreak(link.previous, "removed",
                          f"position {link.previous}: the event before the checkpoint was removed")
    broken = _check(point.position, events[0], link, link.previous,
                    before.chain_hash if before else GENESIS)
    return broken or _check_against(point, link)


def side_by_side(recorder: Any, start: int, stop: int, batch: int
                  ) -> Iterator[tuple[int, RecordedNotification | None, ChainLink | None]]:
    """(position, event, link) in position order, for every position either table holds."""
    events = _stream(lambda after: recorder.select_notifications(
        start=after, limit=batch, stop=stop, inclusive_of_start=False), start)
    links = _stream(lambda after: recorder.select_links(after, batch, stop=stop), start)
    event, link = next(events, None), next(links, None)
    while event is not None or link is not None:
        position = min(_position(row) for row in (event, link) if row is not None)
        this_event = event if event is not None and event.id == position else None
        this_link = link if link is not None and link.position == position else None
        yield position, this_event, this_link
        if this_event is not None:
            event = next(events, None)
        if this_link is not None:
            link = next(links, None)


def _position(row: RecordedNotification | ChainLink) -> int:
    return row.position if isinstance(row, ChainLink) else row.id


def _stream(select: Callable[[int], Any], start: int) -> Iterator[Any]:
    after = start
    while rows := select(after):
        yield from rows
        after = _position(rows[-1])


def held(position: Any, chain_hash: str | None) -> tuple[int, str] | None:
    """A position and the chain hash someone holds for it (a printed checkpoint, a bulletin's
    ``log.chain_head``), both given or neither; the hash in lower-case hex."""
    if position in (None, "") and not chain_hash:
        return None
    if position in (None, ""):
        raise InvalidInputError("is required", field="position")
    if not chain_hash:
        raise InvalidInputError("is required", field="hash")
    number = inputs.whole("position", position, minimum=1)
    text = chain_hash.strip().lower()
    if not _HASH.fullmatch(text):
        raise InvalidInputError("must be a SHA-256 digest in lower-case hex", field="hash")
    return number, text


def stored_hash(recorder: Any, position: int) -> str | None:
    """The chain hash the log holds at ``position`` in hex (None: no event there)."""
    assert isinstance(recorder, ChainRecorder)
    link = recorder.select_link(position)
    return link.chain_hash.hex() if link is not None else None
