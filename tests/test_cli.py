"""The ``tally`` command line, run as a real process against a real store."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from domain.application import CommandMeta
from store.bootstrap import open_tally
from store.settings import DatabaseSettings

METHOD = """
[method]
code = "county-2025"
name = "某县政务信息计分办法"
effective_from = 2025-01-01

[adoption.info]
provincial = { full = 20, merged = 10, excerpt = 6 }

[forwarding]
provincial = 2
"""


def tally(*args: str, url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TALLY_DATABASE_URL": url, "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "api", *args], env=env, capture_output=True,
                          text=True, timeout=120, check=False)


def test_db_init_creates_the_tables_of_the_configured_store(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'office.db'}"
    result = tally("db", "init", url=url)
    assert result.returncode == 0, result.stderr
    assert "Tables ready" in result.stdout
    assert open_tally(DatabaseSettings(url)).recorder.max_notification_id() is None


def test_a_store_without_tables_is_refused_with_the_command_to_run(tmp_path: Path) -> None:
    result = tally("explain", "--officer", "o1", "--period", "2025",
                   url=f"sqlite:///{tmp_path / 'none.db'}")
    assert result.returncode == 1
    assert "tally db init" in result.stderr
    assert "Traceback" not in result.stderr


def test_method_check_names_the_key_of_a_malformed_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(METHOD.replace("provincial = {", "galactic = {"), encoding="utf-8")
    result = tally("method", "check", str(path), url=f"sqlite:///{tmp_path / 'x.db'}")
    assert result.returncode == 1
    assert "[adoption.info.galactic]" in result.stderr


def test_method_publish_list_reschedule_and_withdraw_a_version(
        database: DatabaseSettings, tmp_path: Path) -> None:
    method = tmp_path / "method.toml"
    method.write_text(METHOD, encoding="utf-8")
    result = tally("method", "publish", str(method), url=database.url)
    assert result.returncode == 0, result.stderr
    assert list(open_tally(database).method_sources()) == ["county-2025"]
    listed = tally("method", "list", url=database.url)
    assert listed.returncode == 0, listed.stderr
    assert "county-2025" in listed.stdout and "in force" in listed.stdout

    moved = tally("method", "reschedule", "county-2025", "--effective-from", "2025-02-01",
                  "--reason", "推迟施行", url=database.url)
    assert moved.returncode == 0, moved.stderr
    listed = tally("method", "list", url=database.url).stdout
    assert "2025-02-01 (rescheduled; the file says 2025-01-01)" in listed
    earlier = tally("method", "list", "--as-of", "2020-01-01", url=database.url).stdout
    assert "county-2025" not in earlier  # not known then

    refused = tally("method", "withdraw", "county-2024", "--reason", "作废", url=database.url)
    assert refused.returncode == 1 and "[code]" in refused.stderr
    withdrawn = tally("method", "withdraw", "county-2025", "--reason", "停止使用",
                      url=database.url)
    assert withdrawn.returncode == 0, withdrawn.stderr
    assert "county-2025" not in tally("method", "list", url=database.url).stdout


@pytest.fixture
def scored_store(database: DatabaseSettings) -> str:
    """History imported with the moments the office knew it; the adoption became known late."""
    app = open_tally(database)
    early = CommandMeta(actor="admin", known_at="2025-01-01T09:00")
    app.publish_method(METHOD, meta=early)
    app.register_unit("u1", "县委办公室", "A类", "2025-01-01", meta=early)
    app.enrol_officer("o1", "张伟", "u1", "2025-01-01", meta=early)
    app.open_account("approver", "李敏", ["approver"], unit="u1", meta=early)
    app.register_outlet("prov", "省委办公厅", "info", "provincial", meta=early)
    item = app.draft_submission("关于春耕生产的情况", "info", "other", "o1", "2025-03-01",
                                meta=early)
    app.submit(item, "2025-03-02", meta=early)
    app.approve(item, "approver", "2025-03-02T09:00", meta=early)
    app.record_adoption(item, "prov", "full", "2025-03-05", route="forwarded",
                        meta=CommandMeta(actor="editor", known_at="2025-03-06T10:00"))
    app.close()
    return database.url


def test_explain_lists_each_fact_with_its_clause_and_the_total(scored_store: str) -> None:
    result = tally("explain", "--officer", "o1", "--period", "2025", url=scored_store)
    assert result.returncode == 0, result.stderr
    assert "adoption.info.provincial.full" in result.stdout
    assert "forwarding.provincial x2" in result.stdout
    assert "省委办公厅全文采用" in result.stdout
    assert "40.00" in result.stdout  # 20 points, forwarded through the office: x2


def test_explain_as_of_a_day_shows_what_was_known_by_its_end(scored_store: str) -> None:
    before = tally("explain", "--officer", "o1", "--period", "2025", "--as-of", "2025-03-05",
                   url=scored_store)
    after = tally("explain", "--officer", "o1", "--period", "2025", "--as-of", "2025-03-06",
                  url=scored_store)
    assert before.returncode == 0 and after.returncode == 0, before.stderr + after.stderr
    assert "adoption.info" not in before.stdout and "0.00" in before.stdout
    assert "adoption.info.provincial.full" in after.stdout and "40.00" in after.stdout
