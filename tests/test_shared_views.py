"""Several processes keep the same read models current (API processes catching up inline,
projection workers): a projection whose view another process moved on must not compute from
what it held in memory for an older position."""

from __future__ import annotations

from typing import Any

import pytest

from domain.application import CommandMeta, Tally
from projections.registry import open_projections
from projections.runner import catch_up, rebuild
from store.settings import DatabaseSettings
from tests.test_projection_crash import snapshot

META = CommandMeta(actor="editor")


def item(app: Tally, number: int, officer: str) -> None:
    submission = app.draft_submission(f"关于第{number}项工作的情况", "info", "other", officer,
                                      "2025-03-01", meta=META)
    app.submit(submission, "2025-03-02", meta=META)
    app.approve(submission, "approver", "2025-03-02T09:00:00+08:00", meta=META)
    app.record_adoption(submission, "prov", "full", "2025-03-05", meta=META)


def office(app: Tally) -> None:
    """One unit with one officer (o1), an approver, an outlet (prov) and the method: what
    ``item`` needs."""
    from tests.bulletin_office import METHOD

    app.register_unit("u1", "县委办公室", "A类", "2025-01-01", meta=META)
    app.enrol_officer("o1", "张伟", "u1", "2025-01-01", meta=META)
    app.open_account("approver", "李敏", ["approver"], meta=META)
    app.register_outlet("prov", "省委办公厅", "info", "provincial", meta=META)
    app.publish_method(METHOD, meta=META)


