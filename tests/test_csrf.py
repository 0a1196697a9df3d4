"""CSRF on every form: each page route that changes state refuses a post without the session's
token, or with another session's, with 403 naming csrf_token, and records nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.api_office import BACKENDS, Office, module_office
from tests.authz_pages import PAGE_CASES, Case

FORMS = [case for case in PAGE_CASES if case.method != "GET"]


@pytest.fixture(scope="module", params=BACKENDS)
def office(request: pytest.FixtureRequest,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[Office]:
    yield from module_office(request, tmp_path_factory.mktemp("csrf"), "csrf")


def test_every_form_route_is_covered() -> None:
    assert len(FORMS) >= 10, [case.key for case in FORMS]


@pytest.mark.parametrize("case", FORMS, ids=lambda case: case.key)
def test_a_form_without_its_csrf_token_is_refused_and_writes_nothing(
        office: Office, case: Case) -> None:
    role = sorted(case.allowed)[0]
    client = office.page_client(role)
    call = case.call(office)
    stranger = office.csrf(office.anonymous_page_client())  # a token of another session
    for token in (None, stranger, ""):
        before = office.events()
        form = dict(call.form or {})
        if token is not None:
            form["csrf_token"] = token
        response = client.post(call.url, data=form, follow_redirects=False)
        assert response.status_code == 403, (case.key, token, response.status_code)
        assert "csrf_token" in response.text
        assert office.events() == before, f"{case.key} wrote despite a bad CSRF token"
