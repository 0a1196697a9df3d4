"""The application service: commands take primitives and return ids; queries return plain data."""

from __future__ import annotations

import hashlib
import json
import random
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

from eventsourcing.application import AggregateNotFoundError, Application, Repository
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, JSONTranscoder

from domain import inputs
from domain.account import Account
from domain.assessment import AssessmentCommands
from domain.directory_commands import DirectoryCommands
from domain.errors import (
    AlreadyExistsError,
    ConflictError,
    IdempotencyKeyReusedError,
    InvalidInputError,
    NotFoundError,
    StoreNotInitialisedError,
    TallyError,
)
from domain.idempotency import CommandRecord
from domain.identity import derived_id
from domain.officer import Officer
from domain.outlet import Outlet
from domain.planning_commands import PlanningCommands
from domain.publication_commands import PublicationCommands
from domain.submission import Submission
from domain.submission_commands import SubmissionCommands
from domain.transcodings import register_tally_transcodings
from domain.unchanged import Unchanged
from domain.unit import Unit
from domain.values import (
    Author,
    Cause,
    Channel,
    HolderKind,
)

A = TypeVar("A", bound=Aggregate)
R = TypeVar("R")

MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class OutletRef:
    """What a command on an item needs of an outlet: its id and channel, neither of which
    changes once the outlet is registered."""

    id: UUID
    channel: Channel


@dataclass(frozen=True)
class CommandMeta:
    """Who asks, within which request, under which idempotency key; ``known_at`` for imports."""

    actor: str
    correlation_id: str | None = None
    idempotency_key: str | None = None
    known_at: datetime | str | None = None


