"""Each bulletin carries the chain head of its pinned position, and ``tally verify``
recomputes every published bulletin there and checks its digest."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from domain.application import CommandMeta, Tally
from projections.registry import open_projection
from store.settings import DatabaseSettings
from workflows.publication import close_period, reissue, verify_bulletins

KNOWN = CommandMeta(actor="admin", known_at="2025-03-01T09:00")
METHOD = """
[method]
code = "m"
name = "某县计分办法"
effective_from = 2025-01-01

[adoption.info]
city = { full = 10, merged = 5, excerpt = 3 }
"""


@pytest.fixture
def closed_march(app: Tally, database: DatabaseSettings):
    app.publish_method(METHOD, meta=KNOWN)
    app.register_unit("u1", "县委办公室", "A类", "2025-01-01", meta=KNOWN)
    app.enrol_officer("o1", "张伟", "u1", "2025-01-01", meta=KNOWN)
    app.open_account("approver", "李敏", ["approver"], unit="u1", meta=KNOWN)
    app.register_outlet("city", "市委办公室", "info", "city", meta=KNOWN)
    item = app.draft_submission("关于春耕的情况", "info", "other", "o1", "2025-03-01", meta=KNOWN)
    app.submit(item, "2025-03-02", meta=KNOWN)
    app.approve(item, "approver", "2025-03-02T09:00", meta=KNOWN)
    app.record_adoption(item, "city", "full", "2025-03-05",
                        meta=CommandMeta(actor="editor", known_at="2025-03-06T09:00"))
    ledger = open_projection(database, "ledger")
    close_period(app, ledger, "2025-03",
                 meta=CommandMeta(actor="editor", known_at="2025-04-02T09:00"))
    return ledger


def test_a_bulletin_shows_the_chain_head_it_was_computed_from(app: Tally, closed_march) -> None:
    published = app.published_bulletin("2025-03")
    issue = reissue(app, closed_march, "2025-03")
    link = app.recorder.select_link(published["position"])
    assert issue.content["log"]["chain_head"] == link.chain_hash.hex()
    assert issue.digest == published["digest"]


def test_verify_recomputes_every_published_bulletin_and_flags_a_wrong_digest(
    app: Tally, closed_march
) -> None:
    assert [(c.period, c.ok) for c in verify_bulletins(app, closed_march)] == [("2025-03", True)]
    position = app.recorder.max_notification_id()
    app.publish_bulletin("2025-04", position, "2025-05-02T09:00", "0" * 64,
                         meta=CommandMeta(actor="forger"))
    checks = {c.period: c for c in verify_bulletins(app, closed_march)}
    assert checks["2025-03"].ok
    assert not checks["2025-04"].ok
    assert checks["2025-04"].published_digest == "0" * 64


def tally_verify(url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TALLY_DATABASE_URL": url, "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "api", "verify"], env=env, capture_output=True,
                          text=True, timeout=120, check=False)


def test_tally_verify_reports_the_bulletins_and_fails_on_a_wrong_digest(
    app: Tally, database: DatabaseSettings, closed_march
) -> None:
    good = tally_verify(database.url)
    assert good.returncode == 0, good.stdout + good.stderr
    assert "Bulletin 2025-03" in good.stdout and "agrees" in good.stdout
    app.publish_bulletin("2025-04", app.recorder.max_notification_id(), "2025-05-02T09:00",
                         "0" * 64, meta=CommandMeta(actor="forger"))
    bad = tally_verify(database.url)
    assert bad.returncode == 1
    assert "Bulletin 2025-04" in bad.stdout and "does not agree" in bad.stdout
