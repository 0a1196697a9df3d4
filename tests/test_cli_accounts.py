"""``tally account``: set a password, issue a token that the API accepts."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api import cli
from api.web import create_app
from domain.application import CommandMeta
from store.bootstrap import open_tally
from store.settings import DatabaseSettings


def test_a_password_set_and_a_token_issued_on_the_command_line_open_the_api(
        database: DatabaseSettings, monkeypatch: pytest.MonkeyPatch) -> None:
    tally = open_tally(database)
    tally.open_account("leader", "孙领导", ["leader"], meta=CommandMeta(actor="admin"))
    tally.close()
    monkeypatch.setenv("TALLY_DATABASE_URL", database.url)
    runner = CliRunner()
    short = runner.invoke(cli.app, ["account", "password", "leader", "--password", "short"])
    assert short.exit_code != 0 and getattr(short.exception, "field", None) == "password"
    nobody = runner.invoke(cli.app, ["account", "password", "nobody", "--password",
                                     "long enough password"])
    assert nobody.exit_code != 0 and getattr(nobody.exception, "field", None) == "username"
    done = runner.invoke(cli.app, ["account", "password", "leader", "--password",
                                   "long enough password"])
    assert done.exit_code == 0, done.output
    wrong = runner.invoke(cli.app, ["account", "token", "leader", "--password", "guess"])
    assert wrong.exit_code != 0 and "wrong username or password" in str(wrong.exception)
    issued = runner.invoke(cli.app, ["account", "token", "leader", "--password",
                                     "long enough password", "--days", "7"])
    assert issued.exit_code == 0, issued.output
    token = issued.output.split()[0]
    assert token.startswith("tly_")
    with TestClient(create_app(database)) as client:
        me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.json()["username"] == "leader"


def test_the_accounts_listed_on_the_command_line_in_each_format(
        database: DatabaseSettings, monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    meta = CommandMeta(actor="admin")
    tally = open_tally(database)
    tally.register_unit("u1", "县委办公室", "A类", "2025-01-01", meta=meta)
    tally.enrol_officer("o1", "张伟", "u1", "2025-01-01", meta=meta)
    tally.open_account("zhangwei", "张伟", ["officer"], officer="o1", meta=meta)
    tally.open_account("leader", "孙领导", ["leader", "auditor"], meta=meta)
    tally.open_account("gone", "钱离职", ["editor"], meta=meta)
    tally.close_account("gone", "调离", meta=meta)
    tally.close()
    monkeypatch.setenv("TALLY_DATABASE_URL", database.url)
    runner = CliRunner()
    listed = runner.invoke(cli.app, ["account", "list", "--format", "json"])
    assert listed.exit_code == 0, listed.output
    assert [(a["username"], a["roles"], a["unit"]) for a in json.loads(listed.output)] == [
        ("leader", ["auditor", "leader"], None), ("zhangwei", ["officer"], "u1")]
    table = runner.invoke(cli.app, ["account", "list", "--closed"], env={"COLUMNS": "200"})
    assert table.exit_code == 0, table.output
    assert "审计、领导" in table.output
    assert "钱离职" in table.output and "调离" in table.output
