"""One request, one read of each record: the principal behind a bearer token is kept a few
seconds in the process, and the item a route checks is the one its command changes. Neither
may let a revocation outlast its bound, nor a write that another got in first through."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.auth import PRINCIPAL_SECONDS, Authenticator
from api.services import Services
from api.web import SessionSettings, create_app
from domain.application import CommandMeta, Tally
from domain.errors import NotAuthenticatedError, NotFoundError, WrongStateError
from store.bootstrap import open_tally
from store.credentials import open_credentials
from store.settings import DatabaseSettings
from tests.web import PASSWORD, Clock, bearer

ADMIN = CommandMeta(actor="admin")


@pytest.fixture
def office(app: Tally) -> Tally:
    app.register_unit("u1", "县委办公室", "A类", "2025-01-01", meta=ADMIN)
    app.enrol_officer("o1", "张伟", "u1", "2025-01-01", meta=ADMIN)
    app.open_account("o1", "张伟", ["officer"], officer="o1", meta=ADMIN)
    app.open_account("approver", "李敏", ["approver"], unit="u1", meta=ADMIN)
    return app


@pytest.fixture
def other(database: DatabaseSettings) -> Iterator[Tally]:
    """The write model of another worker process on the same store."""
    tally = open_tally(database)
    yield tally
    tally.close()


@pytest.fixture
def auth(office: Tally, database: DatabaseSettings) -> Iterator[tuple[Authenticator, Clock]]:
    clock = Clock()
    credentials = open_credentials(database)
    # A long bound, so that a slow machine cannot end it between two steps of the test:
    # the test moves the office clock past it instead.
    yield Authenticator(office, credentials, clock=clock, principal_seconds=60), clock
    credentials.datastore.close()


def draft(app: Tally) -> str:
    return str(app.draft_submission("关于春耕工作的情况", "info", "other", "o1", "2025-03-01",
                                    meta=ADMIN))


def counting_reads(app: Tally, monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    reads: Counter[str] = Counter()
    get = app.repository.get

    def counted(aggregate_id: Any, **kwargs: Any) -> Any:
        reads[str(aggregate_id)] += 1
        return get(aggregate_id, **kwargs)

    monkeypatch.setattr(app.repository, "get", counted)
    return reads


# The principal behind a token ------------------------------------------------------------

def test_the_bound_on_a_tokens_principal_is_a_few_seconds() -> None:
    assert 0 < PRINCIPAL_SECONDS <= 10


def test_a_role_granted_by_another_process_counts_once_the_bound_has_passed(
        auth: tuple[Authenticator, Clock], other: Tally) -> None:
    authenticator, clock = auth
    authenticator.set_password("o1", PASSWORD)
    token, _ = authenticator.issue_token("o1", PASSWORD)
    assert authenticator.token_principal(token).roles == {"officer"}
    other.grant_role("o1", "approver", meta=ADMIN)
    assert authenticator.token_principal(token).roles == {"officer"}  # kept, within the bound
    clock.now += timedelta(seconds=authenticator.principal_seconds)
    assert authenticator.token_principal(token).roles == {"officer", "approver"}


def test_a_token_revoked_by_another_process_stops_working_within_the_bound(
        auth: tuple[Authenticator, Clock], database: DatabaseSettings) -> None:
    authenticator, clock = auth
    authenticator.set_password("o1", PASSWORD)
    token, _ = authenticator.issue_token("o1", PASSWORD)
    assert authenticator.token_principal(token).username == "o1"
    elsewhere = open_credentials(database)
    elsewhere.revoke_tokens("o1", clock.now)
    elsewhere.datastore.close()
    clock.now += timedelta(seconds=authenticator.principal_seconds)
    with pytest.raises(NotAuthenticatedError):
        authenticator.token_principal(token)


def test_a_change_made_in_this_process_counts_at_once(
        auth: tuple[Authenticator, Clock], office: Tally) -> None:
    authenticator, _ = auth
    authenticator.set_password("o1", PASSWORD)
    token, _ = authenticator.issue_token("o1", PASSWORD)
    assert authenticator.token_principal(token).roles == {"officer"}
    office.grant_role("o1", "approver", meta=ADMIN)
    assert authenticator.token_principal(token).roles == {"officer", "approver"}
    office.revoke_role("o1", "approver", "岗位调整", meta=ADMIN)
    assert authenticator.token_principal(token).roles == {"officer"}
    authenticator.set_password("o1", "a new password")  # revokes the account's tokens
    with pytest.raises(NotAuthenticatedError):
        authenticator.token_principal(token)


# The item a route checks is the item its command changes ---------------------------------

def test_an_api_command_reads_its_item_once(office: Tally, database: DatabaseSettings,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    session = SessionSettings(secret="s", max_age=3600, idle_seconds=1800, https_only=False)
    with TestClient(create_app(services=Services(database, office), session=session)) as client:
        headers = bearer(client, "o1")
        item = client.post("/api/v1/submissions", headers=headers, json={
            "title": "关于春耕工作的情况", "channel": "info", "category": "other",
            "authors": [{"officer": "o1"}], "event_date": "2025-03-01"}).json()["id"]
        reads = counting_reads(office, monkeypatch)
        answer = client.post(f"/api/v1/submissions/{item}/submit", headers={
            **headers, "Idempotency-Key": "submit-1"}, json={"submitted_on": "2025-03-02"})
        assert answer.status_code == 200, answer.text
        assert reads[item] == 1
        assert office.get_submission(item)["status"] == "submitted"


def test_a_write_another_got_in_first_is_refused_and_decided_again_on_a_fresh_read(
        office: Tally, other: Tally) -> None:
    item = draft(office)
    with office.reading_once():
        assert office.get_submission(item)["status"] == "draft"
        other.withdraw(item, "重复报送", meta=ADMIN)
        # Decided on the draft it read, the submission's write collides with the withdrawal;
        # decided again on a fresh read, it is refused: the item is withdrawn.
        with pytest.raises(WrongStateError):
            office.submit(item, "2025-03-02", meta=ADMIN)
    assert office.get_submission(item)["status"] == "withdrawn"
    assert office.get_submission(item)["version"] == 2


def test_a_refusal_on_a_read_handed_over_is_decided_again_on_a_fresh_one(
        office: Tally, other: Tally) -> None:
    item = draft(office)
    with office.reading_once():
        assert office.get_submission(item)["status"] == "draft"
        other.submit(item, "2025-03-02", meta=ADMIN)
        office.approve(item, "approver", "2025-03-02T09:00:00+08:00", meta=ADMIN)
    assert office.get_submission(item)["status"] == "approved"


def test_reads_are_handed_over_only_within_the_block(office: Tally, other: Tally,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    item = draft(office)
    with office.reading_once():
        office.get_submission(item)
    other.submit(item, "2025-03-02", meta=ADMIN)
    reads = counting_reads(office, monkeypatch)
    office.approve(item, "approver", "2025-03-02T09:00:00+08:00", meta=ADMIN)
    assert reads[item] == 1
    assert office.get_submission(item)["status"] == "approved"


def test_an_outlet_registered_by_another_process_is_found(office: Tally, other: Tally) -> None:
    item = draft(office)
    office.submit(item, "2025-03-02", meta=ADMIN)
    office.approve(item, "approver", "2025-03-02T09:00:00+08:00", meta=ADMIN)
    with pytest.raises(NotFoundError) as missing:
        office.send_to_outlet(item, "prov", "direct", "2025-03-03", meta=ADMIN)
    assert missing.value.field == "outlet"
    other.register_outlet("prov", "省委办公厅", "info", "provincial", meta=ADMIN)
    office.send_to_outlet(item, "prov", "direct", "2025-03-03", meta=ADMIN)
    office.record_adoption(item, "prov", "full", "2025-03-04", meta=ADMIN)
    assert office.get_submission(item)["adoptions"][0]["form"] == "full"


def test_a_serving_process_tunes_the_collector_and_tests_keep_the_defaults(
        tmp_path: Path) -> None:
    """``api.web:serving_app`` (what uvicorn and ``tally serve`` run) freezes what start-up
    made and raises the collector's thresholds; building the app in a test changes neither."""
    import gc
    import subprocess
    import sys

    from api.web import SERVING_GC_THRESHOLDS
    from store.bootstrap import init_database

    init_database(DatabaseSettings(f"sqlite:///{tmp_path}/tally.db"))
    assert gc.get_threshold() != SERVING_GC_THRESHOLDS  # this test process: the defaults
    probe = ("import gc; from api.web import serving_app; before = gc.get_freeze_count(); "
             "serving_app(); print(gc.get_threshold(), before, gc.get_freeze_count())")
    env = {**os.environ, "TALLY_DATABASE_URL": f"sqlite:///{tmp_path}/tally.db",
           "TALLY_SECRET_KEY": "collector test"}
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True,
                         text=True, check=True, cwd=Path(__file__).parent.parent).stdout.split(")")
    assert out[0] + ")" == str(SERVING_GC_THRESHOLDS)
    before, after = map(int, out[1].split())
    assert before == 0 and after > 10_000
