"""Several writer processes on one PostgreSQL store."""

from __future__ import annotations

import multiprocessing
from collections import Counter

import pytest

from domain.application import CommandMeta, Tally
from store.bootstrap import open_tally
from store.settings import DatabaseSettings
from tests import writers

WRITERS = 4


def run_in_processes(function, argument_lists):
    context = multiprocessing.get_context("spawn")
    with context.Pool(len(argument_lists)) as pool:
        return pool.starmap(function, argument_lists)


@pytest.fixture
def postgres(postgres_database: DatabaseSettings) -> DatabaseSettings:
    return postgres_database


@pytest.fixture
def app(postgres: DatabaseSettings):
    tally = open_tally(postgres)
    yield tally
    tally.close()


@pytest.mark.slow
@pytest.mark.postgres
def test_record_time_never_runs_backwards_against_notification_id_with_four_writers(
    postgres: DatabaseSettings, app: Tally
) -> None:
    per_writer = 60
    run_in_processes(writers.register_units,
                     [(postgres.url, writer, per_writer) for writer in range(WRITERS)])
    notifications = app.recorder.select_notifications(start=1, limit=10_000)
    assert len(notifications) == WRITERS * per_writer
    actors = Counter(app.mapper.to_domain_event(n).cause.actor for n in notifications)
    assert actors == {f"writer-{w}": per_writer for w in range(WRITERS)}
    ids = [n.id for n in notifications]
    assert ids == sorted(ids)
    for earlier, later in zip(notifications, notifications[1:], strict=False):
        assert earlier.recorded_at <= later.recorded_at, (earlier.id, later.id)
    # The writers really interleaved: consecutive events come from different processes.
    changes = sum(
        1 for a, b in zip(notifications, notifications[1:], strict=False)
        if app.mapper.to_domain_event(a).cause.actor != app.mapper.to_domain_event(b).cause.actor
    )
    assert changes > WRITERS


@pytest.mark.slow
@pytest.mark.postgres
def test_conflicting_writes_to_one_item_are_retried_and_none_is_lost(
    postgres: DatabaseSettings, app: Tally
) -> None:
    meta = CommandMeta(actor="admin")
    app.register_unit("u1", "县委办公室", "A类", "2025-01-01", meta=meta)
    app.enrol_officer("o1", "张伟", "u1", "2025-01-01", meta=meta)
    app.open_account("approver", "李敏", ["approver"], unit="u1", meta=meta)
    item = app.draft_submission("关于春耕生产的情况", "info", "important_situation", "o1",
                                "2025-03-01", meta=meta)
    app.submit(item, "2025-03-02", meta=meta)
    app.approve(item, "approver", "2025-03-02T09:00:00+08:00", meta=meta)
    per_writer = 15

    outcomes = run_in_processes(
        writers.record_instructions,
        [(postgres.url, writer, str(item), per_writer) for writer in range(WRITERS)],
    )

    acknowledged = [o for result in outcomes for o in result if o != "conflict"]
    refused = sum(1 for result in outcomes for o in result if o == "conflict")
    assert len(acknowledged) + refused == WRITERS * per_writer
    # Each acknowledged instruction is in the log exactly once, under the number returned.
    events = [e for e in app.repository.event_store.get(item)
              if type(e).__name__ == "InstructionRecorded"]
    assert sorted(e.number for e in events) == sorted(acknowledged)
    assert len({e.number for e in events}) == len(events)
    assert len(events) == len(acknowledged)
    assert len(acknowledged) >= WRITERS * per_writer // 2
