"""Export the whole log to a portable file, and restore it into an empty store.

The file is JSON lines, gzip-compressed when its name ends in ``.gz`` (either is read back):

* a header: ``{"format": "tally-log", "version": 1, "chain": "sha256/tally-chain-1",
  "exported_at": ..., "last_position": P, "checkpoints": [{"position", "chain_hash",
  "taken_at"}, ...]}``;
* one line per event, in position order: ``{"position", "recorded_at"`` (ISO 8601, UTC,
  microseconds) ``, "originator_id", "originator_version", "topic", "state"`` (base64 of the
  stored bytes) ``, "previous"`` (the predecessor's position) ``, "chain_hash"`` (hex) ``}``;
* a trailer: ``{"end": true, "events": N, "head_position": P, "head_hash": hex}``, so a
  truncated file is refused.

Restoring recomputes every hash from the bytes in the file as it reads them and refuses the file
at the first line that does not chain (nothing is written: one transaction).
"""

from __future__ import annotations

import base64
import gzip
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any
from uuid import UUID

from store.chain import (
    CHAIN_ALGORITHM,
    GENESIS,
    ChainLink,
    ChainRecorder,
    Checkpoint,
    RestoredEvent,
    chain_hash,
)
from store.verify import side_by_side

FORMAT = "tally-log"
VERSION = 1
BATCH = 1000

Progress = Callable[[int, int], None]


class LogFileError(Exception):
    """The export file cannot be restored: malformed, truncated, or its chain does not hold."""


@dataclass(frozen=True)
class LogSummary:
    events: int
    head: ChainLink | None


def export_log(recorder: Any, path: Path, progress: Progress | None = None) -> LogSummary:
    """Write the log as it stands (up to its last position now) to ``path``."""
    assert isinstance(recorder, ChainRecorder)
    last_event, last_link = recorder.log_extent()
    stop = max(last_event, last_link)
    checkpoints = [p for p in recorder.select_checkpoints() if p.position <= stop]
    count, head = 0, None
    with _open(path, "w") as out:
        _write(out, {
            "format": FORMAT, "version": VERSION, "chain": CHAIN_ALGORITHM,
            "exported_at": datetime.now(UTC).isoformat(), "last_position": stop,
            "checkpoints": [{"position": p.position, "chain_hash": p.chain_hash.hex(),
                             "taken_at": _instant(p.taken_at)} for p in checkpoints],
        })
        for position, event, link in side_by_side(recorder, 0, stop, BATCH):
            if event is None:
                continue  # a link without its event: the restore will refuse the gap it leaves
            _write(out, {
                "position": position, "recorded_at": _instant(event.recorded_at),
                "originator_id": str(event.originator_id),
                "originator_version": event.originator_version, "topic": event.topic,
                "state": base64.b64encode(event.state).decode("ascii"),
                "previous": link.previous if link else None,
                "chain_hash": link.chain_hash.hex() if link else None,
            })
            count, head = count + 1, link or head
            if progress is not None and count % BATCH == 0:
                progress(position, stop)
        _write(out, {"end": True, "events": count,
                     "head_position": head.position if head else 0,
                     "head_hash": (head.chain_hash if head else GENESIS).hex()})
    if progress is not None:
        progress(stop, stop)
    return LogSummary(count, head)


def import_log(recorder: Any, path: Path, progress: Progress | None = None) -> LogSummary:
    """Load an export file into an empty store, verifying the chain line by line."""
    assert isinstance(recorder, ChainRecorder)
    uuids = getattr(recorder.datastore, "originator_id_type", "uuid") == "uuid"  # type: ignore[attr-defined]
    with _open(path, "r") as lines:
        reader = _Reader(lines, uuids=uuids, progress=progress)
        count = recorder.restore(reader.events(), reader.checkpoints)
    return LogSummary(count, reader.head)


