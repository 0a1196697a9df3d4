"""PostgreSQL stopped under load and started again: the API answers 503 with a clear message
while it is down (within a bounded wait, never a hang), recovers by itself, and no
acknowledged write is lost; retries with the same idempotency key record each fact once."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest

from api.auth import Authenticator
from domain.application import CommandMeta
from store.bootstrap import init_database, open_tally
from store.credentials import open_credentials
from store.settings import DatabaseSettings
from tests.private_postgres import PrivatePostgres, free_port

PASSWORD = "outage drill password"
#: How long a request may wait for the database before it answers 503.
CONNECT_TIMEOUT = 2
DOWN_SECONDS = 4


@pytest.fixture
def server() -> Iterator[PrivatePostgres]:
    postgres = PrivatePostgres()
    try:
        postgres.start()
        yield postgres
    finally:
        postgres.remove()


def prepare(url: str) -> str:
    """An initialised store with an administrator; returns a bearer token."""
    settings = DatabaseSettings(url)
    init_database(settings)
    tally = open_tally(settings)
    tally.open_account("admin", "管理员", ["administrator"], meta=CommandMeta(actor="setup"))
    auth = Authenticator(tally, open_credentials(settings))
    auth.set_password("admin", PASSWORD)
    token, _ = auth.issue_token("admin", PASSWORD)
    tally.close()
    return token


def serve(url: str, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "TALLY_DATABASE_URL": url, "TALLY_SECRET_KEY": "outage-drill"}
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "api.web:create_app", "--factory", "--host",
         "127.0.0.1", "--port", str(port), "--workers", "2", "--log-level", "warning"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise AssertionError("the API did not start")


class Load:
    """Registers units one after another, each under its own idempotency key."""

    def __init__(self, base: str, token: str) -> None:
        self.client = httpx.Client(base_url=base, timeout=30,
                                   headers={"Authorization": f"Bearer {token}"})
        self.outcomes: list[tuple[str, int, float, str]] = []  # code, status, seconds, error
        self.stop = threading.Event()

    def register(self, code: str) -> tuple[int, str]:
        try:
            response = self.client.post("/api/v1/units", headers={"Idempotency-Key": code},
                                        json={"code": code, "name": f"单位{code}",
                                              "unit_class": "A类", "registered_on": "2025-01-01"})
        except httpx.HTTPError as error:
            return 0, type(error).__name__
        return response.status_code, response.json().get("error", "") if \
            response.status_code >= 400 else ""

    def run(self) -> None:
        number = 0
        while not self.stop.is_set():
            code = f"u{number:05d}"
            started = time.monotonic()
            status, error = self.register(code)
            self.outcomes.append((code, status, time.monotonic() - started, error))
            number += 1
            time.sleep(0.02)


@pytest.mark.slow
@pytest.mark.postgres
def test_the_api_answers_503_while_postgres_is_down_and_recovers_losing_nothing(
    server: PrivatePostgres,
) -> None:
    url = f"{server.url}?connect_timeout={CONNECT_TIMEOUT}"
    token = prepare(url)
    port = free_port()
    api = serve(url, port)
    load = Load(f"http://127.0.0.1:{port}", token)
    worker = threading.Thread(target=load.run)
    try:
        worker.start()
        time.sleep(1.5)
        server.stop("immediate")  # a crash, not a polite shutdown
        down_at = time.monotonic()
        time.sleep(DOWN_SECONDS)
        server.start()
        up_at = time.monotonic()
        answered = len(load.outcomes)
        deadline = up_at + 30
        while time.monotonic() < deadline and not any(
                status == 201 for _, status, _, _ in load.outcomes[answered:]):
            time.sleep(0.1)
        recovered_at = time.monotonic()
        time.sleep(0.5)
    finally:
        load.stop.set()
        worker.join(timeout=60)

    statuses = Counter(status for _, status, _, _ in load.outcomes)
    assert statuses[201] > 10 and statuses[503] > 0, statuses
    assert set(statuses) <= {201, 503}, statuses  # never a 500, never a dropped connection
    unavailable = [o for o in load.outcomes if o[1] == 503]
    assert {error for _, _, _, error in unavailable} == {"DatabaseUnavailableError"}
    # Bounded: a request during the outage waits at most the pool's timeout, then answers.
    assert max(seconds for _, _, seconds, _ in unavailable) < CONNECT_TIMEOUT + 3
    assert recovered_at - up_at < 10, "the API did not recover by itself within seconds"
    assert down_at < up_at

    # The client retries every refused request with its key: each is recorded once.
    refused = [code for code, status, _, _ in load.outcomes if status != 201]
    for code in refused:
        assert load.register(code)[0] == 201, code
    acknowledged = {code for code, _, _, _ in load.outcomes}
    api.terminate()
    api.wait(timeout=30)

    tally = open_tally(DatabaseSettings(url))
    registered = Counter(
        event.code for event in (tally.mapper.to_domain_event(n) for n in
                                 tally.recorder.select_notifications(start=1, limit=100_000))
        if type(event).__name__ == "Registered" and hasattr(event, "unit_class"))
    tally.close()
    assert set(registered) == acknowledged
    assert set(registered.values()) == {1}
