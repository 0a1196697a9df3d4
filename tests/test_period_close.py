"""Closing the demo year: the year-end bulletin published and pinned, a late adoption turned
into an erratum, rewards granted once, and a replay of the log into a fresh store doing
nothing twice."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from api import demo_data as data
from api.demo import generate_demo, run_step
from api.demo_plan import LATE_NOTICE_AT, plan_year
from domain.application import CommandMeta, Tally
from domain.bulletin import Bulletin
from domain.reward import Reward
from projections.registry import open_projection
from projections.runner import catch_up
from projections.scores import ScoreReports
from store.bootstrap import open_tally
from store.logfile import export_log, import_log
from store.settings import DatabaseSettings
from tests.conftest import fresh_store
from workflows.publication import close_period, reissue
from workflows.runner import open_errata, run_workflows

CLOSE = CommandMeta(actor="editor", correlation_id="close-2025", known_at="2026-01-05T17:00")


def run_steps(app: Tally, steps: list[Any], results: dict[str, Any]) -> None:
    for step in steps:
        result = run_step(app, step, results)
        if step.result_key is not None:
            results[step.result_key] = result


def decisions(app: Tally) -> list[tuple[str, str, int]]:
    """Every bulletin, erratum and reward event in the log: (topic, aggregate, version)."""
    found = []
    for notification in app.recorder.select_notifications(start=1, limit=1_000_000):
        if notification.topic.split(":")[0] in ("domain.bulletin", "domain.reward",
                                                  "domain.honour"):
            found.append((notification.topic, str(notification.originator_id),
                          notification.originator_version))
    return found


def copy_log(source: Tally, target: Tally, folder: Path) -> None:
    """Replay: the whole log of ``source``, with its positions, record times and chain, into
    the empty store of ``target`` (``tally export-log`` then ``tally import-log``)."""
    exported = folder / "log.jsonl.gz"
    export_log(source.recorder, exported)
    import_log(target.recorder, exported)


def test_closing_the_demo_year_publishes_a_pinned_bulletin_and_late_facts_issue_errata(
    app: Tally, database: DatabaseSettings, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    steps = plan_year()
    results: dict[str, Any] = {}
    run_steps(app, [step for step in steps if step.known_at < LATE_NOTICE_AT], results)
    ledger = open_projection(database, "ledger")

    bulletin_id = close_period(app, ledger, "2025", meta=CLOSE)
    published = app.published_bulletin("2025")
    assert published["kind"] == "year"
    assert published["position"] == app.recorder.max_notification_id() - len(
        [d for d in decisions(app) if "Reward" in d[0] or "Honour" in d[0]]) - 1
    first = reissue(app, ledger, "2025")
    assert first.digest == published["digest"]
    rewards = [d for d in decisions(app) if "Reward" in d[0]]
    assert rewards, "the demo's method pays money for adoptions"
    honours = [d for d in decisions(app) if "Honour" in d[0]]
    categories = {app.repository.get(UUID(d[1])).category for d in honours}
    assert categories == {"units", "officers", "items"}
    assert close_period(app, ledger, "2025", meta=CLOSE) == bulletin_id
    assert len([d for d in decisions(app) if "Reward" in d[0]]) == len(rewards)

    reports = ScoreReports(ledger.view, app.zone)
    ranking_at_close = reports.ranking("2025", "unit", as_of="2026-01-05")
    run_steps(app, [step for step in steps if step.known_at >= LATE_NOTICE_AT], results)
    assert run_workflows(app, database)["errata"] == app.recorder.max_notification_id()

    again = reissue(app, ledger, "2025")
    assert (again.data, again.digest) == (first.data, first.digest)
    errata = app.published_bulletin("2025")["errata"]
    assert len(errata) == 1
    [erratum] = errata
    assert erratum["fact"]["event"] == "Submission.Adopted"
    assert any(data.LATE_NOTICE_TITLE in text for text in erratum["fact"]["described"])
    assert erratum["causes"] and erratum["holders"]
    catch_up(app, ledger)
    ranking_now = reports.ranking("2025", "unit")
    assert ranking_now != ranking_at_close
    changed = {h["id"]: h for h in erratum["holders"] if h["by"] == "unit"}
    for row in ranking_now:
        if row["id"] in changed:
            assert changed[row["id"]]["after"] == row["points"]

    # Running the workflows again, or closing again, records nothing.
    count = app.recorder.max_notification_id()
    errata_follower = open_errata(database, app, ledger)
    catch_up(app, errata_follower)
    close_period(app, ledger, "2025", meta=CLOSE)
    assert app.recorder.max_notification_id() == count

    # Replaying the whole log into a fresh store: the same decisions, each once.
    original = decisions(app)
    assert len({(topic, aggregate, version) for topic, aggregate, version in original}) == len(
        original)
    replay_dir = tmp_path / "replay"
    replay_dir.mkdir()
    with fresh_store(database.backend, request, replay_dir) as settings:
        fresh = open_tally(settings)
        try:
            copy_log(app, fresh, tmp_path)
            run_workflows(fresh, settings)
            fresh_ledger = open_projection(settings, "ledger")
            close_period(fresh, fresh_ledger, "2025", meta=CLOSE)
            assert decisions(fresh) == original
            assert fresh.published_bulletin("2025") == app.published_bulletin("2025")
            replayed = reissue(fresh, fresh_ledger, "2025")
            assert (replayed.data, replayed.digest) == (first.data, first.digest)
            for _, aggregate, _ in {d for d in original if "Reward" in d[0]}:
                reward = fresh.repository.get(UUID(aggregate))
                assert isinstance(reward, Reward)
                assert fresh.reward(reward.line_key) == app.reward(reward.line_key)
        finally:
            fresh.close()
    assert Bulletin.create_id("year", "2025") == bulletin_id


def test_a_notice_recorded_before_the_close_but_known_after_it_gets_its_erratum(
    app: Tally, database: DatabaseSettings
) -> None:
    """The whole demo year recorded first (its late notice known on 2026-01-10), then 2025
    closed as known on 2026-01-05: the notice is not in the bulletin, and has its erratum."""
    generate_demo(app)
    ledger = open_projection(database, "ledger")
    close_period(app, ledger, "2025", meta=CLOSE)
    first = reissue(app, ledger, "2025")
    run_workflows(app, database)
    run_workflows(app, database)
    [erratum] = app.published_bulletin("2025")["errata"]
    assert any(data.LATE_NOTICE_TITLE in text for text in erratum["fact"]["described"])
    assert erratum["fact"]["known_at"].startswith("2026-01-10")
    assert reissue(app, ledger, "2025").data == first.data
