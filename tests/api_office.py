"""An office served over HTTP for the API and authorization tests, built once per backend.

The small history of ``tests.report_history`` (u1 县委办公室, u2 城关镇, items A, B, C), the
scoring method of ``tests.bulletin_office``, February 2025 closed, and one account per role;
the officer and the approver also have a colleague in the other unit. Builders make fresh
things (drafts, items at each stage, units, accounts, methods) for calls that change state."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.ledger_import import ImportReport
from api.services import Services
from api.web import SessionSettings, create_app
from domain.application import CommandMeta, Tally
from store.bootstrap import open_tally
from tests.bulletin_office import METHOD
from tests.conftest import ModuleStores, event_count
from tests.report_history import History, office_history
from tests.web import PASSWORD, csrf_of, set_password
from workflows.publication import close_period

SETUP = CommandMeta(actor="setup")

#: The role keys of the tests and the account behind each; ``*_other`` are in 城关镇 (u2).
ACCOUNTS = {
    "officer": "zhangwei",  # 张伟, o1, 县委办公室 (u1)
    "officer_other": "wangfang",  # 王芳, o3, 城关镇 (u2)
    "approver": "approver",  # u1
    "approver_other": "approver2",  # u2
    "editor": "editor",
    "administrator": "admin",
    "auditor": "auditor",
    "leader": "leader",
}
ROLES = tuple(ACCOUNTS)
SESSION = SessionSettings(secret="tests", max_age=3600, idle_seconds=3600, https_only=False)


def open_accounts(app: Tally) -> None:
    app.open_account("zhangwei", "张伟", ["officer"], officer="o1", meta=SETUP)
    app.open_account("wangfang", "王芳", ["officer"], officer="o3", meta=SETUP)
    for username, name, role in (("editor", "周编辑", "editor"),
                                 ("admin", "吴管理", "administrator"),
                                 ("auditor", "郑审计", "auditor"),
                                 ("leader", "孙领导", "leader")):
        app.open_account(username, name, [role], meta=SETUP)


@dataclass(frozen=True)
class Call:
    """One concrete request: its URL, and a JSON body, query or form (pages)."""

    url: str
    json: Any = None
    params: dict[str, Any] | None = None
    form: dict[str, str] | None = None
    files: list[tuple[str, tuple[str, bytes, str]]] | None = None  # a page's uploads


@dataclass
class Office:
    settings: Any
    tally: Tally
    services: Services
    client: TestClient
    history: History
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    page_clients: dict[str, TestClient] = field(default_factory=dict)
    numbers: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    @classmethod
    def open(cls, settings: Any) -> Office:
        tally = open_tally(settings)
        history = office_history(tally)
        tally.publish_method(METHOD, meta=SETUP)
        open_accounts(tally)
        services = Services(settings, tally)
        close_period(tally, services.current()["ledger"], "2025-02", meta=SETUP)
        client = TestClient(create_app(services=services, session=SESSION))
        for username in ACCOUNTS.values():
            set_password(client, username)
        return cls(settings, tally, services, client, history)

    def close(self) -> None:
        for client in self.page_clients.values():
            client.close()
        self.client.close()
        self.services.close()

    # Who asks ------------------------------------------------------------------------

    def auth(self, role: str) -> dict[str, str]:
        """Bearer headers for the role's account (one token per role and office). Passwords
        are set once, at the start: setting one again would revoke the tokens issued."""
        if role not in self.headers:
            response = self.client.post("/api/v1/tokens", json={
                "username": ACCOUNTS[role], "password": PASSWORD})
            assert response.status_code == 201, response.text
            self.headers[role] = {"Authorization": f"Bearer {response.json()['token']}"}
        return self.headers[role]

    def page_client(self, role: str) -> TestClient:
        """A browser session logged in as the role's account."""
        if role not in self.page_clients:
            client = TestClient(self.client.app)
            form = {"username": ACCOUNTS[role], "password": PASSWORD, "next": "/",
                    "csrf_token": self.csrf(client)}
            response = client.post("/login", data=form, follow_redirects=False)
            assert response.status_code == 303, response.text
            self.page_clients[role] = client
        return self.page_clients[role]

    def anonymous_page_client(self) -> TestClient:
        if "" not in self.page_clients:
            self.page_clients[""] = TestClient(self.client.app)
        return self.page_clients[""]

    def csrf(self, client: TestClient) -> str:
        return csrf_of(client.get("/login").text)

    def events(self) -> int:
        return event_count(self.tally)

    # Fresh things ----------------------------------------------------------------------

    def fresh(self, prefix: str) -> str:
        return f"{prefix}{next(self.numbers)}"

    def draft(self, author: str = "o1", channel: str = "info") -> str:
        title = f"{self.fresh('测试稿件')}：乡村振兴工作动态"
        return str(self.tally.draft_submission(title, channel, "new_measure", author,
                                               "2025-05-01", meta=SETUP))

    def submitted(self, author: str = "o1") -> str:
        item = self.draft(author)
        self.tally.submit(item, "2025-05-02", meta=SETUP)
        return item

    def approved(self, author: str = "o1", approver: str = "approver") -> str:
        item = self.submitted(author)
        self.tally.approve(item, approver, "2025-05-03T09:00", meta=SETUP)
        return item

    def adopted(self, outlet: str = "city") -> str:
        item = self.approved()
        self.tally.record_adoption(item, outlet, "full", "2025-05-05", meta=SETUP)
        return item

    def instructed(self) -> str:
        item = self.approved()
        self.tally.record_instruction(item, "city", "市委书记", "2025-05-06", "请总结推广",
                                      meta=SETUP)
        return item

    def appealed(self) -> str:
        item = self.adopted()
        self.tally.file_appeal(item, "o1", "2025-05-10", "省级采用漏记", meta=SETUP)
        return item

    def unit(self) -> str:
        code = self.fresh("tu")
        self.tally.register_unit(code, f"测试单位{code}", "B类", "2025-01-01", meta=SETUP)
        return code

    def officer(self) -> str:
        code = self.fresh("to")
        self.tally.enrol_officer(code, "测试人员", "u1", "2025-01-01", meta=SETUP)
        return code

    def account(self, roles: tuple[str, ...] = ("leader",)) -> str:
        username = self.fresh("user")
        self.tally.open_account(username, "测试账号", list(roles), meta=SETUP)
        return username

    def commission(self) -> str:
        return str(self.tally.issue_commission("防汛工作进展", ["u1"], "2025-06-01",
                                               "2025-06-30", meta=SETUP))

    def target(self) -> str:
        """A fresh unit with a 2025 target; answers the unit's code."""
        unit = self.unit()
        self.tally.set_target("unit", unit, 2025, items=12, meta=SETUP)
        return unit

    def closed_year(self) -> str:
        """A year closed with nothing in it (its bulletin published, no honours): 2024."""
        if not self.tally.is_published("2024"):
            close_period(self.tally, self.services.current()["ledger"], "2024", meta=SETUP)
        return "2024"

    def method_source(self) -> tuple[str, str]:
        """A method file of a fresh code, in force from a fresh day long after the history."""
        number = next(self.numbers)
        code = f"test-{number}"
        day = f"{2040 + number // 300}-{1 + number // 28 % 12:02d}-{1 + number % 28:02d}"
        source = (METHOD.replace('code = "office-2025"', f'code = "{code}"')
                  .replace("effective_from = 2025-01-01", f"effective_from = {day}"))
        return code, source

    def method(self) -> str:
        code, source = self.method_source()
        self.tally.publish_method(source, meta=SETUP)
        return code

    def finding(self) -> str:
        return str(self.tally.record_finding("missed", "officer", "o2", "2025-06-10",
                                             "漏报突发事件", meta=SETUP))

    def import_run(self) -> str:
        """A web import run that has ended (checked, nothing written)."""
        run_id = self.fresh("20250101T000000-run")
        runs = self.services.import_runs
        runs.start(run_id, "admin", True, self.tally.clock())
        runs.finish(run_id, "done", ImportReport(run_id, dry_run=True).to_json(),
                    self.tally.clock())
        return run_id

    def checked_run(self) -> str:
        """A web check that found no problem in a new unit's row, its file kept."""
        run_id = self.import_run()
        self.services.import_runs.keep_files(run_id, {
            "units.csv": f"unit_id,name,class\n{self.fresh('ku')},核查单位,B类\n".encode()})
        return run_id


def module_office(request: pytest.FixtureRequest, folder: Path,
                  prefix: str) -> Iterator[Office]:
    """The body of a module-scoped fixture parametrized by backend."""
    backend = request.param
    if backend == "postgres" and not request.getfixturevalue("postgres_available"):
        pytest.skip("PostgreSQL is not reachable (it never skips with CI=true)")
    stores = ModuleStores(folder, prefix)
    office = Office.open(stores.fresh(backend))
    try:
        yield office
    finally:
        office.close()
        stores.close()


BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]

__all__ = ["ACCOUNTS", "BACKENDS", "PASSWORD", "ROLES", "Call", "Office", "module_office"]
