"""Reports pinned to a position of the log, as published bulletins are."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from domain.application import CommandMeta, Tally
from projections.registry import open_projection
from projections.runner import catch_up
from projections.scores import ScoreReports
from store.settings import DatabaseSettings


@dataclass
class PinnedOffice:
    reports: ScoreReports
    pinned_at: int


@pytest.fixture
def office(app: Tally, database: DatabaseSettings) -> PinnedOffice:
    """An item approved, the log pinned there, then an adoption imported: recorded after the
    pin, though known before the moments the tests ask about."""
    meta = CommandMeta(actor="admin", known_at="2025-01-01T09:00")
    app.publish_method("[method]\ncode='m'\nname='办法'\neffective_from=2025-01-01\n"
                       "[adoption.info]\ncity={full=10}\n", meta=meta)
    app.register_unit("u1", "县委办公室", "A类", "2025-01-01", meta=meta)
    app.enrol_officer("o1", "张伟", "u1", "2025-01-01", meta=meta)
    app.open_account("approver", "李敏", ["approver"], unit="u1", meta=meta)
    app.register_outlet("city", "市委办公室", "info", "city", meta=meta)
    item = app.draft_submission("关于春耕的情况", "info", "other", "o1", "2025-03-01", meta=meta)
    app.submit(item, "2025-03-02", meta=meta)
    app.approve(item, "approver", "2025-03-02T09:00", meta=meta)
    pinned_at = app.recorder.max_notification_id()
    app.record_adoption(item, "city", "full", "2025-03-05",
                        meta=CommandMeta(actor="import", known_at="2025-03-06T09:00"))
    ledger = open_projection(database, "ledger")
    catch_up(app, ledger)
    return PinnedOffice(ScoreReports(ledger.view), pinned_at)


def test_reports_pinned_to_a_log_position_ignore_what_was_recorded_after_it(
    office: PinnedOffice,
) -> None:
    """Imported history recorded later, though known earlier, must not change a pinned report."""
    assert office.reports.standing("o1", "2025-03", as_of="2025-04-01").points == 10
    pinned = office.reports.pinned(office.pinned_at)
    assert pinned.standing("o1", "2025-03", as_of="2025-04-01").points == 0
    assert all(item.adoptions == () for item in pinned.facts("2025-04-01").items.values())


def test_a_pinned_difference_names_no_fact_recorded_after_the_pin(office: PinnedOffice) -> None:
    assert office.reports.difference("2025", before="2025-03-01")["causes"]
    pinned = office.reports.pinned(office.pinned_at)
    assert pinned.difference("2025", before="2025-03-01")["causes"] == []
