"""A served demo year and a Chromium to drive it, for the browser tests.

The app runs under uvicorn in a thread on a free port over a fresh SQLite store holding the
demo year and May's bulletin published; Playwright drives Debian's Chromium (``playwright
install`` cannot download here). Without ``/usr/bin/chromium`` the tests skip, except with
CI=true, where they fail."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from api.demo import DEMO_PASSWORD, generate_demo, set_demo_passwords
from api.services import Services
from api.web import SessionSettings, create_app
from domain.application import CommandMeta
from store.bootstrap import init_database, open_tally
from store.settings import DatabaseSettings
from tests.conftest import IN_CI
from workflows.publication import close_period

CHROMIUM = Path(os.environ.get("TALLY_CHROMIUM", "/usr/bin/chromium"))
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTIFACTS = Path(__file__).resolve().parent.parent.parent / "artifacts" / "browser"
SESSION = SessionSettings(secret="browser-tests", max_age=3600, idle_seconds=3600,
                          https_only=False)


@dataclass(frozen=True)
class Served:
    url: str
    services: Services
    password: str = DEMO_PASSWORD


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    if not CHROMIUM.exists():
        message = (f"{CHROMIUM} is missing: apt-get install chromium fonts-wqy-microhei "
                   "(./scripts/test does it as root)")
        if IN_CI:
            pytest.fail(f"CI=true but {message}")
        pytest.skip(message)
    return CHROMIUM


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    import uvicorn

    folder = tmp_path_factory.mktemp("browser")
    settings = DatabaseSettings(f"sqlite:///{folder / 'demo.db'}")
    init_database(settings)
    tally = open_tally(settings)
    generate_demo(tally)
    services = Services(settings, tally)
    close_period(tally, services.current()["ledger"], "2025-05",
                 meta=CommandMeta(actor="editor"))  # one bulletin published, pinned
    set_demo_passwords(services.auth)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(services=services, session=SESSION),
                                           host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="tally-browser-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield Served(f"http://127.0.0.1:{port}", services)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        services.close()


@pytest.fixture(scope="module")
def browser(chromium_path: Path) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(chromium_path), args=ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
