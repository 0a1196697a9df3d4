"""Commands of the directory: units, officers, accounts and outlets."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.utils import get_topic

from domain import inputs
from domain.account import Account
from domain.errors import (
    InvalidInputError,
)
from domain.officer import Officer
from domain.outlet import Outlet
from domain.unchanged import Unchanged
from domain.unit import Unit
from domain.values import Cause, Channel, Level, Role

if TYPE_CHECKING:
    from domain.application import CommandMeta


class DirectoryCommands:
    """Mixed into ``Tally``."""

    def register_unit(self, code: str, name: str, unit_class: str, registered_on: date | str,
                      *, meta: CommandMeta) -> UUID:
        code = inputs.code("code", code)
        args = {
            "code": code,
            "name": inputs.text("name", name, max_length=100),
            "unit_class": inputs.text("unit_class", unit_class, max_length=50),
            "registered_on": self._past_day("registered_on", registered_on),
        }

        def decide(cause: Cause) -> tuple[UUID, list[Aggregate]]:
            self._check_new(Unit.create_id(code), "code", f"unit {code}")
            unit = Unit(**args, cause=cause)
            return unit.id, [unit]

        return self._execute("register_unit", meta, args, decide)

    def rename_unit(self, unit: str, name: str, effective_on: date | str, reason: str,
                    *, meta: CommandMeta) -> UUID:
        args = {
            "unit": inputs.code("unit", unit),
            "name": inputs.text("name", name, max_length=100),
            "effective_on": inputs.day("effective_on", effective_on),
            "reason": inputs.text("reason", reason),
        }

        def decide(cause: Cause) -> tuple[UUID, list[Aggregate]]:
            target = self._unit("unit", args["unit"])
            target.rename(args["name"], args["effective_on"], args["reason"], cause)
            return target.id, [target]

        return self._execute("rename_unit", meta, args, decide)

    def reclassify_unit(self, unit: str, unit_class: str, reason: str, *,
                        meta: CommandMeta) -> UUID:
        """Correct or change a unit's class (its grouping in the office's assessment: A类,
        B类 and the like)."""
        args = {
            "unit": inputs.code("unit", unit),
            "unit_class": inputs.text("unit_class", unit_class, max_length=50),
            "reason": inputs.text("reason", reason),
        }

        def decide(cause: Cause) -> tuple[UUID, list[Aggregate]]:
            target = self._unit("unit", args["unit"])
            target.reclassify(args["unit_class"], args["reason"], cause)
            return target.id, [target]

        return self._execute("reclassify_unit", meta, args, decide)

    def close_unit(self, unit: str, closed_on: date | str, reason: str,
                   successor: str | None = None, *, meta: CommandMeta) -> UUID:
        """Close a unit (撤并) from ``closed_on``: rankings of periods that begin on or after
        that day leave it out, its history stays its own, and it takes no one from then on.
        The officers still posted in it that day move to ``successor`` on that day, in the same
        command; without a successor the unit must have none left."""
        args = {
            "unit": inputs.code("unit", unit),
            "closed_on": inputs.day("closed_on", closed_on),
            "reason": inputs.text("reason", reason),
            "successor": inputs.code("successor", successor) if successor else None,
        }

        def decide(cause: Cause) -> tuple[UUID, list[Aggregate | Unchanged]]:
            target = self._unit("unit", args["unit"])
            day: date = args["closed_on"]
            heir = self._unit("successor", args["successor"]) if args["successor"] else None
            target.check_closable(day, heir.id if heir else None)  # before the log is read
            if heir is not None:
                heir.check_open_on(day, "successor")
            read_up_to = self.recorder.max_notification_id() or 0
            staying = self._officers_staying(target, day)
            if staying and heir is None:
                raise InvalidInputError(
                    f"{', '.join(o.code for o in staying)} still belong to the unit on "
                    f"{day.isoformat()}: name a successor to move them to, or transfer them "
                    "first", field="successor")
            target.close(day, heir.id if heir else None, args["reason"], cause)
            for person in staying:
                assert heir is not None
                person.transfer(heir.id, day, args["reason"], cause)
            # not if an officer was posted meanwhile (perhaps to this unit), nor if the
            # successor closed
            posted = Unchanged.no_facts_since(read_up_to, (Officer.Enrolled, Officer.Transferred))
            unchanged = [posted, *([Unchanged.read(heir)] if heir is not None else [])]
            return target.id, [target, *staying, *unchanged]

        return self._execute("close_unit", meta, args, decide)

    def _officers_staying(self, unit: Unit, day: date) -> list[Officer]:
        """The officers who belong to ``unit`` on ``day`` (enrolled in it or moved to it before
        then, and not left), by code. Refused: one whose postings or leaving are dated after
        ``day`` (the unit's closing would fall inside a posting already recorded)."""
        staying = []
        for officer_id in self._ever_posted_to(unit.id):
            person = self._load(Officer, officer_id, "unit")
            if person.left_on is not None and person.left_on <= day:
                continue
            later = [since for since, unit_id in person.postings
                     if since > day or (since == day and unit_id == unit.id)]
            if later or person.left_on is not None:
                raise InvalidInputError(
                    f"officer {person.code} has a posting or leaving recorded on or after "
                    f"{day.isoformat()}: close the unit after it", field="closed_on")
            if person.unit_on(day) == unit.id:
                staying.append(person)
        return sorted(staying, key=lambda person: person.code)

    def _ever_posted_to(self, unit_id: UUID) -> set[UUID]:
        """The officers ever enrolled in or moved to the unit, from the log."""
        topics = [get_topic(Officer.Enrolled), get_topic(Officer.Transferred)]
        ids: set[UUID] = set()
        position = 0
        while page := self.recorder.select_notifications(position, 1000, topics=topics,
                                                         inclusive_of_start=False):
            position = page[-1].id
            for notification in page:
                fact = self.mapper.to_domain_event(notification)
                if posted_to(fact) == unit_id:
                    ids.add(fact.originator_id)
        return ids

    def enrol_officer(self, code: str, name: str, unit: str, enrolled_on: date | str,
                      *, meta: CommandMeta) -> UUID:
        code = inputs.code("code", code)
        args = {
            "code": code,
            "name": inputs.text("name", name, max_length=50),
            "unit": inputs.code("unit", unit),
            "enrolled_on": self._past_day("enrolled_on", enrolled_on),
        }

        def decide(cause: Cause) -> tuple[UUID, list[Aggregate]]:
            self._check_new(Officer.create_id(code), "code", f"officer {code}")
            home = self._unit("unit", args["unit"])
            home.check_open_on(args["enrolled_on"], "unit")
            unit_id = home.id
            officer = Officer(code=code, name=args["name"], unit_id=unit_id,
                              enrolled_on=args["enrolled_on"], cause=cause)
            # not if the unit closed meanwhile (its closing reads who is in it)
            return officer.id, [officer, Unchanged.read(home)]

        return self._execute("enrol_officer", meta, args, decide)

    def transfer_officer(self, officer: str, to_unit: str, effective_on: date | str,
                         reason: str = "", *, meta: CommandMeta) -> UUID:
        args = {
            "officer": inputs.code("officer", officer),
            "to_unit": inputs.code("to_unit", to_unit),
            "effective_on": inputs.day("effective_on", effective_on),
            "reason": inputs.text("reason", reason, required=False),
        }

        def decide(cause: Cause) -> tuple[UUID, list[Aggregate]]:
            person = self._officer("officer", args["officer"])
            to_unit = self._unit("to_unit", args["to_unit"])
            to_unit.check_open_on(args["effective_on"], "to_unit")
            person.transfer(to_unit.id, args["effective_on"], args["reason"], cause)
            return person.id, [person, Unchanged.read(to_unit)]

        return self._execute("transfer_officer", meta, args, decide)

    def record_leaving(self, officer: str, left_on: date | str, reason: str = "",
                       *, meta: CommandMeta) -> UUID:
        args = {
            "officer": inputs.code("officer", officer),
            "left_on": inputs.day("left_on", left_on),
            "reason": inputs.text("reason", reason, required=False),
        }

        def decide(cause: Cause) -> tuple[UUID, list[Aggregate]]:
            person = self._officer("officer", args["officer"])
            person.leave(args["left_on"], args["reason"], cause)
            return person.id, [person]

        return self._execute("record_leaving", meta, args, decide)

    def open_account(self, username: str, display_name: str, roles: Sequence[str],
                     officer: str | None = None, unit: str | None = None,
                     *, meta: CommandMeta) -> UUID:
        username = inputs.code("username", username)
        roles = [] if isinstance(roles, str) else inputs.listed("roles", roles)
        if not roles:
            raise InvalidInputError("must list at least one role", field="roles")
        args = {
            "username": username,
            "display_name": inputs.text("display_name", display_name, max_length=50),
            "roles": sorted({inputs.choice("roles", Role, r).value for r in roles}),
            "officer": inputs.code("officer", officer) if officer else None,
            "unit": inputs.code("unit", unit) if unit else None,
        }

        def decide(cause: Cause) -> tuple[UUID, list[Aggregate]]:
            self._check_new(Account.create_id(username), "username", f"account {username}")
            officer_id = self._officer("officer", args["officer"]).id if args["officer"] else None
            unit_id = self._unit("unit", args["unit"]).id if args["unit"] else None
            account = Account(
                username=username,
                display_name=args["display_name"],
                roles=[Role(r) for r in args["roles"]],
                officer_id=officer_id,
                unit_id=unit_id,
                cause=cause,
            )
            return account.id, [account]

        return self._execute("open_account", meta, args, decide)

    def grant_role(self, username: str, role: str, *, meta: CommandMeta) -> UUID:
        args = {"username": inputs.code("username", username),
                "role": inputs.choice("role", Role, role).value}

        def decide(cause: Cause) -> tuple[UUID, list[Aggregate]]:
            account = self._account("username", args["username"])
            account.grant(Role(args["role"]), cause)
            return account.id, [account]

        return self._execute("grant_role", meta, args, decide)

    def revoke_role(self, username: str, role: str, reason: str, *, meta: CommandMeta) -> UUID:
        args = {"username": inputs.code("username", username),
                "role": inputs.choice("role", Role, role).value,
                "reason": inputs.text("reason", reason)}

        def decide(cause: Cause) -> tuple[UUID, list[Aggregate]]:
            account = self._account("username", args["username"])
            account.revoke(Role(args["role"]), args["reason"], cause)
            return account.id, [account]

        return self._execute("revoke_role", meta, args, decide)

    def close_account(self, username: str, reason: str, *, meta: CommandMeta) -> UUID:
        """Close an account (one who left the office): it signs in no more and holds no role;
        its history stays."""
        args = {"username": inputs.code("username", username),
                "reason": inputs.text("reason", reason)}

        def decide(cause: Cause) -> tuple[UUID, list[Aggregate]]:
            account = self._account("username", args["username"])
            account.close(args["reason"], cause)
            return account.id, [account]

        return self._execute("close_account", meta, args, decide)

    def register_outlet(self, code: str, name: str, channel: str, level: str,
                        *, meta: CommandMeta) -> UUID:
        code = inputs.code("code", code)
        args = {
            "code": code,
            "name": inputs.text("name", name, max_length=100),
            "channel": inputs.choice("channel", Channel, channel),
            "level": inputs.choice("level", Level, level),
        }

        def decide(cause: Cause) -> tuple[UUID, list[Aggregate]]:
            self._check_new(Outlet.create_id(code), "code", f"outlet {code}")
            outlet = Outlet(**args, cause=cause)
            return outlet.id, [outlet]

        return self._execute("register_outlet", meta, args, decide)

    def rename_outlet(self, outlet: str, name: str, reason: str, *, meta: CommandMeta) -> UUID:
        """An outlet's new name (a newspaper renamed, an office merged): reports made from now
        on show it; published bulletins keep the name they were published with."""
        args = {"outlet": inputs.code("outlet", outlet),
                "name": inputs.text("name", name, max_length=100),
                "reason": inputs.text("reason", reason)}

        def decide(cause: Cause) -> tuple[UUID, list[Aggregate]]:
            found = self._by_code(Outlet, "outlet", args["outlet"])
            if found.name == args["name"]:
                raise InvalidInputError(f"the outlet is named {found.name} already",
                                        field="name")
            found.rename(args["name"], args["reason"], cause)
            return found.id, [found]

        return self._execute("rename_outlet", meta, args, decide)


def posted_to(fact: Any) -> UUID | None:
    """The unit an officer's enrolment or transfer posts the officer to (else None)."""
    if isinstance(fact, Officer.Enrolled):
        return fact.unit_id  # type: ignore[no-any-return]
    if isinstance(fact, Officer.Transferred):
        return fact.to_unit_id  # type: ignore[no-any-return]
    return None
