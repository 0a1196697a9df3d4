"""Filling the places of a year's revoked honours (递补) over HTTP: the editor decides, the next
officer within the rules as the log stands is honoured in a revoked one's place, the year's
honours say who filled whose place and why; bad input names its field and writes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.services import Services
from api.web import create_app
from domain.application import CommandMeta, Tally
from projections.registry import open_projection
from store.bootstrap import open_tally
from store.settings import DatabaseSettings
from tests.api_office import SESSION, open_accounts
from tests.bulletin_office import METHOD
from tests.conftest import event_count
from tests.report_history import office_history
from tests.web import bearer
from workflows.publication import close_period
from workflows.runner import run_workflows

SETUP = CommandMeta(actor="setup")
V1 = "/api/v1"


@pytest.fixture
def office(database: DatabaseSettings) -> Iterator[tuple[Tally, TestClient]]:
    """2025 closed with two officers honoured (张伟, 刘洋, for item A), then item A's provincial
    adoption retracted (both honours revoked by the errata workflow) and 王芳's late item
    adopted: she is now the only officer within the rules."""
    app = open_tally(database)
    history = office_history(app)
    app.publish_method(METHOD + "\n[honours.officers]\ntop = 2\n", meta=SETUP)
    open_accounts(app)
    ledger = open_projection(database, "ledger")
    close_period(app, ledger, "2025", meta=SETUP)
    app.retract_adoption(history.item_a, "prov", "省委办公厅来函更正", meta=SETUP)
    late = app.draft_submission("城关镇春耕备耕情况续报", "info", "other", "o3", "2025-04-01",
                                meta=SETUP)
    app.submit(late, "2025-04-02", meta=SETUP)
    app.approve(late, "approver2", "2025-04-02T09:00", meta=SETUP)
    app.record_adoption(late, "prov", "full", "2025-04-05", meta=SETUP)
    run_workflows(app, database)
    ledger.view.datastore.close()  # type: ignore[attr-defined]
    services = Services(database, app)
    with TestClient(create_app(services=services, session=SESSION)) as client:
        yield app, client
    services.close()


def officers(client: TestClient, headers: dict[str, str]) -> list[dict[str, Any]]:
    response = client.get(f"{V1}/periods/2025/honours", headers=headers)
    assert response.status_code == 200, response.text
    return sorted(response.json()["honours"]["officers"], key=lambda h: h["name"])


def test_the_editor_fills_the_places_of_revoked_honours(
        office: tuple[Tally, TestClient]) -> None:
    app, client = office
    editor = bearer(client, "editor")
    assert [(h["name"], h["revoked_reason"] is not None) for h in officers(client, editor)] == [
        ("刘洋", True), ("张伟", True)]

    before = event_count(app)
    for body, status, field in (({"reason": ""}, 422, "reason"), ({}, 422, "reason"),
                                ({"reason": "递补", "known_at": "someday"}, 422, "known_at")):
        refused = client.post(f"{V1}/periods/2025/honours/fill", json=body, headers=editor)
        assert refused.status_code == status and field in refused.text, refused.text
    unclosed = client.post(f"{V1}/periods/2026/honours/fill", json={"reason": "递补"},
                           headers=editor)
    assert unclosed.status_code == 404 and "\"year\"" in unclosed.text, unclosed.text
    quarter = client.post(f"{V1}/periods/2025-Q1/honours/fill", json={"reason": "递补"},
                          headers=editor)
    assert quarter.status_code == 422 and "year" in quarter.text, quarter.text
    officer = client.post(f"{V1}/periods/2025/honours/fill", json={"reason": "递补"},
                          headers=bearer(client, "zhangwei"))
    assert officer.status_code == 403
    assert event_count(app) == before  # nothing written

    filled = client.post(f"{V1}/periods/2025/honours/fill", json={"reason": "经研究决定递补"},
                         headers=editor)
    assert filled.status_code == 201, filled.text
    [honour_id] = filled.json()["filled"]
    rows = officers(client, editor)
    assert [(h["name"], h["rank"], h["filled_by"], h["filled_reason"], h["fills"])
            for h in rows] == [
        ("刘洋", 1, None, None, None),  # nobody else within the rules: the place stays
        ("张伟", 1, "王芳", "经研究决定递补", None),
        ("王芳", 1, None, None, "张伟")]
    assert next(h for h in rows if h["name"] == "王芳")["id"] == honour_id

    again = client.post(f"{V1}/periods/2025/honours/fill", json={"reason": "再议"},
                        headers=editor)
    assert again.status_code == 201 and again.json() == {"filled": []}
