"""The assessment commands (methods and findings) refuse bad input naming the field, and
record nothing."""

from __future__ import annotations

from typing import Any

import pytest

from domain.application import CommandMeta, Tally
from domain.errors import (
    AlreadyExistsError,
    InvalidInputError,
    NotFoundError,
    TallyError,
    WrongStateError,
)
from domain.method import MethodError
from tests.conftest import event_count

META = CommandMeta(actor="admin")
METHOD = """
[method]
code = "{code}"
name = "某县计分办法"
effective_from = {day}

[adoption.info]
city = {{ full = 10 }}
"""


@pytest.fixture
def office(app: Tally) -> Tally:
    app.register_unit("u1", "县委办公室", "A类", "2025-01-01", meta=META)
    app.enrol_officer("o1", "张伟", "u1", "2025-01-01", meta=META)
    app.publish_method(METHOD.format(code="v1", day="2025-01-01"), meta=META)
    return app


def finding(**changes: Any) -> dict[str, Any]:
    return {"kind": "missed", "holder_kind": "officer", "holder": "o1",
            "found_on": "2025-05-01", "reason": "漏报重要情况", **changes}


@pytest.mark.parametrize(("changes", "error", "field"), [
    ({"kind": "late"}, InvalidInputError, "kind"),
    ({"holder_kind": "team"}, InvalidInputError, "holder_kind"),
    ({"holder": "o9"}, NotFoundError, "holder"),
    ({"holder_kind": "unit", "holder": "o1"}, NotFoundError, "holder"),
    ({"found_on": "2025-02-30"}, InvalidInputError, "found_on"),
    ({"found_on": "2999-01-01"}, InvalidInputError, "found_on"),
    ({"reason": "  "}, InvalidInputError, "reason"),
    ({"submission_id": "not-an-id"}, InvalidInputError, "submission_id"),
])
def test_a_bad_finding_is_refused_naming_the_field(office: Tally, changes: dict[str, Any],
                                                   error: type[TallyError], field: str) -> None:
    before = event_count(office)
    with pytest.raises(error) as refused:
        office.record_finding(**finding(**changes), meta=META)
    assert refused.value.field == field
    assert event_count(office) == before
    office.record_finding(**finding(), meta=META)  # the unspoilt call is accepted
    assert event_count(office) == before + 1


def test_a_finding_is_withdrawn_once(office: Tally) -> None:
    found = office.record_finding(**finding(), meta=META)
    office.withdraw_finding(found, "核实有误", meta=META)
    before = event_count(office)
    with pytest.raises(WrongStateError) as refused:
        office.withdraw_finding(found, "再次撤销", meta=META)
    assert refused.value.field == "finding_id" and event_count(office) == before


@pytest.mark.parametrize(("call", "error", "field"), [
    (lambda app: app.publish_method(METHOD.format(code="v1", day="2025-06-01"), meta=META),
     AlreadyExistsError, "method.code"),
    (lambda app: app.publish_method(METHOD.format(code="v2", day="2025-01-01"), meta=META),
     InvalidInputError, "method.effective_from"),
    (lambda app: app.publish_method(METHOD.format(code="v2", day="2025-13-01"), meta=META),
     MethodError, "file"),
    (lambda app: app.publish_method(12, meta=META), InvalidInputError, "source"),
    (lambda app: app.reschedule_method("v9", "2025-02-01", "修订", meta=META),
     NotFoundError, "code"),
    (lambda app: app.reschedule_method("v1", "2025-02-30", "修订", meta=META),
     InvalidInputError, "effective_from"),
    (lambda app: app.reschedule_method("v1", "2025-02-01", "", meta=META),
     InvalidInputError, "reason"),
    (lambda app: app.withdraw_method("v9", "作废", meta=META), NotFoundError, "code"),
])
def test_bad_method_commands_are_refused_naming_the_field(office: Tally, call: Any,
                                                          error: type[TallyError],
                                                          field: str) -> None:
    before = event_count(office)
    with pytest.raises(error) as refused:
        call(office)
    assert refused.value.field == field
    assert event_count(office) == before