def counted_reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The positions the follower reads pages from, in order (``runner._read_page`` wrapped)."""
    from projections import runner

    reads: list[int] = []
    real_read = runner._read_page

    def counted(app: Tally, position: int, limit: int) -> object:
        reads.append(position)
        return real_read(app, position, limit)

    monkeypatch.setattr(runner, "_read_page", counted)
    return reads


def at_head_as_rebuilt(app: Tally, projections: dict[str, Any], last: int) -> None:
    """Every projection is at position ``last``, and its tables are what a rebuild makes."""
    from projections import runner

    for name, projection in projections.items():
        assert projection.view.max_tracking_id(runner.tracking_name(projection)) == last, name
        caught_up = snapshot(projection.view)
        rebuild(app, projection)
        assert snapshot(projection.view) == caught_up, name


def test_a_projection_behind_another_process_reads_its_state_again(
        app: Tally, database: DatabaseSettings) -> None:
    from tests.bulletin_office import METHOD

    app.register_unit("u1", "县委办公室", "A类", "2025-01-01", meta=META)
    app.register_unit("u2", "城关镇", "B类", "2025-01-01", meta=META)
    app.enrol_officer("o1", "张伟", "u1", "2025-01-01", meta=META)
    app.open_account("approver", "李敏", ["approver"], meta=META)
    app.register_outlet("prov", "省委办公厅", "info", "provincial", meta=META)
    app.publish_method(METHOD, meta=META)
    first, second = open_projections(database), open_projections(database)
    item(app, 1, "o1")
    for projection in first.values():
        catch_up(app, projection)  # the first process holds state for this position
    item(app, 2, "o1")
    app.transfer_officer("o1", "u2", "2025-02-01", "调动", meta=META)  # moves earlier points
    for projection in second.values():
        catch_up(app, projection)  # another process moves the views on
    item(app, 3, "o1")
    for name, projection in first.items():
        catch_up(app, projection)  # the first process again, from the views' position
        caught_up = snapshot(projection.view)
        rebuild(app, projection)
        assert snapshot(projection.view) == caught_up, name
    for projections in (first, second):
        for projection in projections.values():
            projection.view.datastore.close()  # type: ignore[attr-defined]


def test_a_warmed_ledger_follows_without_reading_the_fact_log_again(
        app: Tally, database: DatabaseSettings, monkeypatch: pytest.MonkeyPatch) -> None:
    """The follow worker warms the ledger before following: the state it loads is for the
    committed position (not the last fact's), so the next page keeps it instead of folding
    the whole fact log a second time; and it is the same state a cold start computes."""
    office(app)
    item(app, 1, "o1")
    app.open_account("reader", "王芳", ["leader"], meta=META)  # the log ends with no fact
    writer, warmed, cold = (open_projections(database)["ledger"] for _ in range(3))
    catch_up(app, writer)  # another process projected the log so far
    warmed.warm()  # type: ignore[attr-defined]

    def no_second_fold(*args: object, **kwargs: object) -> None:
        raise AssertionError("the fact log was folded again")

    monkeypatch.setattr(warmed, "_stored", no_second_fold)
    item(app, 2, "o1")
    catch_up(app, warmed)
    caught_up = snapshot(warmed.view)
    monkeypatch.undo()
    rebuild(app, cold)
    assert snapshot(cold.view) == caught_up
    for projection in (writer, warmed, cold):
        projection.view.datastore.close()  # type: ignore[attr-defined]


def test_a_follower_outlives_the_database_not_answering_and_goes_on(
        app: Tally, database: DatabaseSettings, monkeypatch: pytest.MonkeyPatch) -> None:
    """A projection worker whose database stops answering (down, restarting) tries again
    instead of ending, and brings its view up to the log once the server answers."""
    import psycopg

    from projections import runner

    app.register_unit("u1", "县委办公室", "A类", "2025-01-01", meta=META)
    projection = open_projections(database)["catalog"]
    real_read, outages, rounds = runner._read_page, [2], []

    def failing_at_first(app: Tally, position: int, limit: int) -> object:
        rounds.append(1)
        if outages[0]:
            outages[0] -= 1
            raise psycopg.OperationalError("connection refused")
        return real_read(app, position, limit)

    monkeypatch.setattr(runner, "_read_page", failing_at_first)
    position = app.recorder.max_notification_id()
    runner.follow(app, projection, poll_seconds=0.01,
                  stop=lambda: len(rounds) > 4)
    assert outages == [0]
    assert projection.view.max_tracking_id(runner.tracking_name(projection)) == position
    projection.view.datastore.close()  # type: ignore[attr-defined]


def test_one_follower_brings_every_projection_from_its_own_position_to_the_log(
        app: Tally, database: DatabaseSettings, monkeypatch: pytest.MonkeyPatch) -> None:
    """``tally project --follow`` reads each page once for every projection: each takes the
    events after its own position (one rebuilt from the start, one caught up halfway, the
    others at the head) and ends where a rebuild ends, and the page is read once a round."""
    from projections import runner

    office(app)
    item(app, 1, "o1")
    projections = open_projections(database)
    for projection in projections.values():
        catch_up(app, projection)
    item(app, 2, "o1")
    catch_up(app, projections["audit"])
    item(app, 3, "o1")
    catch_up(app, projections["boards"])
    projections["catalog"].view.reset(runner.tracking_name(projections["catalog"]))  # type: ignore[attr-defined]
    last = app.recorder.max_notification_id()
    reads = counted_reads(monkeypatch)
    runner.follow_together(app, list(projections.values()), poll_seconds=0.01, gather=0,
                           stop=lambda: bool(reads) and reads[-1] == last)
    assert reads == [0, last]  # from the lowest position, once for all; then the head
    at_head_as_rebuilt(app, projections, last)
    for projection in projections.values():
        projection.view.datastore.close()  # type: ignore[attr-defined]


def test_a_projection_that_fails_is_left_behind_and_the_others_go_on(
        app: Tally, database: DatabaseSettings, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    """A defect in one projection (an error that is not the database's) stops that one at its
    committed position, logged with its name; the others follow to the log's head; once no
    projection is left, the failure is raised."""
    from projections import runner

    office(app)
    projections = open_projections(database)
    for projection in projections.values():
        catch_up(app, projection)
    before = app.recorder.max_notification_id()
    item(app, 1, "o1")
    last = app.recorder.max_notification_id()
    broken = projections["boards"]

    def defect(*args: object) -> None:
        raise ZeroDivisionError("a defect")

    monkeypatch.setattr(broken, "process_event", defect)
    rounds = counted_reads(monkeypatch)
    runner.follow_together(app, list(projections.values()), poll_seconds=0.01, gather=0,
                           stop=lambda: len(rounds) > 3)
    for name, projection in projections.items():
        expected = before if projection is broken else last
        assert projection.view.max_tracking_id(runner.tracking_name(projection)) == expected, name
    assert "Tally/boards stopped at position" in caplog.text
    with pytest.raises(ZeroDivisionError, match="a defect"):
        runner.follow(app, broken, poll_seconds=0.01, gather=0)
    for projection in projections.values():
        projection.view.datastore.close()  # type: ignore[attr-defined]


def test_a_projection_that_fails_once_caught_up_is_left_behind_and_the_others_go_on(
        app: Tally, database: DatabaseSettings, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    """A defect in what a projection does once it has read the whole log (the ledger scores
    then what a rebuild deferred) leaves that one behind as a defect on an event does; the
    others follow the facts recorded after."""
    from projections import runner

    office(app)
    projections = open_projections(database)
    broken = projections["ledger"]
    before = app.recorder.max_notification_id()

    def defect() -> None:
        raise ZeroDivisionError("a defect")

    monkeypatch.setattr(broken, "caught_up", defect)
    rounds: list[int] = []

    def meanwhile() -> bool:
        rounds.append(1)
        if len(rounds) == 4:  # the ledger has been left behind: new facts
            item(app, 1, "o1")
        return len(rounds) > 10

    runner.follow_together(app, list(projections.values()), poll_seconds=0.01, gather=0,
                           stop=meanwhile)
    last = app.recorder.max_notification_id()
    assert last > before
    for name, projection in projections.items():
        expected = before if projection is broken else last
        assert projection.view.max_tracking_id(runner.tracking_name(projection)) == expected, name
    assert "Tally/ledger stopped when it had read the whole log" in caplog.text
    for projection in projections.values():
        projection.view.datastore.close()  # type: ignore[attr-defined]


def test_a_follower_whose_views_another_process_moved_on_ends_where_a_rebuild_ends(
        app: Tally, database: DatabaseSettings) -> None:
    """The follower keeps each projection's position between rounds instead of reading it
    again: when another process (an API process catching up inline, a second worker) moves a
    view on meanwhile, the follower's commit of the same events is refused, it reads the
    position again and goes on from there, and every view ends as a rebuild leaves it."""
    from projections import runner

    office(app)
    item(app, 1, "o1")
    follower, other = open_projections(database), open_projections(database)
    rounds: list[int] = []

    def meanwhile() -> bool:
        rounds.append(1)
        if len(rounds) == 2:  # after the follower's first round: new facts, projected elsewhere
            item(app, 2, "o1")
            for projection in other.values():
                catch_up(app, projection)
            item(app, 3, "o1")
        return len(rounds) > 6

    runner.follow_together(app, list(follower.values()), poll_seconds=0.01, gather=0,
                           stop=meanwhile)
    last = app.recorder.max_notification_id()
    at_head_as_rebuilt(app, follower, last)
    for projections in (follower, other):
        for projection in projections.values():
            projection.view.datastore.close()  # type: ignore[attr-defined]


@pytest.mark.postgres
def test_only_the_views_projected_from_the_log_commit_without_waiting_for_the_disk(
        postgres_database: DatabaseSettings) -> None:
    """A projection's commit may be lost with the server's last moments (with its tracking
    position: it is projected again), so it does not wait for the WAL to reach the disk; the
    credentials (passwords, tokens, their revocations) are kept nowhere else, and do."""
    from projections.registry import open_projections
    from projections.view import THEN
    from store.bootstrap import init_database
    from store.credentials import open_credentials

    init_database(postgres_database)
    views = {name: projection.view
             for name, projection in open_projections(postgres_database).items()}
    views["credentials"] = open_credentials(postgres_database)
    seen: dict[str, str] = {}
    for name, view in views.items():
        view.commit(None, [(THEN, (lambda run, name=name: seen.__setitem__(name, list(run.rows(
            "SELECT current_setting('synchronous_commit')"))[0][0]),))])
        view.datastore.close()  # type: ignore[attr-defined]
    assert seen == {"catalog": "off", "ledger": "off", "audit": "off", "boards": "off",
                    "credentials": "on"}
