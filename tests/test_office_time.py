"""Dates and times are read in the office's time zone (Asia/Shanghai unless configured)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from domain.application import CommandMeta, Tally
from domain.identity import derived_id

META = CommandMeta(actor="admin")
SHANGHAI = timezone(timedelta(hours=8))


def directory(app: Tally) -> None:
    app.register_unit("u1", "县委办公室", "A类", "2025-01-01", meta=META)
    app.register_unit("u2", "县教育局", "A类", "2025-01-01", meta=META)
    app.enrol_officer("o1", "张伟", "u1", "2025-01-01", meta=META)
    app.open_account("approver", "李敏", ["approver"], unit="u1", meta=META)


def test_an_approval_given_in_utc_counts_on_the_office_date(app: Tally) -> None:
    directory(app)
    item = app.draft_submission("关于防汛的情况", "info", "important_situation", "o1",
                                "2025-03-01", meta=META)
    app.submit(item, "2025-03-02", meta=META)
    # 17:00 UTC on 1 March is 01:00 on 2 March in the office: after the submission.
    app.approve(item, "approver", "2025-03-01T17:00:00+00:00", meta=META)
    approved = list(app.events.get(item))[-1]
    assert approved.approved_at == datetime(2025, 3, 2, 1, 0, tzinfo=SHANGHAI)


def test_a_time_without_a_zone_is_office_time(app: Tally) -> None:
    directory(app)
    item = app.draft_submission("关于防汛的情况", "info", "important_situation", "o1",
                                "2025-03-01", meta=META)
    app.submit(item, "2025-03-02", meta=META)
    app.approve(item, "approver", "2025-03-02T09:00", meta=META)
    approved = list(app.events.get(item))[-1]
    assert approved.approved_at == datetime(2025, 3, 2, 9, 0, tzinfo=SHANGHAI)


def test_as_of_a_bare_date_means_the_end_of_that_day(app: Tally) -> None:
    directory(app)
    last = app.recorder.select_notifications(start=1, limit=10)[-1]
    office_day = last.recorded_at.astimezone(SHANGHAI).date()
    assert app.position_at(office_day.isoformat()) == last.id
    assert app.position_at((office_day - timedelta(days=1)).isoformat()) == 0


def test_an_item_drafted_after_a_transfer_belongs_to_the_unit_of_its_event_date(
    app: Tally,
) -> None:
    directory(app)
    app.transfer_officer("o1", "u2", "2025-06-01", "工作调动", meta=META)
    item = app.draft_submission("关于五月汛情的报告", "info", "important_situation", "o1",
                                "2025-05-20", meta=META)
    drafted = list(app.events.get(item))[0]
    assert drafted.unit_id == derived_id("unit", "u1")
    assert app.officer_unit_on("o1", "2025-05-20") == "u1"


@pytest.mark.parametrize("text", ["0000", "0999-Q1", "1899-07", "3000", "2025-13", "2025-Q5",
                                  "25", "2025-H3", ""])
def test_a_period_outside_reason_is_refused_naming_the_field(text: str) -> None:
    from domain.errors import InvalidInputError
    from domain.period import Period

    with pytest.raises(InvalidInputError) as refused:
        Period.parse(text)
    assert refused.value.field == "period"
