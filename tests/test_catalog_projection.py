"""The catalogue read model: kept with its position, never applied twice, rebuildable."""

from __future__ import annotations

import pytest
from eventsourcing.persistence import IntegrityError, Tracking

from domain.application import CommandMeta, Tally
from projections.registry import open_projections
from projections.runner import catch_up, rebuild, tracking_name
from store.settings import DatabaseSettings

META = CommandMeta(actor="admin")


def some_history(app: Tally) -> str:
    app.register_unit("u1", "县委办公室", "A类", "2025-01-01", meta=META)
    app.register_unit("u2", "城关镇", "B类", "2025-01-01", meta=META)
    app.enrol_officer("o1", "张伟", "u1", "2025-01-01", meta=META)
    app.enrol_officer("o2", "刘洋", "u1", "2025-01-01", meta=META)
    app.open_account("approver", "李敏", ["approver"], unit="u1", meta=META)
    app.register_outlet("prov", "省委办公厅", "info", "provincial", meta=META)
    app.register_outlet("city", "市委办公室", "info", "city", meta=META)
    item = app.draft_submission("关于春耕生产的情况", "info", "important_situation", "o1",
                                "2025-03-01", meta=META)
    app.submit(item, "2025-03-02", meta=META)
    app.approve(item, "approver", "2025-03-02T09:00:00+08:00", meta=META)
    app.record_adoption(item, "prov", "full", "2025-03-05", meta=META)
    app.record_adoption(item, "city", "excerpt", "2025-03-06", meta=META)
    app.retract_adoption(item, "city", "市委办公室来函更正", meta=META)
    app.transfer_officer("o2", "u2", "2025-06-01", "工作调动", meta=META)
    app.rename_unit("u2", "城关街道", "2025-07-01", "撤镇设街道", meta=META)
    return str(item)


def snapshot(view) -> dict[str, list[dict]]:
    return {table: view.query(f"SELECT * FROM {table} ORDER BY id")  # noqa: S608
            for table in view.tables}


def test_the_catalogue_shows_the_present_state(app: Tally, database: DatabaseSettings) -> None:
    some_history(app)
    projection = open_projections(database)["catalog"]
    assert catch_up(app, projection) == app.recorder.max_notification_id()
    view = projection.view
    assert view.counts() == {"units": 2, "officers": 2, "outlets": 2, "submissions": 1,
                             "adoptions": 1}
    officers = {o["code"]: o["unit_name"] for o in view.officers()}
    assert officers == {"o1": "县委办公室", "o2": "城关街道"}
    [item] = view.submissions()
    assert (item["status"], item["adoptions"], item["lead_author"]) == ("approved", 1, "张伟")


def test_catching_up_twice_applies_nothing_twice(app: Tally, database: DatabaseSettings) -> None:
    some_history(app)
    projection = open_projections(database)["catalog"]
    catch_up(app, projection)
    first = snapshot(projection.view)
    assert catch_up(app, projection) == app.recorder.max_notification_id()
    assert snapshot(projection.view) == first


def test_an_event_already_tracked_is_refused_with_its_rows(
    app: Tally, database: DatabaseSettings
) -> None:
    some_history(app)
    projection = open_projections(database)["catalog"]
    catch_up(app, projection)
    before = snapshot(projection.view)
    adoption = next(n for n in app.recorder.select_notifications(start=1, limit=100)
                    if n.topic.endswith("Submission.Adopted"))
    with pytest.raises(IntegrityError):
        projection.process_event(app.mapper.to_domain_event(adoption),
                                 Tracking(tracking_name(projection), adoption.id))
    assert snapshot(projection.view) == before


def test_a_rebuild_equals_the_incrementally_built_catalogue(
    app: Tally, database: DatabaseSettings
) -> None:
    item = some_history(app)
    projection = open_projections(database)["catalog"]
    catch_up(app, projection)
    app.record_instruction(item, "city", "市委书记", "2025-03-08", "请各地借鉴", meta=META)
    app.record_leaving("o1", "2025-10-01", "退休", meta=META)
    catch_up(app, projection)
    incremental = snapshot(projection.view)

    seen: list[int] = []
    assert rebuild(app, projection, progress=seen.append) == app.recorder.max_notification_id()
    assert snapshot(projection.view) == incremental
    assert sum(seen) == app.recorder.max_notification_id()
