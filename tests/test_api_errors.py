"""Refusals over HTTP name their field, and keyed commands are recorded once."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from uuid import uuid4

import pytest

from tests.api_office import BACKENDS, Office, module_office

V1 = "/api/v1"


@pytest.fixture(scope="module", params=BACKENDS)
def office(request: pytest.FixtureRequest,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[Office]:
    yield from module_office(request, tmp_path_factory.mktemp("api_errors"), "api_errors")


def refusal(response: Any, status: int, error: str, field: str | None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert {"error", "field", "message"} <= set(body)
    assert (body["error"], body["field"]) == (error, field), body
    assert body["message"]
    return body  # type: ignore[no-any-return]


def unit(code: str, name: str = "县农业农村局") -> dict[str, str]:
    return {"code": code, "name": name, "unit_class": "A类", "registered_on": "2025-01-01"}


def test_a_request_without_a_valid_token_answers_401_naming_the_authorization(
        office: Office) -> None:
    before = office.events()
    missing = office.client.post(f"{V1}/units", json=unit("x1"))
    refusal(missing, 401, "NotAuthenticatedError", "authorization")
    assert missing.headers["WWW-Authenticate"] == "Bearer"
    forged = office.client.get(f"{V1}/units", headers={"Authorization": "Bearer tly_forged"})
    refusal(forged, 401, "NotAuthenticatedError", "authorization")
    wrong = office.client.post(f"{V1}/tokens", json={"username": "editor", "password": "nope"})
    refusal(wrong, 401, "NotAuthenticatedError", "password")
    assert office.events() == before


def test_a_role_refusal_answers_403_and_records_nothing(office: Office) -> None:
    before = office.events()
    refused = office.client.post(f"{V1}/units", json=unit("x2"), headers=office.auth("auditor"))
    body = refusal(refused, 403, "NotAuthorisedError", "role")
    assert "register_unit" in body["message"]
    assert office.events() == before


def test_something_missing_answers_404_naming_what_was_looked_for(office: Office) -> None:
    editor = office.auth("editor")
    refusal(office.client.get(f"{V1}/submissions/{uuid4()}", headers=editor),
            404, "NotFoundError", "submission_id")
    refusal(office.client.post(f"{V1}/units/nowhere/rename", headers=office.auth(
        "administrator"), json={"name": "无", "effective_on": "2025-02-01", "reason": "测试"}),
        404, "NotFoundError", "unit")
    refusal(office.client.get(f"{V1}/periods/2025-11/bulletin", headers=editor),
            404, "NotFoundError", "period")
    refusal(office.client.get(f"{V1}/accounts/nobody", headers=office.auth("auditor")),
            404, "NotFoundError", "username")


def test_a_conflict_answers_409_an_existing_code_or_a_broken_rule(office: Office) -> None:
    admin, editor = office.auth("administrator"), office.auth("editor")
    refusal(office.client.post(f"{V1}/units", json=unit("u1"), headers=admin),
            409, "AlreadyExistsError", "code")
    draft = office.draft()
    before = office.events()
    refusal(office.client.post(f"{V1}/submissions/{draft}/adoptions", headers=editor,
                               json={"outlet": "prov", "form": "full",
                                     "adopted_on": "2025-05-05"}),
            409, "NotAdoptableError", "submission_id")
    assert office.events() == before


def test_invalid_input_answers_422_naming_the_field_from_the_model_or_the_domain(
        office: Office) -> None:
    officer, leader = office.auth("officer"), office.auth("leader")
    draft = {"title": "县委办公室工作动态", "channel": "info", "category": "other",
             "authors": [{"officer": "o1"}], "event_date": "2025-05-01"}
    before = office.events()
    refusal(office.client.post(f"{V1}/submissions", headers=officer,
                               json={**draft, "event_date": "2099-01-01"}),
            422, "InvalidInputError", "event_date")
    refusal(office.client.post(f"{V1}/submissions", headers=officer,
                               json={**draft, "channel": "radio"}),
            422, "InvalidInputError", "channel")
    refusal(office.client.post(f"{V1}/submissions", headers=officer,
                               json={**draft, "title": "长" * 201}),
            422, "InvalidInputError", "title")
    untitled = {key: value for key, value in draft.items() if key != "title"}
    refusal(office.client.post(f"{V1}/submissions", headers=officer, json=untitled),
            422, "InvalidInputError", "title")
    refusal(office.client.post(f"{V1}/submissions", headers={**officer, "Idempotency-Key": " "},
                               json=draft),
            422, "InvalidInputError", "idempotency_key")
    refusal(office.client.get(f"{V1}/reports/ranking", headers=leader,
                              params={"period": "2025-13"}),
            422, "InvalidInputError", "period")
    refusal(office.client.get(f"{V1}/reports/ranking", headers=leader,
                              params={"period": "2025", "by": "county"}),
            422, "InvalidInputError", "by")
    assert office.events() == before


def test_a_repeated_key_with_the_same_body_gives_the_same_result_recorded_once(
        office: Office) -> None:
    admin = {**office.auth("administrator"), "Idempotency-Key": "unit-x3-2025",
             "X-Request-ID": "req-register-x3"}
    first = office.client.post(f"{V1}/units", json=unit("x3"), headers=admin)
    assert first.status_code == 201, first.text
    after_first = office.events()
    again = office.client.post(f"{V1}/units", json=unit("x3"), headers=admin)
    assert (again.status_code, again.json()) == (201, first.json())
    assert office.events() == after_first
    other = office.client.post(f"{V1}/units", json=unit("x4"), headers=admin)
    refusal(other, 409, "IdempotencyKeyReusedError", "idempotency_key")
    assert office.events() == after_first
    trail = office.client.get(f"{V1}/reports/audit", params={"unit": "x3"},
                              headers=office.auth("auditor")).json()
    assert {row["correlation_id"] for row in trail} == {"req-register-x3"}
    assert [row["actor"] for row in trail if not row["command_record"]] == ["admin"]


def test_a_keyed_item_command_repeated_after_a_lost_answer_is_recorded_once(
        office: Office) -> None:
    item = office.draft()
    officer = {**office.auth("officer"), "Idempotency-Key": f"submit-{item}"}
    answers = [office.client.post(f"{V1}/submissions/{item}/submit", headers=officer,
                                  json={"submitted_on": "2025-05-02"}) for _ in range(2)]
    assert [a.status_code for a in answers] == [200, 200]
    assert answers[0].json() == answers[1].json() == {"id": item}
    unkeyed = office.client.post(f"{V1}/submissions/{item}/submit",
                                 headers=office.auth("officer"),
                                 json={"submitted_on": "2025-05-02"})
    refusal(unkeyed, 409, "WrongStateError", "submission_id")
