"""Who may do what: the one table of roles per action, and the checks on a single item.

Every route names its action; ``allow`` refuses (403, nothing written) a principal none of whose
roles may take it. Officers and approvers are further held to their own items and unit by
``check_item``. An auditor reads everything and changes nothing; a leader reads dashboards and
reports. The table is the authority the authorization test walks route by route."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from domain.errors import NotAuthorisedError

OFFICER, APPROVER, EDITOR, ADMINISTRATOR, AUDITOR, LEADER = (
    "officer", "approver", "editor", "administrator", "auditor", "leader")
ROLES = (OFFICER, APPROVER, EDITOR, ADMINISTRATOR, AUDITOR, LEADER)
EVERYONE = frozenset(ROLES)
READERS = frozenset({APPROVER, EDITOR, ADMINISTRATOR, AUDITOR, LEADER})


def _roles(*names: str) -> frozenset[str]:
    return frozenset(names)


#: Commands (named as the ``Tally`` methods and workflows that carry them out) and reads.
ACTIONS: Mapping[str, frozenset[str]] = {
    # an officer's own drafts
    "draft_submission": _roles(OFFICER),
    "revise_submission": _roles(OFFICER),
    "submit": _roles(OFFICER),
    "withdraw": _roles(OFFICER),
    "file_appeal": _roles(OFFICER),
    # sign-off in the approver's unit
    "approve": _roles(APPROVER),
    "return_submission": _roles(APPROVER),
    # the editors' desk: outlets' decisions, instructions, commissions, periods, appeals
    "send_to_outlet": _roles(EDITOR),
    "record_adoption": _roles(EDITOR),
    "record_decline": _roles(EDITOR),
    "retract_adoption": _roles(EDITOR),
    "record_instruction": _roles(EDITOR),
    "record_feedback": _roles(EDITOR),
    "issue_commission": _roles(EDITOR),
    "record_lapse": _roles(EDITOR),
    "decide_appeal": _roles(EDITOR),  # an upheld appeal records the correcting fact
    "close_period": _roles(EDITOR),
    "reissue_bulletin": _roles(EDITOR),
    "fill_honours": _roles(EDITOR),
    # the administrators: directory, accounts, methods, targets, findings
    "register_unit": _roles(ADMINISTRATOR),
    "rename_unit": _roles(ADMINISTRATOR),
    "reclassify_unit": _roles(ADMINISTRATOR),
    "close_unit": _roles(ADMINISTRATOR),
    "enrol_officer": _roles(ADMINISTRATOR),
    "transfer_officer": _roles(ADMINISTRATOR),
    "record_leaving": _roles(ADMINISTRATOR),
    "register_outlet": _roles(ADMINISTRATOR),
    "rename_outlet": _roles(ADMINISTRATOR),
    "open_account": _roles(ADMINISTRATOR),
    "grant_role": _roles(ADMINISTRATOR),
    "revoke_role": _roles(ADMINISTRATOR),
    "close_account": _roles(ADMINISTRATOR),
    "set_password": _roles(ADMINISTRATOR),
    "publish_method": _roles(ADMINISTRATOR),
    "reschedule_method": _roles(ADMINISTRATOR),
    "withdraw_method": _roles(ADMINISTRATOR),
    "set_target": _roles(ADMINISTRATOR),
    "adjust_target": _roles(ADMINISTRATOR),
    "record_finding": _roles(ADMINISTRATOR),
    "withdraw_finding": _roles(ADMINISTRATOR),
    "import_ledgers": _roles(ADMINISTRATOR),  # existing ledgers, all or nothing
    # reads
    "read_directory": EVERYONE,
    "read_items": EVERYONE,  # officers and approvers: their unit's items only
    "read_bulletins": EVERYONE,
    "explain": EVERYONE,  # officers: their own points only
    "read_reports": READERS,
    "read_dashboard": READERS,
    "read_reminders": READERS,
    "read_audit": _roles(EDITOR, ADMINISTRATOR, AUDITOR, LEADER),
    "read_accounts": _roles(ADMINISTRATOR, AUDITOR),
    "verify_log": _roles(ADMINISTRATOR, AUDITOR),  # recompute the chain and the bulletins
    "export": READERS,
    "export_ledgers": _roles(ADMINISTRATOR, AUDITOR),  # every fact, as the import's files
}

#: Actions that change nothing: the auditor and the leader hold only these.
READS = frozenset(name for name in ACTIONS
                  if name.startswith(("read_", "export")) or name == "explain")
#: Reads that see every unit; without one, an officer or approver sees their own unit only.
WHOLE_OFFICE = frozenset({EDITOR, ADMINISTRATOR, AUDITOR, LEADER})


@dataclass(frozen=True)
class Principal:
    """A logged-in account: who, with which roles, for which officer and unit."""

    username: str
    display_name: str
    roles: frozenset[str]
    officer_id: str | None = None
    unit_id: str | None = None
    officer_code: str | None = None
    unit_code: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    def has(self, *roles: str) -> bool:
        return any(role in self.roles for role in roles)

    @property
    def sees_whole_office(self) -> bool:
        return bool(self.roles & WHOLE_OFFICE)


def can(principal: Principal, action: str) -> bool:
    return bool(principal.roles & ACTIONS[action])


def allow(principal: Principal, action: str) -> None:
    """Refuse ``action`` unless one of the principal's roles may take it."""
    if not can(principal, action):
        allowed = "、".join(sorted(ACTIONS[action]))
        raise NotAuthorisedError(
            f"{principal.username} may not {action} (needs one of: {allowed})", field="role")


