"""The hash chain: written with every append, and ``verify`` finds every kind of tampering at its
position, on both backends."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from uuid import UUID

import psycopg
import pytest

from domain.application import CommandMeta, Tally
from domain.errors import ConflictError
from store.bootstrap import open_tally
from store.chain import GENESIS, chain_hash
from store.settings import DatabaseSettings
from store.verify import verify_chain
from tests.conftest import PG_ADMIN
from tests.tamper import Attacker

EVENTS = 12


def record_units(app: Tally, count: int, start: int = 0) -> None:
    meta = CommandMeta(actor="admin")
    for number in range(start, start + count):
        app.register_unit(f"u{number:02d}", f"单位{number}", "A类", "2025-01-01", meta=meta)


@pytest.fixture
def attacker(database: DatabaseSettings) -> Iterator[Attacker]:
    someone = Attacker(database)
    yield someone
    someone.close()


@pytest.fixture
def logged(app: Tally) -> Tally:
    """A store holding a short log."""
    record_units(app, EVENTS)
    return app


def skip_a_position(settings: DatabaseSettings) -> None:
    """Consume a notification id, as a rolled-back append does on PostgreSQL."""
    schema = settings.eventsourcing_env()["POSTGRES_SCHEMA"]
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute("SELECT nextval(%s)", (f'"{schema}".tally_events_notification_id_seq',))


# The encoding ----------------------------------------------------------------------------------


def test_the_chain_hash_is_sha256_over_the_documented_bytes() -> None:
    when = datetime(2025, 12, 20, 8, 30, 0, 123456, tzinfo=UTC)
    originator = UUID("12345678-1234-5678-1234-567812345678")
    state = b'{"title":"\xe5\x85\xb3\xe4\xba\x8e"}'

    def blob(data: bytes) -> bytes:
        return len(data).to_bytes(8, "big") + data

    expected = hashlib.sha256(
        GENESIS + (7).to_bytes(8, "big")
        + (1766219400123456).to_bytes(8, "big", signed=True)
        + blob(str(originator).encode()) + (3).to_bytes(8, "big")
        + blob(b"domain.submission:Submission.Adopted") + blob(state)
    ).digest()
    assert chain_hash(GENESIS, 7, when, originator, 3,
                      "domain.submission:Submission.Adopted", state) == expected
    # Pinned: a change of encoding would orphan every chain already stored.
    assert expected.hex() == "9187a630db8356e479c97ed01ddd5e24b03a68b9d042878fcdbe6803bf41c5de"


def test_every_append_extends_the_chain_and_a_clean_log_verifies(logged: Tally) -> None:
    head = logged.recorder.chain_head()
    result = verify_chain(logged.recorder)
    assert result.ok, result.broken
    assert result.events == EVENTS
    assert result.head == head
    assert head is not None and head.position == EVENTS and head.previous == EVENTS - 1


def test_an_empty_log_verifies(app: Tally) -> None:
    result = verify_chain(app.recorder)
    assert result.ok and result.head is None and result.events == 0


@pytest.mark.postgres
def test_a_gap_in_the_notification_ids_is_not_a_break(postgres_database: DatabaseSettings
                                                      ) -> None:
    app = open_tally(postgres_database)
    record_units(app, 3)
    skip_a_position(postgres_database)
    record_units(app, 3, start=3)
    positions = [n.id for n in app.recorder.select_notifications(start=1, limit=10)]
    assert positions == [1, 2, 3, 5, 6, 7]
    result = verify_chain(app.recorder)
    assert result.ok, result.broken
    assert app.recorder.select_link(5).previous == 3
    app.close()


# Tampering, each way -----------------------------------------------------------------------------


def test_one_edited_byte_of_one_events_state_is_found_at_its_position(
    logged: Tally, attacker: Attacker
) -> None:
    attacker.flip_a_byte_of_state(5)
    broken = verify_chain(logged.recorder).broken
    assert broken is not None
    assert (broken.position, broken.kind) == (5, "edited")
    assert "position 5" in broken.message


def test_a_changed_record_time_is_found_at_its_position(logged: Tally, attacker: Attacker
                                                       ) -> None:
    original = attacker.event(4)[4]
    earlier = "2025-01-01T00:00:00.000" if attacker.backend == "sqlite" else \
        original - timedelta(days=400)
    attacker.move_record_time(4, earlier)
    broken = verify_chain(logged.recorder).broken
    assert broken is not None and (broken.position, broken.kind) == (4, "edited")


def test_a_removed_event_is_found_at_its_position(logged: Tally, attacker: Attacker) -> None:
    attacker.remove(7)
    broken = verify_chain(logged.recorder).broken
    assert broken is not None and (broken.position, broken.kind) == (7, "removed")


def test_a_removed_event_and_its_link_are_found_at_their_position(
    logged: Tally, attacker: Attacker
) -> None:
    attacker.remove(7, with_link=True)
    broken = verify_chain(logged.recorder).broken
    assert broken is not None and (broken.position, broken.kind) == (7, "removed")
    assert "position 8" in broken.message


def test_two_swapped_rows_are_found_at_the_first(logged: Tally, attacker: Attacker) -> None:
    attacker.swap(3, 9)
    broken = verify_chain(logged.recorder).broken
    assert broken is not None and (broken.position, broken.kind) == (3, "edited")


def test_a_forged_row_is_found_at_its_position(logged: Tally, attacker: Attacker) -> None:
    attacker.forge(EVENTS + 1)
    broken = verify_chain(logged.recorder).broken
    assert broken is not None and (broken.position, broken.kind) == (EVENTS + 1, "inserted")


@pytest.mark.postgres
def test_a_forged_row_with_a_forged_link_in_a_gap_is_found_at_its_position(
    postgres_database: DatabaseSettings
) -> None:
    app = open_tally(postgres_database)
    record_units(app, 3)
    skip_a_position(postgres_database)
    record_units(app, 3, start=3)
    attacker = Attacker(postgres_database)
    attacker.forge(4, chained=True)  # it hashes correctly after position 3...
    broken = verify_chain(app.recorder).broken
    attacker.close()
    app.close()
    # ...but the event at 5 was chained after 3.
    assert broken is not None and (broken.position, broken.kind) == (4, "inserted")


def test_verify_exits_non_zero_naming_the_position(logged: Tally, attacker: Attacker,
                                                   database: DatabaseSettings) -> None:
    clean = tally_command("verify", url=database.url)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert f"up to position {EVENTS}" in clean.stdout
    assert logged.recorder.chain_head().chain_hash.hex() in clean.stdout
    attacker.flip_a_byte_of_state(6)
    broken = tally_command("verify", url=database.url)
    assert broken.returncode == 1
    assert "fails verification at position 6" in broken.stdout
    assert "Traceback" not in broken.stderr


def test_verify_compares_a_chain_hash_held_for_a_position(logged: Tally,
                                                         database: DatabaseSettings) -> None:
    link = logged.recorder.select_link(3)
    head = logged.recorder.chain_head()
    same = tally_command("verify", "--position", "3", "--hash", link.chain_hash.hex().upper(),
                         url=database.url)
    assert same.returncode == 0, same.stdout + same.stderr
    assert "The chain hash at position 3 is the one you hold." in same.stdout
    other = tally_command("verify", "--position", "3", "--hash", head.chain_hash.hex(),
                          url=database.url)
    assert other.returncode == 1
    assert (f"The chain hash at position 3 differs from the one you hold: the log holds "
            f"{link.chain_hash.hex()}.") in other.stdout
    beyond = tally_command("verify", "--position", str(EVENTS + 1), "--hash",
                           head.chain_hash.hex(), url=database.url)
    assert beyond.returncode == 1
    assert f"The log has no event at position {EVENTS + 1}." in beyond.stdout
    alone = tally_command("verify", "--position", "3", url=database.url)
    assert alone.returncode == 1 and "hash" in alone.stderr and "is required" in alone.stderr
    assert "verifying the chain" not in alone.stdout  # refused before anything is read


def tally_command(*args: str, url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TALLY_DATABASE_URL": url, "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "api", *args], env=env, capture_output=True,
                          text=True, timeout=120, check=False)


# Checkpoints ----------------------------------------------------------------------------------


def test_from_a_checkpoint_only_later_events_are_recomputed(logged: Tally) -> None:
    point = logged.recorder.write_checkpoint()
    assert point is not None and point.position == EVENTS
    record_units(logged, 4, start=EVENTS)
    result = verify_chain(logged.recorder, from_checkpoint=True)
    assert result.ok, result.broken
    assert (result.start, result.events, result.head.position) == (EVENTS, 4, EVENTS + 4)


def test_from_a_checkpoint_tampering_after_it_is_found(logged: Tally, attacker: Attacker
                                                      ) -> None:
    logged.recorder.write_checkpoint()
    record_units(logged, 4, start=EVENTS)
    attacker.flip_a_byte_of_state(EVENTS + 2)
    broken = verify_chain(logged.recorder, from_checkpoint=True).broken
    assert broken is not None and (broken.position, broken.kind) == (EVENTS + 2, "edited")


def test_from_a_checkpoint_the_checkpoint_itself_is_checked(logged: Tally, attacker: Attacker
                                                           ) -> None:
    logged.recorder.write_checkpoint()
    record_units(logged, 2, start=EVENTS)
    attacker.flip_a_byte_of_state(EVENTS)
    broken = verify_chain(logged.recorder, from_checkpoint=True).broken
    assert broken is not None and (broken.position, broken.kind) == (EVENTS, "edited")


def test_a_rewritten_checkpoint_is_found(logged: Tally, attacker: Attacker) -> None:
    logged.recorder.write_checkpoint()
    attacker.rewrite_checkpoint(EVENTS)
    for from_checkpoint in (False, True):
        broken = verify_chain(logged.recorder, from_checkpoint=from_checkpoint).broken
        assert broken is not None and (broken.position, broken.kind) == (EVENTS, "checkpoint")


def test_events_removed_from_the_end_before_a_checkpoint_are_found(
    logged: Tally, attacker: Attacker
) -> None:
    logged.recorder.write_checkpoint()
    for position in (EVENTS, EVENTS - 1):
        attacker.remove(position, with_link=True)
    broken = verify_chain(logged.recorder).broken
    assert broken is not None and broken.kind == "removed" and broken.position == EVENTS
    assert f"after position {EVENTS - 2}" in broken.message
    assert not verify_chain(logged.recorder, from_checkpoint=True).ok


def test_appends_write_a_checkpoint_every_n_positions(database: DatabaseSettings) -> None:
    app = open_tally(database, extra_env={"CHECKPOINT_EVERY": "5"})
    record_units(app, 12)
    points = app.recorder.select_checkpoints()
    assert [p.position for p in points] == [5, 10]
    assert points[0].chain_hash == app.recorder.select_link(5).chain_hash
    assert verify_chain(app.recorder).checkpoints == 2
    app.close()


def test_the_checkpoint_command_verifies_first(logged: Tally, attacker: Attacker,
                                              database: DatabaseSettings) -> None:
    written = tally_command("checkpoint", url=database.url)
    assert written.returncode == 0, written.stdout + written.stderr
    assert f"Checkpoint at position {EVENTS}" in written.stdout
    record_units(logged, 2, start=EVENTS)
    attacker.flip_a_byte_of_state(EVENTS + 1)
    refused = tally_command("checkpoint", url=database.url)
    assert refused.returncode == 1
    assert f"position {EVENTS + 1}" in refused.stdout
    assert [p.position for p in logged.recorder.select_checkpoints()] == [EVENTS]
    from_checkpoint = tally_command("verify", "--from-checkpoint", url=database.url)
    assert from_checkpoint.returncode == 1


# Several writers ---------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.postgres
def test_the_chain_holds_with_four_writers_and_the_gaps_their_conflicts_leave(
    postgres_database: DatabaseSettings,
) -> None:
    from tests import writers
    from tests.test_concurrency import WRITERS, run_in_processes

    url = postgres_database.url
    app = open_tally(postgres_database)
    record_units(app, 1)
    app.enrol_officer("o1", "张伟", "u00", "2025-01-01", meta=CommandMeta(actor="admin"))
    app.open_account("approver", "李敏", ["approver"], unit="u00", meta=CommandMeta(actor="a"))
    item = app.draft_submission("关于春耕生产的情况", "info", "important_situation", "o1",
                                "2025-03-01", meta=CommandMeta(actor="o1"))
    app.submit(item, "2025-03-02", meta=CommandMeta(actor="o1"))
    app.approve(item, "approver", "2025-03-02T09:00:00+08:00", meta=CommandMeta(actor="a"))
    run_in_processes(writers.register_units, [(url, w, 30) for w in range(WRITERS)])
    run_in_processes(writers.record_instructions, [(url, w, str(item), 10) for w in range(WRITERS)])
    result = verify_chain(app.recorder)
    last = app.recorder.max_notification_id()
    count = len(app.recorder.select_notifications(start=1, limit=10_000))
    app.close()
    assert result.ok, result.broken
    assert result.events == count and result.head.position == last


def test_an_event_and_its_link_commit_together_or_not_at_all(logged: Tally,
                                                            attacker: Attacker) -> None:
    attacker.sql(f"INSERT INTO {attacker.chain} VALUES (?, ?, ?)",  # noqa: S608
                 (EVENTS + 1, EVENTS, bytes(32)))  # the next append's link cannot be written
    try:
        record_units(logged, 1, start=EVENTS)  # PostgreSQL retries under the next id
    except ConflictError:
        pass  # SQLite retries under the same rowid, and gives up
    events = {n.id for n in logged.recorder.select_notifications(start=1, limit=100)}
    links = {link.position for link in logged.recorder.select_links(0, 100)}
    assert events <= links  # no event was ever committed without its link
    broken = verify_chain(logged.recorder).broken
    assert broken is not None and (broken.position, broken.kind) == (EVENTS + 1, "removed")
