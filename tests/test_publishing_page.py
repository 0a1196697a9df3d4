"""Publishing a bulletin from its page: an editor closes an ended period once, after
confirming, and lands on the bulletin as published; nobody else can, nor for a period that
has not ended, and a refused request writes nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.api_office import BACKENDS, Office, module_office
from tests.web import csrf_of


@pytest.fixture(scope="module", params=BACKENDS)
def office(request: pytest.FixtureRequest,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[Office]:
    yield from module_office(request, tmp_path_factory.mktemp("publishing"), "publishing")


def publish(page: TestClient, period: str, **form: str) -> object:
    token = csrf_of(page.get("/bulletins").text)
    return page.post(f"/bulletins/{period}/publish", data={"csrf_token": token, **form},
                     follow_redirects=False)


def test_an_editor_publishes_an_ended_periods_bulletin_from_its_page(office: Office) -> None:
    editor = office.page_client("editor")
    listed = editor.get("/bulletins", params={"year": 2025}).text
    awaiting = listed.split('<ul id="awaiting">')[1].split("</ul>")[0]
    assert '<a href="/bulletins/2025-06">2025-06</a> 月通报' in awaiting
    assert "/bulletins/2025-02\"" not in awaiting  # February was closed when the office opened
    page = editor.get("/bulletins/2025-06").text
    assert 'id="publish-form"' in page and 'name="confirm" value="yes" required' in page
    assert "发布通报" in page

    events = office.events()
    unconfirmed = publish(editor, "2025-06")
    assert unconfirmed.status_code == 422 and 'id="error-field">confirm<' in unconfirmed.text
    assert office.events() == events and not office.tally.is_published("2025-06")

    done = publish(editor, "2025-06", confirm="yes", idempotency_key="publish-2025-06")
    assert done.status_code == 303 and done.headers["location"] == "/bulletins/2025-06/published"
    assert office.tally.is_published("2025-06")
    published = editor.get(done.headers["location"]).text
    assert "已按日志重新计算：摘要与发布时一致。" in published
    assert 'id="publish-form"' not in editor.get("/bulletins/2025-06").text
    listed = editor.get("/bulletins", params={"year": 2025}).text
    assert "/bulletins/2025-06\"" not in listed.split('<ul id="awaiting">')[1]  # not awaiting
    written = office.events()
    again = publish(editor, "2025-06", confirm="yes", idempotency_key="publish-2025-06-again")
    assert again.status_code == 303 and office.events() == written  # closing again: nothing


def test_a_period_not_yet_ended_is_not_published_and_only_editors_publish(
        office: Office) -> None:
    editor = office.page_client("editor")
    this_month = office.tally.today().strftime("%Y-%m")
    page = editor.get(f"/bulletins/{this_month}").text
    assert 'id="publish-form"' not in page and "结束后方可发布通报" in page
    events = office.events()
    for period in (this_month, "2099"):
        refused = publish(editor, period, confirm="yes")
        assert refused.status_code == 409 and 'id="error-field">period<' in refused.text
    for role in ("leader", "auditor", "officer"):
        other = office.page_client(role)
        assert 'id="publish-form"' not in other.get("/bulletins/2025-07").text
        assert 'id="awaiting"' not in other.get("/bulletins", params={"year": 2025}).text
        refused = publish(other, "2025-07", confirm="yes")
        assert refused.status_code == 403, refused.text[:200]
    assert office.events() == events and not office.tally.is_published("2025-07")