class Tally(DirectoryCommands, SubmissionCommands, PlanningCommands, AssessmentCommands,
            PublicationCommands, Application[UUID]):
    """The write model of one office: directory, outlets, submissions, commissions, targets."""

    name = "Tally"

    def __init__(self, env: dict[str, str] | None = None,
                 clock: Callable[[], datetime] | None = None) -> None:
        super().__init__(env)
        self.clock = clock or (lambda: datetime.now(UTC))
        self.zone = ZoneInfo(self.env.get("TIMEZONE") or "Asia/Shanghai")
        #: Accounts, officers and units saved by this process: what a principal is built from
        #: (``api.auth`` builds a cached one again when this changes).
        self.directory_saves = 0
        self._reads = threading.local()
        self._outlets: dict[str, OutletRef] = {}
        has_table = getattr(self.recorder, "has_table", None)
        if has_table is not None and not has_table():
            raise StoreNotInitialisedError(
                "the database has no Tally tables yet: run `tally db init` first"
            )

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_tally_transcodings(transcoder)

    def save(self, *objs: Any, **kwargs: Any) -> Any:
        recordings = super().save(*objs, **kwargs)
        if any(isinstance(obj, Account | Officer | Unit) for obj in objs):
            self.directory_saves += 1
        return recordings

    @contextmanager
    def reading_once(self) -> Iterator[None]:
        """Within the block (in this thread), each aggregate is read from the store once: a
        caller that read an item to check it may be changed hands the command that very read.
        The command's events follow the version read, so a write another writer got in first
        is refused and the command retries on a fresh read; a command refused on reads handed
        over decides once more on fresh ones (``_execute`` forgets the reads)."""
        if getattr(self._reads, "held", None) is not None:
            yield
            return
        self._reads.held = {}
        try:
            yield
        finally:
            self._reads.held = None

    def _forget_reads(self) -> bool:
        """Drop the reads held by ``reading_once`` (a decision may have changed them, or
        another writer got in first); whether there were any."""
        held = getattr(self._reads, "held", None)
        if not held:
            return False
        held.clear()
        return True

    # Queries -------------------------------------------------------------------------

    def today(self) -> date:
        return self.clock().astimezone(self.zone).date()

    def get_submission(self, submission_id: UUID | str) -> dict[str, Any]:
        item = self._submission(inputs.uuid("submission_id", submission_id))
        return {
            "id": str(item.id),
            "ref": item.ref,
            "title": item.title,
            "channel": item.channel.value,
            "category": item.category.value,
            "status": item.status.value,
            "authors": [
                {"officer_id": str(a.officer_id),
                 "share": str(a.share) if a.share is not None else None}
                for a in item.authors
            ],
            "unit_id": str(item.unit_id),
            "event_date": item.event_date.isoformat(),
            "submitted_on": item.submitted_on.isoformat() if item.submitted_on else None,
            "approved_by": item.approved_by,
            "adoptions": [
                {"outlet_id": str(a.outlet_id), "form": a.form.value, "route": a.route.value,
                 "adopted_on": a.adopted_on.isoformat(), "retracted": a.retracted}
                for a in item.outcomes.adoptions
            ],
            "instructions": len(item.instructions),
            "version": item.version,
        }

    def officer_unit_on(self, officer: str, day: date | str) -> str | None:
        person = self._officer("officer", inputs.code("officer", officer))
        unit_id = person.unit_on(inputs.day("day", day))
        return self._load(Unit, unit_id, "unit").code if unit_id else None

    def position_at(self, when: datetime | str) -> int:
        """The last notification id recorded at or before ``when``."""
        moment = inputs.instant("as_of", when, zone=self.zone, end_of_day=True)
        return self.recorder.max_notification_id_at(moment)  # type: ignore[attr-defined]

    # Plumbing ------------------------------------------------------------------------

    def _execute(
        self,
        command: str,
        meta: CommandMeta,
        args: dict[str, Any],
        decide: Callable[[Cause], tuple[R, Sequence[Aggregate | Unchanged]]],
        parse: Callable[[str], Any] = UUID,
    ) -> R:
        """Run ``decide`` and save its aggregates in one transaction, with the idempotency
        record if a key is given; retry a bounded number of times when another writer wins,
        or when what ``decide`` read and named ``Unchanged`` changed before the save."""
        cause = self._cause(meta)
        key = inputs.text("idempotency_key", meta.idempotency_key, max_length=200,
                          required=False) or None
        # The fingerprint only serves the idempotency record; a bulk import sends no key.
        fingerprint = "" if key is None else hashlib.sha256(
            json.dumps([command, args], sort_keys=True, default=str).encode()
        ).hexdigest()
        for attempt in range(MAX_ATTEMPTS):
            # A new key (the usual case) costs no read: its record is saved with the changes
            # and a repeated key collides with the stored record, which the next attempt, or
            # a refusal of the repeated command, then answers from.
            if key is not None and attempt > 0:
                earlier = self._earlier_result(key, command, fingerprint)
                if earlier is not None:
                    return parse(earlier)  # type: ignore[no-any-return]
            try:
                result, decided = decide(cause)
            except TallyError:
                if self._forget_reads() and attempt == 0:
                    continue  # refused on reads handed over: decide again on fresh ones
                earlier = None if key is None or attempt > 0 else self._earlier_result(
                    key, command, fingerprint)
                if earlier is not None:
                    return parse(earlier)  # type: ignore[no-any-return]
                raise
            changed = [part for part in decided if not isinstance(part, Unchanged)]
            unchanged = [part for part in decided if isinstance(part, Unchanged)]
            if key is not None:
                changed.append(CommandRecord(key=key, command=command, fingerprint=fingerprint,
                                             result=str(result), cause=cause))
            try:
                self.save(*changed, **({"unchanged": unchanged} if unchanged else {}))
            except IntegrityError:
                self._forget_reads()
                time.sleep(random.uniform(0, 0.01 * 2**attempt))  # noqa: S311
                continue
            return result
        raise ConflictError(
            f"{command}: other writers changed the same records {MAX_ATTEMPTS} times; "
            "nothing was recorded, try again",
            field=None,
        )

    def _earlier_result(self, key: str, command: str, fingerprint: str) -> str | None:
        try:
            record = self.repository.get(CommandRecord.create_id(key))
        except AggregateNotFoundError:
            return None
        assert isinstance(record, CommandRecord)
        if record.command != command or record.fingerprint != fingerprint:
            raise IdempotencyKeyReusedError(
                f"this key was used for another {record.command} request",
                field="idempotency_key",
            )
        return record.result

    def _cause(self, meta: CommandMeta) -> Cause:
        actor = inputs.text("actor", meta.actor, max_length=64)
        correlation_id = inputs.text("correlation_id", meta.correlation_id, max_length=100,
                                     required=False) or str(uuid4())
        known_at = None
        if meta.known_at is not None:
            known_at = inputs.instant("known_at", meta.known_at, zone=self.zone)
            if known_at > self.clock() + timedelta(minutes=5):
                raise InvalidInputError("must not be in the future", field="known_at")
        return Cause(actor=actor, correlation_id=correlation_id, known_at=known_at)

    def _past_day(self, field: str, value: Any) -> date:
        day = inputs.day(field, value)
        if day > self.today():
            raise InvalidInputError(
                f"{day.isoformat()} is in the future (today is {self.today().isoformat()})",
                field=field,
            )
        return day

    def _past_instant(self, field: str, value: Any) -> datetime:
        moment = inputs.instant(field, value, zone=self.zone).astimezone(self.zone)
        if moment > self.clock() + timedelta(minutes=5):
            raise InvalidInputError("must not be in the future", field=field)
        return moment

    def _check_new(self, aggregate_id: UUID, field: str, what: str) -> None:
        if aggregate_id in self.repository:
            raise AlreadyExistsError(f"{what} already exists", field=field)

    def _load(self, kind: type[A], aggregate_id: UUID, field: str) -> A:
        held = getattr(self._reads, "held", None)
        try:
            aggregate = held[aggregate_id] if held and aggregate_id in held \
                else self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            raise NotFoundError(f"no {kind.__name__.lower()} {aggregate_id}", field=field) from None
        if held is not None:
            held[aggregate_id] = aggregate
        if not isinstance(aggregate, kind):
            raise NotFoundError(f"no {kind.__name__.lower()} {aggregate_id}", field=field)
        return aggregate

    def _by_code(self, kind: type[A], field: str, code: str) -> A:
        try:
            return self._load(kind, derived_id(kind.__name__.lower(), code), field)
        except NotFoundError:
            raise NotFoundError(f"no {kind.__name__.lower()} {code}", field=field) from None

    def _unit(self, field: str, code: str) -> Unit:
        return self._by_code(Unit, field, code)

    def _officer(self, field: str, code: str) -> Officer:
        return self._by_code(Officer, field, code)

    def _outlet(self, field: str, code: str) -> OutletRef:
        """Read from the store once per process: a registered outlet stays, and its id and
        channel never change. What a staged run (an import) reads is not kept."""
        found = self._outlets.get(code)
        if found is None:
            outlet = self._by_code(Outlet, field, code)
            found = OutletRef(outlet.id, outlet.channel)
            if isinstance(self.repository, Repository):
                self._outlets[code] = found
        return found

    def _account(self, field: str, username: str) -> Account:
        return self._by_code(Account, field, username)

    def _submission(self, submission_id: UUID) -> Submission:
        return self._load(Submission, submission_id, "submission_id")

    def _holder_id(self, holder_kind: HolderKind, code: str) -> UUID:
        if holder_kind is HolderKind.OFFICER:
            return self._officer("holder", code).id
        return self._unit("holder", code).id

    def _authors(self, shares: list[tuple[str, Any]]) -> list[Author]:
        return [Author(officer_id=self._officer("authors", code).id, share=share)
                for code, share in shares]


__all__ = ["CommandMeta", "Tally"]
