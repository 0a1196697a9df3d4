"""Commands of the assessment: scoring-method versions and the findings deducted for."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain import inputs
from domain.errors import InvalidInputError
from domain.finding import Finding
from domain.identity import created
from domain.method import parse_method
from domain.method_book import MethodBook
from domain.values import Cause, FindingKind, HolderKind

if TYPE_CHECKING:
    from domain.application import CommandMeta, Tally

OFFICE = "office"


class AssessmentCommands:
    """Mixed into ``Tally``: publishing methods and recording findings."""

    def publish_method(self: Tally, source: str, *, meta: CommandMeta) -> str:
        """Validate a method file and publish it as a version; returns the version's code."""
        if not isinstance(source, str):
            raise InvalidInputError("must be the text of a method file", field="source")
        method = parse_method(source)
        args = {"code": method.code, "digest": method.digest}

        def decide(cause: Cause) -> tuple[str, list[Aggregate]]:
            book = self._method_book(cause)
            book.publish(method, cause)
            return method.code, [book]

        return self._execute("publish_method", meta, args, decide, parse=str)

    def reschedule_method(self: Tally, code: str, effective_from: date | str, reason: str,
                          *, meta: CommandMeta) -> str:
        args = {"code": inputs.code("code", code),
                "effective_from": inputs.day("effective_from", effective_from),
                "reason": inputs.text("reason", reason)}

        def decide(cause: Cause) -> tuple[str, list[Aggregate]]:
            book = self._method_book(cause)
            book.reschedule(args["code"], args["effective_from"], args["reason"], cause)
            return args["code"], [book]

        return self._execute("reschedule_method", meta, args, decide, parse=str)

    def withdraw_method(self: Tally, code: str, reason: str, *, meta: CommandMeta) -> str:
        args = {"code": inputs.code("code", code), "reason": inputs.text("reason", reason)}

        def decide(cause: Cause) -> tuple[str, list[Aggregate]]:
            book = self._method_book(cause)
            book.withdraw(args["code"], args["reason"], cause)
            return args["code"], [book]

        return self._execute("withdraw_method", meta, args, decide, parse=str)

    def method_sources(self: Tally) -> dict[str, str]:
        """The source text of every version in force or scheduled, by code."""
        book_id = MethodBook.create_id(OFFICE)
        if book_id not in self.repository:
            return {}
        book = self.repository.get(book_id)
        return {v.code: v.source for v in book.versions.values() if not v.withdrawn}

    def record_finding(self: Tally, kind: str, holder_kind: str, holder: str,
                       found_on: date | str, reason: str, submission_id: Any = None,
                       ref: str | None = None, finding_id: UUID | str | None = None,
                       *, meta: CommandMeta) -> UUID:
        """``finding_id``: the id of a finding recorded without a reference in the store a
        ledger was exported from (a ledger import keeps it)."""
        args = {
            "kind": inputs.choice("kind", FindingKind, kind),
            "holder_kind": inputs.choice("holder_kind", HolderKind, holder_kind),
            "holder": inputs.code("holder", holder),
            "found_on": self._past_day("found_on", found_on),
            "reason": inputs.text("reason", reason),
            "submission_id": (inputs.uuid("submission_id", submission_id)
                              if submission_id else None),
            "ref": inputs.code("ref", ref) if ref else None,
            "finding_id": inputs.given_id("finding_id", finding_id, ref),
        }

        def decide(cause: Cause) -> tuple[UUID, list[Aggregate]]:
            if args["ref"]:
                self._check_new(Finding.create_id(args["ref"]), "ref", f"finding {args['ref']}")
            if args["finding_id"]:
                self._check_new(args["finding_id"], "finding_id",
                                f"finding {args['finding_id']}")
            holder_id = self._holder_id(args["holder_kind"], args["holder"])
            if args["submission_id"]:
                self._submission(args["submission_id"])
            finding = created(Finding, Finding.Recorded, args["finding_id"],
                              ref=args["ref"], kind=args["kind"],
                              holder_kind=args["holder_kind"], holder_id=holder_id,
                              found_on=args["found_on"], submission_id=args["submission_id"],
                              reason=args["reason"], cause=cause)
            return finding.id, [finding]

        return self._execute("record_finding", meta, args, decide)

    def withdraw_finding(self: Tally, finding_id: UUID | str, reason: str,
                         *, meta: CommandMeta) -> UUID:
        args = {"finding_id": inputs.uuid("finding_id", finding_id),
                "reason": inputs.text("reason", reason)}

        def decide(cause: Cause) -> tuple[UUID, list[Aggregate]]:
            finding = self._load(Finding, args["finding_id"], "finding_id")
            finding.withdraw(args["reason"], cause)
            return finding.id, [finding]

        return self._execute("withdraw_finding", meta, args, decide)

    def _method_book(self: Tally, cause: Cause) -> MethodBook:
        book_id = MethodBook.create_id(OFFICE)
        if book_id in self.repository:
            book = self.repository.get(book_id)
            assert isinstance(book, MethodBook)
            return book
        return MethodBook(office=OFFICE, cause=cause)
