"""Logins: argon2 hashes beside the log, throttling, bearer tokens, sessions, CSRF."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from api.auth import MAX_FAILURES, Authenticator
from api.services import Services
from api.web import SessionSettings, create_app
from domain.application import CommandMeta, Tally
from domain.errors import (
    InvalidInputError,
    NotAuthenticatedError,
    NotFoundError,
    TooManyAttemptsError,
)
from store.credentials import open_credentials
from store.settings import DatabaseSettings
from tests.conftest import event_count
from tests.web import PASSWORD, Clock, bearer, csrf_of, log_in, set_password

ADMIN = CommandMeta(actor="admin")


@pytest.fixture
def office(app: Tally) -> Tally:
    app.register_unit("u1", "县委办公室", "A类", "2025-01-01", meta=ADMIN)
    app.enrol_officer("o1", "张伟", "u1", "2025-01-01", meta=ADMIN)
    app.open_account("o1", "张伟", ["officer"], officer="o1", meta=ADMIN)
    app.open_account("boss", "李局长", ["leader"], meta=ADMIN)
    return app


@pytest.fixture
def auth(office: Tally, database: DatabaseSettings) -> Iterator[tuple[Authenticator, Clock]]:
    clock = Clock()
    credentials = open_credentials(database)
    yield Authenticator(office, credentials, clock=clock), clock
    credentials.datastore.close()


def test_a_password_is_stored_as_an_argon2_hash_outside_the_log(
        auth: tuple[Authenticator, Clock], office: Tally) -> None:
    authenticator, _ = auth
    before = event_count(office)
    authenticator.set_password("o1", PASSWORD)
    stored = authenticator.credentials.password_hash("o1")  # type: ignore[attr-defined]
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert event_count(office) == before  # nothing about passwords enters the log
    principal = authenticator.login("o1", PASSWORD)
    assert principal.roles == {"officer"} and principal.officer_code == "o1"
    assert principal.unit_code == "u1"


def test_bad_passwords_and_unknown_accounts_are_refused_alike(
        auth: tuple[Authenticator, Clock]) -> None:
    authenticator, _ = auth
    authenticator.set_password("o1", PASSWORD)
    with pytest.raises(NotAuthenticatedError) as wrong:
        authenticator.login("o1", "not the password")
    with pytest.raises(NotAuthenticatedError) as unknown:
        authenticator.login("nobody", "not the password")
    assert wrong.value.message == unknown.value.message == "wrong username or password"
    with pytest.raises(InvalidInputError) as short:
        authenticator.set_password("o1", "short")
    assert short.value.field == "password"
    with pytest.raises(NotFoundError) as missing:
        authenticator.set_password("nobody", PASSWORD)
    assert missing.value.field == "username"


def test_logins_are_throttled_after_repeated_failures(auth: tuple[Authenticator, Clock]) -> None:
    authenticator, clock = auth
    authenticator.set_password("o1", PASSWORD)
    for _ in range(MAX_FAILURES):
        with pytest.raises(NotAuthenticatedError):
            authenticator.login("o1", "guess")
    with pytest.raises(TooManyAttemptsError):  # even the right password waits
        authenticator.login("o1", PASSWORD)
    clock.now += timedelta(minutes=16)
    assert authenticator.login("o1", PASSWORD).username == "o1"


def test_tokens_expire_and_are_revoked_by_a_new_password(
        auth: tuple[Authenticator, Clock]) -> None:
    authenticator, clock = auth
    authenticator.set_password("o1", PASSWORD)
    token, expires = authenticator.issue_token("o1", PASSWORD, days=1)
    assert expires == clock.now + timedelta(days=1)
    assert authenticator.token_principal(token).username == "o1"
    stored = authenticator.credentials.query(  # type: ignore[attr-defined]
        "SELECT token_digest FROM tally_api_tokens", ())
    assert token not in {row["token_digest"] for row in stored}  # only its digest is kept
    clock.now += timedelta(days=2)
    with pytest.raises(NotAuthenticatedError):
        authenticator.token_principal(token)
    token, _ = authenticator.issue_token("o1", PASSWORD)
    authenticator.set_password("o1", "a new password")
    with pytest.raises(NotAuthenticatedError):
        authenticator.token_principal(token)


@pytest.fixture
def client(office: Tally, database: DatabaseSettings) -> Iterator[TestClient]:
    session = SessionSettings(secret="test-secret", max_age=3600, idle_seconds=1800,
                              https_only=False)
    with TestClient(create_app(services=Services(database, office), session=session)) as c:
        yield c


def test_pages_ask_for_a_login_and_the_api_for_a_token(client: TestClient) -> None:
    page = client.get("/", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login")
    refused = client.get("/api/v1/me")
    assert refused.status_code == 401
    assert refused.json()["field"] == "authorization"
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer tly_forged"}
                      ).status_code == 401
    me = client.get("/api/v1/me", headers=bearer(client, "boss"))
    assert me.status_code == 200 and me.json()["roles"] == ["leader"]
    assert "read_reports" in me.json()["actions"] and "approve" not in me.json()["actions"]


def test_the_login_form_needs_its_csrf_token(client: TestClient) -> None:
    set_password(client, "boss")
    form = {"username": "boss", "password": PASSWORD, "next": "/"}
    assert client.post("/login", data=form, follow_redirects=False).status_code == 403
    page = client.get("/login")
    wrong = client.post("/login", data={**form, "password": "nope", "csrf_token":
                                        csrf_of(page.text)}, follow_redirects=False)
    assert wrong.status_code == 401 and "用户名或密码错误" in wrong.text  # the page speaks Chinese
    ok = client.post("/login", data={**form, "csrf_token": csrf_of(page.text)},
                     follow_redirects=False)
    assert ok.status_code == 303 and ok.headers["location"] == "/"


def test_the_session_cookie_is_httponly_and_samesite(client: TestClient) -> None:
    set_password(client, "boss")
    page = client.get("/login")
    response = client.post("/login", data={"username": "boss", "password": PASSWORD,
                                           "csrf_token": csrf_of(page.text), "next": "/"},
                           follow_redirects=False)
    cookie = response.headers["set-cookie"].lower()
    assert cookie.startswith("tally_session=")
    assert "httponly" in cookie and "samesite=lax" in cookie and "max-age=3600" in cookie
    assert client.get("/", follow_redirects=False).status_code == 200


def test_secure_cookies_when_configured(office: Tally, database: DatabaseSettings) -> None:
    session = SessionSettings(secret="s", max_age=60, idle_seconds=60, https_only=True)
    with TestClient(create_app(services=Services(database, office), session=session),
                    base_url="https://testserver") as c:
        set_password(c, "boss")
        page = c.get("/login")
        response = c.post("/login", data={"username": "boss", "password": PASSWORD,
                                          "csrf_token": csrf_of(page.text), "next": "/"},
                          follow_redirects=False)
    assert "secure" in response.headers["set-cookie"].lower()


def test_a_login_never_redirects_off_the_site(client: TestClient) -> None:
    set_password(client, "boss")
    page = client.get("/login")
    response = client.post("/login", data={"username": "boss", "password": PASSWORD,
                                           "csrf_token": csrf_of(page.text),
                                           "next": "//evil.example/"},
                           follow_redirects=False)
    assert response.headers["location"] == "/"


def test_an_idle_session_expires(office: Tally, database: DatabaseSettings) -> None:
    session = SessionSettings(secret="s", max_age=3600, idle_seconds=0, https_only=False)
    with TestClient(create_app(services=Services(database, office), session=session)) as c:
        log_in(c, "boss")
        assert c.get("/", follow_redirects=False).status_code == 303


def test_logout_ends_the_session(client: TestClient) -> None:
    log_in(client, "boss")
    token = csrf_of(client.get("/login").text)  # the session's token, as every form carries
    assert client.post("/logout", data={"csrf_token": "stale"},
                       follow_redirects=False).status_code == 403
    assert client.post("/logout", data={"csrf_token": token},
                       follow_redirects=False).status_code == 303
    assert client.get("/", follow_redirects=False).status_code == 303
