"""The API served by uvicorn in its own processes, and a client that keeps registering units
each under its own idempotency key, for the outage and crash drills."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import httpx

from api.auth import Authenticator
from domain.application import CommandMeta
from store.bootstrap import init_database, open_tally
from store.credentials import open_credentials
from store.settings import DatabaseSettings

PASSWORD = "drill password 2026"


def prepare(url: str, *, initialise: bool = True) -> str:
    """A store with an administrator (initialised first, unless it is); returns a token."""
    settings = DatabaseSettings(url)
    if initialise:
        init_database(settings)
    tally = open_tally(settings)
    tally.open_account("admin", "管理员", ["administrator"], meta=CommandMeta(actor="setup"))
    auth = Authenticator(tally, open_credentials(settings))
    auth.set_password("admin", PASSWORD)
    token, _ = auth.issue_token("admin", PASSWORD)
    tally.close()
    return token


def serve(url: str, port: int, workers: int = 2) -> subprocess.Popen[bytes]:
    """uvicorn with ``workers`` processes in a process group of their own, once it answers."""
    env = {**os.environ, "TALLY_DATABASE_URL": url, "TALLY_SECRET_KEY": "outage-drill"}
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "api.web:serving_app", "--factory", "--host",
         "127.0.0.1", "--port", str(port), "--workers", str(workers), "--log-level", "warning"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    kill(process)
    raise AssertionError("the API did not start")


def kill(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL the server and its worker processes: no clean-up, no graceful shutdown."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(timeout=30)


class Load:
    """Registers units one after another, each under its own idempotency key."""

    def __init__(self, base: str, token: str, prefix: str = "u") -> None:
        self.prefix = prefix
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

    def run(self, lane: int = 0) -> None:
        number = 0
        while not self.stop.is_set():
            code = f"{self.prefix}{lane}-{number:05d}"
            started = time.monotonic()
            status, error = self.register(code)
            self.outcomes.append((code, status, time.monotonic() - started, error))
            number += 1
            time.sleep(0.02)


def registered_units(url: str) -> dict[str, int]:
    """How many times each unit code was registered in the log."""
    tally = open_tally(DatabaseSettings(url))
    try:
        counts: dict[str, int] = {}
        for notification in tally.recorder.select_notifications(start=1, limit=1_000_000):
            if notification.topic.endswith("Unit.Registered"):
                code = tally.mapper.to_domain_event(notification).code
                counts[code] = counts.get(code, 0) + 1
        return counts
    finally:
        tally.close()
