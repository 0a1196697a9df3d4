"""The office's scoring methods: published versions, each in force from its effective date."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import AlreadyExistsError, InvalidInputError, NotFoundError, WrongStateError
from domain.identity import derived_id
from domain.method import ScoringMethod, parse_method
from domain.values import Cause


@dataclass
class PublishedVersion:
    code: str
    effective_from: date
    source: str
    withdrawn: bool = False

    def method(self) -> ScoringMethod:
        return replace(parse_method(self.source), effective_from=self.effective_from)


class MethodBook(Aggregate):
    """One per office, so that no two versions take effect on the same day."""

    @staticmethod
    def create_id(office: str = "office", **_: Any) -> UUID:
        return derived_id("method-book", office)

    @event("Opened")
    def __init__(self, office: str, cause: Cause):
        self.office = office
        self.versions: dict[str, PublishedVersion] = {}

    def publish(self, method: ScoringMethod, cause: Cause) -> None:
        if method.code in self.versions:
            raise AlreadyExistsError(
                f"a method with code {method.code} was published; give the new version its own "
                "code", field="method.code")
        self.check_date_free(method.effective_from, field="method.effective_from")
        self._published(code=method.code, name=method.name,
                        effective_from=method.effective_from, source=method.source,
                        digest=method.digest, cause=cause)

    @event("VersionPublished")
    def _published(self, code: str, name: str, effective_from: date, source: str, digest: str,
                   cause: Cause) -> None:
        self.versions[code] = PublishedVersion(code, effective_from, source)

    def reschedule(self, code: str, effective_from: date, reason: str, cause: Cause) -> None:
        version = self.active_version(code)
        if effective_from == version.effective_from:
            raise InvalidInputError("the version already takes effect on that day",
                                    field="effective_from")
        self.check_date_free(effective_from, field="effective_from")
        self._rescheduled(code=code, effective_from=effective_from, reason=reason, cause=cause)

    @event("VersionRescheduled")
    def _rescheduled(self, code: str, effective_from: date, reason: str, cause: Cause) -> None:
        self.versions[code].effective_from = effective_from

    def withdraw(self, code: str, reason: str, cause: Cause) -> None:
        self.active_version(code)
        self._withdrawn(code=code, reason=reason, cause=cause)

    @event("VersionWithdrawn")
    def _withdrawn(self, code: str, reason: str, cause: Cause) -> None:
        self.versions[code].withdrawn = True

    def active_version(self, code: str) -> PublishedVersion:
        version = self.versions.get(code)
        if version is None:
            raise NotFoundError(f"no published method {code}", field="code")
        if version.withdrawn:
            raise WrongStateError(f"method {code} was withdrawn", field="code")
        return version

    def check_date_free(self, day: date, *, field: str) -> None:
        for other in self.versions.values():
            if not other.withdrawn and other.effective_from == day:
                raise InvalidInputError(
                    f"method {other.code} already takes effect on {day.isoformat()}", field=field)

    def methods(self) -> list[ScoringMethod]:
        return [v.method() for v in self.versions.values() if not v.withdrawn]
