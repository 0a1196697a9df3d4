"""What is stored comes back as it was, and colliding writers never lose a fact."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

import pytest
from eventsourcing.persistence import IntegrityError

from domain import application as service
from domain.application import CommandMeta, Tally
from domain.errors import ConflictError
from domain.identity import derived_id
from domain.submission import Submission
from domain.target import Target
from domain.values import (
    Author,
    Category,
    Cause,
    Channel,
    Form,
    HolderKind,
    Level,
    Role,
    Route,
)
from store.bootstrap import open_tally
from store.settings import DatabaseSettings
from tests.conftest import event_count


def seed_directory(app: Tally) -> None:
    meta = CommandMeta(actor="admin", correlation_id="seed")
    app.register_unit("u1", "县委办公室", "A类", "2025-01-01", meta=meta)
    app.enrol_officer("o1", "张伟", "u1", "2025-01-01", meta=meta)
    app.enrol_officer("o2", "王芳", "u1", "2025-01-01", meta=meta)
    app.open_account("approver", "李敏", ["approver"], unit="u1", meta=meta)
    app.register_outlet("prov", "省委办公厅", "info", "provincial", meta=meta)


def approved_item(app: Tally) -> str:
    meta = CommandMeta(actor="o1")
    item = app.draft_submission("关于乡村振兴的新举措", "info", "new_measure", "o1:0.6;o2:0.4",
                                "2025-03-01", meta=meta)
    app.submit(item, "2025-03-02", meta=meta)
    app.approve(item, "approver", "2025-03-02T09:30:00+08:00", meta=CommandMeta(actor="approver"))
    return str(item)


def test_dates_enums_and_value_objects_come_back_with_their_types(
    app: Tally, database: DatabaseSettings
) -> None:
    seed_directory(app)
    item = approved_item(app)
    app.record_adoption(item, "prov", "merged", "2025-03-05", route="forwarded",
                        meta=CommandMeta(actor="editor", correlation_id="req-42",
                                         known_at="2025-03-06T10:00:00+08:00"))
    app.set_target("officer", "o1", 2025, items=24, points="120.5", meta=CommandMeta(actor="admin"))

    fresh = open_tally(database)  # no cache: everything is decoded from the database
    events = list(fresh.events.get(UUID(item)))
    drafted, adopted = events[0], events[-1]
    assert isinstance(drafted, Submission.Drafted)
    assert drafted.channel is Channel.INFO and drafted.category is Category.NEW_MEASURE
    assert drafted.event_date == date(2025, 3, 1) and type(drafted.event_date) is date
    assert drafted.authors == [Author(drafted.authors[0].officer_id, Decimal("0.6")),
                               Author(drafted.authors[1].officer_id, Decimal("0.4"))]
    assert isinstance(adopted, Submission.Adopted)
    assert adopted.form is Form.MERGED and adopted.route is Route.FORWARDED
    assert adopted.cause == Cause(actor="editor", correlation_id="req-42",
                                  known_at=datetime.fromisoformat("2025-03-06T10:00:00+08:00"))
    officer_id = derived_id("officer", "o1")
    target = next(iter(fresh.events.get(Target.create_id(HolderKind.OFFICER, officer_id, 2025))))
    assert target.points == Decimal("120.5") and target.monthly_items == [2] * 12
    account = fresh.repository.get(derived_id("account", "approver"))
    assert account.roles == [Role.APPROVER]
    fresh.close()


def test_each_event_carries_actor_and_correlation_id(app: Tally) -> None:
    seed_directory(app)
    for notification in app.recorder.select_notifications(start=1, limit=100):
        cause = app.mapper.to_domain_event(notification).cause
        assert cause.actor == "admin" and cause.correlation_id == "seed"


def test_a_command_without_correlation_id_gets_a_fresh_one(app: Tally) -> None:
    app.register_unit("u1", "县委办公室", "A类", "2025-01-01", meta=CommandMeta(actor="admin"))
    app.register_unit("u2", "县教育局", "A类", "2025-01-01", meta=CommandMeta(actor="admin"))
    causes = [app.mapper.to_domain_event(n).cause
              for n in app.recorder.select_notifications(start=1, limit=10)]
    assert causes[0].correlation_id and causes[0].correlation_id != causes[1].correlation_id


def test_a_write_that_loses_the_race_is_retried_on_fresh_state(
    app: Tally, database: DatabaseSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_directory(app)
    item = approved_item(app)
    rival = open_tally(database)
    real_save = app.save
    calls = {"count": 0}

    def save_after_a_rival_wrote(*aggregates, **kwargs):
        calls["count"] += 1
        if calls["count"] == 1:  # another writer records an instruction first
            rival.record_instruction(item, "city", "市委书记", "2025-03-06", "请推广",
                                     meta=CommandMeta(actor="rival"))
        return real_save(*aggregates, **kwargs)

    monkeypatch.setattr(app, "save", save_after_a_rival_wrote)
    number = app.record_instruction(item, "provincial", "省长", "2025-03-07", "阅",
                                    meta=CommandMeta(actor="editor"))

    assert calls["count"] == 2
    assert number == 2  # decided again on the state that includes the rival's instruction
    instructions = [e for e in app.events.get(UUID(item))
                    if isinstance(e, Submission.InstructionRecorded)]
    assert [(e.number, e.cause.actor) for e in instructions] == [(1, "rival"), (2, "editor")]
    rival.close()


def test_a_write_that_keeps_losing_is_reported_as_a_conflict_and_records_nothing(
    app: Tally, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_directory(app)
    before = event_count(app)
    attempts = {"count": 0}

    def always_collides(*aggregates, **kwargs):
        attempts["count"] += 1
        raise IntegrityError("simulated: another writer got there first")

    monkeypatch.setattr(app, "save", always_collides)
    with pytest.raises(ConflictError, match="nothing was recorded"):
        app.register_outlet("city", "市委办公室", "info", "city", meta=CommandMeta(actor="a"))
    assert attempts["count"] == service.MAX_ATTEMPTS
    assert event_count(app) == before


def test_level_is_a_stored_enumeration(app: Tally) -> None:
    app.register_outlet("nat", "国务院办公厅", "info", "national", meta=CommandMeta(actor="a"))
    stored = app.recorder.select_notifications(start=1, limit=1)[0]
    assert app.mapper.to_domain_event(stored).level is Level.NATIONAL
    assert b'"national"' in stored.state