class _Reader:
    """Reads the file, yielding each event once its chain hash has been recomputed."""

    def __init__(self, lines: IO[str], *, uuids: bool, progress: Progress | None) -> None:
        self.lines, self.uuids, self.progress = lines, uuids, progress
        self.line_number = 1
        header = self._json(next(lines, ""))
        if header.get("format") != FORMAT or header.get("version") != VERSION:
            raise LogFileError(f"line 1: not a {FORMAT} file of version {VERSION}")
        if header.get("chain") != CHAIN_ALGORITHM:
            raise LogFileError(f"line 1: chain {header.get('chain')!r} is not {CHAIN_ALGORITHM}")
        self.last_position = int(header["last_position"])
        self.checkpoints = [
            Checkpoint(int(p["position"]), bytes.fromhex(p["chain_hash"]),
                       datetime.fromisoformat(p["taken_at"]))
            for p in header["checkpoints"]
        ]
        self.head: ChainLink | None = None

    def events(self) -> Iterator[RestoredEvent]:
        pending = {point.position: point for point in self.checkpoints}
        previous, previous_hash, count = 0, GENESIS, 0
        for text in self.lines:
            self.line_number += 1
            row = self._json(text)
            if row.get("end"):
                self._check_end(row, count, pending)
                return
            event = self._event(row)
            where = f"line {self.line_number}, position {event.position}"
            if event.position <= previous or event.previous != previous:
                raise LogFileError(f"{where}: does not follow position {previous} "
                                   f"(it names {event.previous} as its predecessor)")
            expected = chain_hash(previous_hash, event.position, event.recorded_at,
                                  event.originator_id, event.originator_version, event.topic,
                                  event.state)
            if expected != event.chain_hash:
                raise LogFileError(f"{where}: the event does not hash to its chain hash: "
                                   "the file was edited")
            point = pending.pop(event.position, None)
            if point is not None and point.chain_hash != event.chain_hash:
                raise LogFileError(f"{where}: the chain differs from the checkpoint there")
            previous, previous_hash, count = event.position, event.chain_hash, count + 1
            self.head = ChainLink(event.position, event.previous, event.chain_hash)
            if self.progress is not None and count % BATCH == 0:
                self.progress(event.position, self.last_position)
            yield event
        raise LogFileError(f"line {self.line_number}: the file ends without its last line: "
                           "it was truncated")

    def _check_end(self, row: dict[str, Any], count: int,
                   pending: dict[int, Checkpoint]) -> None:
        head_position = self.head.position if self.head else 0
        head_hash = self.head.chain_hash if self.head else GENESIS
        if row.get("events") != count or row.get("head_position") != head_position \
                or row.get("head_hash") != head_hash.hex():
            raise LogFileError(f"line {self.line_number}: the last line announces "
                               f"{row.get('events')} events up to position "
                               f"{row.get('head_position')}, but the file holds {count} "
                               f"up to position {head_position}")
        if pending:
            raise LogFileError(f"line {self.line_number}: a checkpoint names position "
                               f"{min(pending)}, which the file does not hold")
        if self.progress is not None:
            self.progress(self.last_position, self.last_position)

    def _event(self, row: dict[str, Any]) -> RestoredEvent:
        try:
            originator_id: UUID | str = row["originator_id"]
            if self.uuids:
                originator_id = UUID(row["originator_id"])
            return RestoredEvent(
                position=int(row["position"]),
                recorded_at=datetime.fromisoformat(row["recorded_at"]),
                originator_id=originator_id,
                originator_version=int(row["originator_version"]),
                topic=str(row["topic"]),
                state=base64.b64decode(row["state"], validate=True),
                previous=int(row["previous"]),
                chain_hash=bytes.fromhex(row["chain_hash"]),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise LogFileError(f"line {self.line_number}: not an event line ({error})") from None

    def _json(self, text: str) -> dict[str, Any]:
        try:
            row = json.loads(text)
        except ValueError:
            row = None
        if not isinstance(row, dict):
            raise LogFileError(f"line {self.line_number}: not a JSON object")
        return row


def _instant(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="microseconds")


def _write(out: IO[str], row: dict[str, Any]) -> None:
    out.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")))
    out.write("\n")


def _open(path: Path, mode: str) -> IO[str]:
    if mode == "w":
        if path.name.endswith(".gz"):
            return gzip.open(path, "wt", encoding="utf-8")
        return path.open("w", encoding="utf-8")
    with path.open("rb") as probe:
        compressed = probe.read(2) == b"\x1f\x8b"
    if compressed:
        return gzip.open(path, "rt", encoding="utf-8")
    return path.open("r", encoding="utf-8")
