"""A decision resting on what a command read and does not change is saved only if that still
holds when its events are appended (``domain.unchanged``): an approval by an account whose
approver role another writer revoked meanwhile is refused, not recorded. (The closing of a unit
and postings into it: tests/test_unit_closing.py.)"""

from __future__ import annotations

from typing import Any

import pytest

from domain.application import CommandMeta, Tally
from domain.errors import NotAuthorisedError
from store.bootstrap import open_tally
from store.settings import DatabaseSettings
from tests.conftest import event_count
from tests.report_history import office_history

ADMIN = CommandMeta(actor="admin")


def test_an_approval_by_an_account_that_lost_its_role_meanwhile_is_refused(
        app: Tally, database: DatabaseSettings, monkeypatch: pytest.MonkeyPatch) -> None:
    found = office_history(app)
    other = open_tally(database)
    read_account = app._account
    revoked = []

    def racing(field: str, code: str) -> Any:
        account = read_account(field, code)
        if not revoked:  # after the approval read the account, before it saves
            revoked.append(other.revoke_role("approver2", "approver", "调离审核岗位",
                                             meta=ADMIN))
        return account

    monkeypatch.setattr(app, "_account", racing)
    before = event_count(app)
    with pytest.raises(NotAuthorisedError) as refused:
        app.approve(found.item_b, "approver2", "2025-04-13T09:00",
                    meta=CommandMeta(actor="approver2"))
    other.close()

    assert refused.value.field == "approver"
    assert event_count(app) == before + 1  # the revocation alone
    assert app.get_submission(found.item_b)["status"] == "submitted"
