"""The event store: record time assigned by the database, and the as-of position query."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.application import CommandMeta, Tally
from domain.errors import StoreNotInitialisedError
from store.bootstrap import init_database, open_tally
from store.settings import DatabaseSettings, DatabaseURLError


def record_some_facts(app: Tally, count: int) -> None:
    meta = CommandMeta(actor="admin")
    for number in range(count):
        app.register_unit(f"u{number:02d}", f"单位{number}", "A类", "2025-01-01", meta=meta)


def test_every_event_gets_a_record_time_that_never_runs_backwards(app: Tally) -> None:
    record_some_facts(app, 20)
    notifications = app.recorder.select_notifications(start=1, limit=100)
    assert [n.id for n in notifications] == sorted(n.id for n in notifications)
    times = [n.recorded_at for n in notifications]
    assert len(times) == 20
    assert all(t.tzinfo is not None for t in times)
    assert times == sorted(times)


def test_position_at_gives_the_last_event_recorded_at_or_before_the_moment(app: Tally) -> None:
    record_some_facts(app, 6)
    notifications = app.recorder.select_notifications(start=1, limit=100)
    third = notifications[2]
    position = app.position_at(third.recorded_at)
    # Events recorded in the same instant as the third share its time; none comes later.
    assert position >= third.id
    assert all(n.recorded_at <= third.recorded_at for n in notifications if n.id <= position)
    assert all(n.recorded_at > third.recorded_at for n in notifications if n.id > position)
    assert app.position_at(notifications[0].recorded_at - timedelta(days=1)) == 0
    assert app.position_at(notifications[-1].recorded_at + timedelta(days=1)) == 6


def test_record_time_of_one_notification_can_be_read_back(app: Tally) -> None:
    record_some_facts(app, 2)
    first = app.recorder.select_notifications(start=1, limit=1)[0]
    assert app.recorder.recorded_at(first.id) == first.recorded_at
    assert app.recorder.recorded_at(999) is None


def test_as_of_accepts_an_iso_string(app: Tally) -> None:
    record_some_facts(app, 1)
    assert app.position_at("2000-01-01T00:00:00+08:00") == 0
    assert app.position_at("2999-01-01") == 1


def test_store_without_tables_is_refused_with_a_clear_message(tmp_path) -> None:
    settings = DatabaseSettings(f"sqlite:///{tmp_path / 'empty.db'}")
    with pytest.raises(StoreNotInitialisedError, match="tally db init"):
        open_tally(settings)


def test_db_init_can_run_twice(database: DatabaseSettings) -> None:
    init_database(database)
    app = open_tally(database)
    record_some_facts(app, 1)
    init_database(database)
    assert app.recorder.max_notification_id() == 1


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:///tally.db", {"PERSISTENCE_MODULE": "store.sqlite:Factory",
                                "SQLITE_DBNAME": "tally.db"}),
        ("sqlite:////var/lib/tally/t.db", {"SQLITE_DBNAME": "/var/lib/tally/t.db"}),
        ("postgresql://tally:s%40cret@db.example:5433/office?schema=county",
         {"PERSISTENCE_MODULE": "store.postgres:Factory", "POSTGRES_DBNAME": "office",
          "POSTGRES_HOST": "db.example", "POSTGRES_PORT": "5433", "POSTGRES_USER": "tally",
          "POSTGRES_PASSWORD": "s@cret", "POSTGRES_SCHEMA": "county"}),
    ],
)
def test_database_url_maps_onto_the_library_settings(url: str, expected: dict[str, str]) -> None:
    env = DatabaseSettings(url).eventsourcing_env()
    assert {key: env[key] for key in expected} == expected
    assert env["CREATE_TABLE"] == "n"


@pytest.mark.parametrize("url", ["mysql://x/y", "postgresql://host/", "sqlite://relative.db"])
def test_unusable_database_url_is_refused_naming_the_variable(url: str) -> None:
    with pytest.raises(DatabaseURLError, match="TALLY_DATABASE_URL"):
        DatabaseSettings(url).eventsourcing_env()
