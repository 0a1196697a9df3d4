"""The catalogue read model: kept with its position, never applied twice, rebuildable."""

from __future__ import annotations

from datetime import date

import pytest
from eventsourcing.persistence import IntegrityError, Tracking

from domain.application import CommandMeta, Tally
from domain.identity import derived_id
from domain.period import Period
from projections.registry import open_projections
from projections.runner import catch_up, rebuild, tracking_name
from store.settings import DatabaseSettings
from tests.test_projection_crash import snapshot

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


def test_the_catalogue_shows_the_present_state(app: Tally, database: DatabaseSettings) -> None:
    some_history(app)
    projection = open_projections(database)["catalog"]
    assert catch_up(app, projection) == app.recorder.max_notification_id()
    view = projection.view
    assert view.counts() == {"units": 2, "officers": 2, "outlets": 2, "submissions": 1,
                             "adoptions": 1}
    officers = {o["code"]: o["unit_name"] for o in view.officers(date(2025, 7, 1))}
    assert officers == {"o1": "县委办公室", "o2": "城关街道"}
    officers = {o["code"]: o["unit_name"] for o in view.officers(date(2025, 6, 30))}
    assert officers == {"o1": "县委办公室", "o2": "城关镇"}  # renamed from 1 July
    before = {o["code"]: (o["unit_code"], o["moves_to"], o["moves_on"])
              for o in view.officers(date(2025, 5, 31))}
    assert before == {"o1": ("u1", None, None), "o2": ("u1", "u2", "2025-06-01")}
    serving = {u["code"]: (u["name"], u["officers"]) for u in view.units(date(2025, 5, 31))}
    assert serving == {"u1": ("县委办公室", 2), "u2": ("城关镇", 0)}
    assert [u["officers"] for u in view.units(date(2024, 12, 31))] == [0, 0]  # none enrolled
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


def test_rewards_and_honours_with_their_revocations_in_one_batch_or_later(
    app: Tally, database: DatabaseSettings
) -> None:
    item = some_history(app)
    o1 = str(derived_id("officer", "o1"))
    u1 = str(derived_id("unit", "u1"))
    kept = app.grant_reward("line-1", "2025-03", o1, u1, item, "reward:prov:2025-03-05",
                            "rewards.provincial", "2025-03-05", "500", meta=META)
    gone = app.grant_reward("line-2", "2025-Q1", o1, u1, item, "reward:city:2025-03-06",
                            "rewards.city", "2025-03-06", "200", meta=META)
    app.revoke_reward(gone, "市委办公室来函更正", meta=META)  # in the same batch as its grant
    app.grant_reward("line-3", "2025-04", None, u1, None, "reward:unit:2025-04-02",
                     "rewards.unit", "2025-04-02", "100", meta=META)
    officer = app.award_honour(2025, "officers", "o1", "张伟", 1, "10", "rule", meta=META)
    app.award_honour(2025, "items", item, "关于春耕生产的情况", 1, "10", "rule", meta=META)
    projection = open_projections(database)["catalog"]
    catch_up(app, projection)
    app.revoke_honour(officer, "采用单位更正", meta=META)  # in a later catch-up
    # the place filled in the same batch as the honour that fills it is awarded
    app.fill_honour(officer, "o2", "刘洋", 1, "6", "rule", "经研究决定递补", meta=META)
    catch_up(app, projection)
    view = projection.view

    march = view.rewards(Period.parse("2025-03"))
    assert [(r["officer_name"], r["unit_name"], r["title"], r["amount"], r["revoked_reason"])
            for r in march] == [("张伟", "县委办公室", "关于春耕生产的情况", "500", None),
                                ("张伟", "县委办公室", "关于春耕生产的情况", "200",
                                 "市委办公室来函更正")]
    assert march[0]["id"] == str(kept)
    assert [r["amount"] for r in view.rewards(Period.parse("2025-H1"))] == ["500", "200", "100"]
    assert [(h["category"], h["name"], h["rank"], h["points"], h["revoked_reason"],
             h["filled_by"], h["filled_reason"], h["fills"]) for h in view.honours(2025)] == [
        ("items", "关于春耕生产的情况", 1, "10", None, None, None, None),
        ("officers", "刘洋", 1, "6", None, None, None, "张伟"),
        ("officers", "张伟", 1, "10", "采用单位更正", "刘洋", "经研究决定递补", None)]
    assert view.honours(2024) == []

    incremental = snapshot(view)
    rebuild(app, projection)
    assert snapshot(view) == incremental
