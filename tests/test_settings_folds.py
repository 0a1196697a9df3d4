"""A ranking folds the settings facts (units, officers, targets, methods) known at its moment;
a new moment's fold goes on from the fold of an earlier moment instead of starting again. In
whatever order the moments are asked, each fold must be the fold from the start, and going on
must never change a fold already handed out."""

from __future__ import annotations

import copy
import random
from datetime import datetime, timedelta

from domain.application import Tally
from projections.ledger import load_facts
from projections.scores import SETTING_TOPICS
from store.settings import DatabaseSettings
from tests.bulletin_office import METHOD, known, office_reports


def moment(day: str) -> datetime:
    return datetime.fromisoformat(f"{day}T12:00+08:00")


def test_each_settings_fold_equals_the_fold_from_the_start(
        app: Tally, database: DatabaseSettings) -> None:
    app.publish_method(METHOD, meta=known("2025-01-01", "admin"))
    for number in range(1, 4):
        app.register_unit(f"u{number}", f"第{number}单位", "A类", "2025-01-01",
                          meta=known("2025-01-01"))
    for number in range(1, 7):
        app.enrol_officer(f"o{number}", f"干部{number}", f"u{number % 3 + 1}", "2025-01-02",
                          meta=known("2025-01-02"))
    app.transfer_officer("o1", "u3", "2025-02-01", "调动", meta=known("2025-02-03"))
    app.rename_unit("u2", "城关镇人民政府", "2025-03-01", "更名", meta=known("2025-03-02"))
    app.set_target("unit", "u1", 2025, items=12, meta=known("2025-03-10"))
    app.transfer_officer("o1", "u2", "2025-04-01", "再调动", meta=known("2025-04-02"))
    app.record_leaving("o4", "2025-05-01", "退休", meta=known("2025-05-03"))
    commission = app.issue_commission("防汛准备情况", ["u1", "u2"], "2025-04-01", "2025-04-15",
                                      ref="C1", meta=known("2025-04-01"))
    app.record_lapse(commission, "u1", "2025-04-16", meta=known("2025-04-16"))
    app.record_lapse(commission, "u2", "2025-04-16", meta=known("2025-05-20"))
    # learned late: a transfer that took effect in February, recorded in June
    app.transfer_officer("o5", "u1", "2025-02-15", "补录", meta=known("2025-06-01"))
    reports, ledger = office_reports(app, database)
    days = [(datetime(2025, 1, 1) + timedelta(days=offset)).date().isoformat()
            for offset in range(0, 180, 3)]
    random.Random(8).shuffle(days)
    handed_out = []
    for day in [*days, *days[:10]]:
        fold = reports._settings(moment(day))  # noqa: SLF001
        fresh = load_facts(ledger.view, moment(day), SETTING_TOPICS)
        assert fold == fresh, day
        handed_out.append((day, fold, copy.deepcopy(fold)))
    for day, fold, as_handed in handed_out:
        assert fold == as_handed, f"the fold for {day} changed after it was handed out"
    last = reports._settings(moment("2025-06-30"))  # noqa: SLF001
    o1 = next(o for o in last.officers.values() if o.code == "o1")
    assert [last.units[unit].code for _, unit in o1.postings] == ["u2", "u3", "u2"]
    assert next(u for u in last.units.values() if u.code == "u2").name == "城关镇人民政府"
    assert [last.units[lapse.unit_id].code for lapse in last.lapses] == ["u1", "u2"]
    ledger.view.datastore.close()  # type: ignore[attr-defined]