def allowed_actions(principal: Principal) -> list[str]:
    return sorted(name for name in ACTIONS if can(principal, name))


def _authors(item: Mapping[str, Any]) -> Iterable[str]:
    return (str(author["officer_id"]) for author in item.get("authors", ()))


def is_author(principal: Principal, item: Mapping[str, Any]) -> bool:
    return principal.officer_id is not None and principal.officer_id in set(_authors(item))


def may_see_item(principal: Principal, item: Mapping[str, Any]) -> bool:
    if principal.sees_whole_office:
        return True
    return is_author(principal, item) or (
        principal.unit_id is not None and str(item.get("unit_id")) == principal.unit_id)


def check_item(principal: Principal, action: str, item: Mapping[str, Any]) -> None:
    """Hold officers to their own items and approvers to their unit's, for ``action``."""
    allow(principal, action)
    if action == "read_items":
        if not may_see_item(principal, item):
            raise NotAuthorisedError(f"{principal.username} may not see this item",
                                     field="submission_id")
        return
    if action in ACTIONS and ACTIONS[action] == frozenset({OFFICER}):
        if not is_author(principal, item):
            raise NotAuthorisedError(f"{principal.username} is not an author of this item",
                                     field="submission_id")
        return
    if action in ("approve", "return_submission"):
        if principal.unit_id is not None and str(item.get("unit_id")) != principal.unit_id:
            raise NotAuthorisedError(f"{principal.username} approves for another unit",
                                     field="submission_id")


def check_draft_authors(principal: Principal, author_codes: Iterable[str]) -> None:
    """An officer drafts only items they are an author of."""
    allow(principal, "draft_submission")
    if principal.officer_code not in set(author_codes):
        raise NotAuthorisedError(f"{principal.username} must be one of the authors",
                                 field="authors")


def check_officer_scope(principal: Principal, officer_code: str, unit_code: str | None,
                        *, field: str = "officer") -> None:
    """"Why these points": officers for themselves, approvers for their unit, readers for all;
    ``field`` names the input a refusal is about (``unit`` when a unit was asked for)."""
    allow(principal, "explain")
    if principal.sees_whole_office:
        return
    if principal.officer_code == officer_code:
        return
    if principal.has(APPROVER) and unit_code is not None and unit_code == principal.unit_code:
        return
    raise NotAuthorisedError(f"{principal.username} may see only their own points",
                             field=field)
