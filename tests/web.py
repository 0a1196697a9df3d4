"""Test helpers for the HTTP side: log a browser session in, get an API token."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from fastapi.testclient import TestClient

PASSWORD = "correct horse battery"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def set_password(client: TestClient, username: str, password: str = PASSWORD) -> None:
    client.app.state.services.auth.set_password(username, password)  # type: ignore[attr-defined]


def log_in(client: TestClient, username: str, password: str = PASSWORD) -> None:
    """Log the client's cookie session in as ``username`` (setting the password first)."""
    set_password(client, username, password)
    page = client.get("/login")
    response = client.post("/login", data={"username": username, "password": password,
                                           "csrf_token": csrf_of(page.text), "next": "/"},
                           follow_redirects=False)
    assert response.status_code == 303, response.text


def bearer(client: TestClient, username: str, password: str = PASSWORD) -> dict[str, str]:
    """Authorization headers of a fresh API token for ``username``."""
    set_password(client, username, password)
    response = client.post("/api/v1/tokens", json={"username": username, "password": password})
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


class Clock:
    """A settable clock for the authenticator (sessions, throttling, cached principals)."""

    def __init__(self) -> None:
        self.now = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now
