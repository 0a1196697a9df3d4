"""What the audit projection remembers between events, so that describing an event seldom reads
its own view: names, each aggregate's creation concerns, and the concerns of the command whose
events are being recorded (for its idempotency record).

It answers for the log up to ``position``: what the view committed, plus what the open batch
wrote. It is dropped whenever it may be behind or ahead of the view (an error, another writer,
the log read again). After a commit it is trimmed to ``KEEP`` entries, oldest first; what was
trimmed is read from the view again (committed by then)."""

from __future__ import annotations

from itertools import islice
from typing import Any, Protocol

from projections.audit_entries import Describer, ItemRecord, NameRecord

Concern = tuple[str, str]  # (kind, concerned id)

#: Names and creations kept at most (a few hundred bytes each).
KEEP = 150_000


class NameQueries(Protocol):
    def name(self, name_id: str) -> dict[str, Any] | None: ...

    def name_by_code(self, kind: str, code: str) -> dict[str, Any] | None: ...

    def item(self, submission_id: str) -> dict[str, Any] | None: ...


class AuditMemory:
    def __init__(self, view: NameQueries, position: int) -> None:
        self.view = view
        self.position = position
        #: Built from an empty view and never trimmed: what it does not hold does not exist.
        self.complete = position == 0
        self.names: dict[tuple[str, ...], dict[str, Any] | None] = {}
        #: An aggregate's first event's concerns, authors aside (``Entry.as_created``).
        self.created: dict[str, tuple[Concern, ...]] = {}
        #: The consecutive events since the last idempotency record, if they share a
        #: correlation id: that id and their concerns. None: not known (read from the view).
        self.run: tuple[str | None, set[Concern]] | None = (None, set()) if self.complete else None
        #: What an event means, reading names from here (bound once: a single-dispatch method
        #: builds its bound function at each access).
        self.describe = Describer(self).describe

    # Names (the ``Names`` protocol of the describer) ---------------------------------

    def name(self, name_id: str) -> dict[str, Any] | None:
        return self._look_up(("name", name_id), lambda: self.view.name(name_id))

    def name_by_code(self, kind: str, code: str) -> dict[str, Any] | None:
        return self._look_up(("code", kind, code), lambda: self.view.name_by_code(kind, code))

    def item(self, submission_id: str) -> dict[str, Any] | None:
        return self._look_up(("item", submission_id), lambda: self.view.item(submission_id))

    def _look_up(self, key: tuple[str, ...], read: Any) -> dict[str, Any] | None:
        if key in self.names:
            found = self.names.pop(key)  # kept newest-used last, so trimming drops the coldest
        elif self.complete:
            found = None
        else:
            found = read()
        self.names[key] = found
        return found

    def is_new(self, record: NameRecord | ItemRecord) -> bool:
        """Whether no row of this name or item exists yet (False when not known here):
        then a plain insert writes it, which the view can COPY."""
        key = ("item" if isinstance(record, ItemRecord) else "name", record.id)
        return self.complete and self.names.get(key) is None

    def remember(self, record: NameRecord | ItemRecord) -> None:
        row = record.row()
        if isinstance(record, ItemRecord):
            self.names.pop(("item", record.id), None)
            self.names[("item", record.id)] = row
            return
        before = self.names.pop(("name", record.id), None)
        if before is not None and before["code"] != record.code:
            self.names.pop(("code", before["kind"], before["code"]), None)
            self.complete = False  # another name may hold the old code: ask the view
        self.names[("name", record.id)] = row
        if record.code is not None:
            self.names.pop(("code", record.kind, record.code), None)
            self.names[("code", record.kind, record.code)] = row

    # Concerns ------------------------------------------------------------------------

    def creation(self, aggregate_id: str) -> tuple[Concern, ...] | None:
        """The concerns an aggregate's first event had; None: not known here."""
        found = self.created.get(aggregate_id)
        if found is None and self.complete:
            return ()
        return found

    def command(self, correlation_id: str) -> set[Concern] | None:
        """What the events of this command before its idempotency record concern; None: not
        known here."""
        if self.run is None:
            return None
        run_id, concerns = self.run
        return set(concerns) if run_id == correlation_id else set()

    def recorded(self, position: int, version: int, aggregate_id: str, correlation_id: str,
                 command_record: bool, concerns: set[Concern] | None) -> None:
        """An event and every concern written at its position (None: some were copied by the
        view's own statements, so not known here)."""
        self.position = position
        if concerns is None:
            self.complete = False
            self.created.pop(aggregate_id, None)
        elif version == 1:
            self.created[aggregate_id] = tuple(sorted(c for c in concerns if c[0] != "author"))
        if command_record:
            self.run = (None, set())
        elif self.run is None or concerns is None:
            self.run = None  # the events before may share its correlation id: not known
        elif self.run[0] == correlation_id:
            self.run[1].update(concerns)
        else:
            self.run = (correlation_id, set(concerns))

    def trim(self) -> None:
        """Keep at most ``KEEP`` names and creations; call only when everything is committed."""
        for table in (self.names, self.created):
            extra = len(table) - KEEP
            if extra > 0:
                self.complete = False
                for key in list(islice(table, extra)):
                    del table[key]
