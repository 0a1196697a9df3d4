"""Targets (目标管理) as a page: a year's targets as set and last adjusted, as known at a day,
downloadable; administrators set and adjust them from it; bad figures name their field and
write nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api_office import BACKENDS, Office, module_office
from tests.test_api_reports import csv_rows
from tests.web import csrf_of


@pytest.fixture(scope="module", params=BACKENDS)
def office(request: pytest.FixtureRequest,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[Office]:
    yield from module_office(request, tmp_path_factory.mktemp("targets"), "targets")


def post(page: TestClient, path: str, form: dict[str, str]) -> Any:
    token = csrf_of(page.get("/targets", params={"year": 2033}).text)
    return page.post(path, data={"csrf_token": token, **form}, follow_redirects=False)


def rows(page: TestClient, **params: str) -> list[str]:
    html = page.get("/targets", params={"year": "2033", **params}).text
    body = html.split('<table id="targets">')[1].split("<tbody>")[1].split("</tbody>")[0]
    return [row.strip() for row in body.split("</tr>") if "<td>" in row]


def test_an_administrator_sets_and_adjusts_targets_and_readers_see_them_as_known(
        office: Office) -> None:
    admin = office.page_client("administrator")
    assert 'id="target-form"' in admin.get("/targets", params={"year": 2033}).text
    done = post(admin, "/targets", {"holder_kind": "unit", "holder": "u1", "year": "2033",
                                    "items": "24", "points": "100.5"})
    assert done.status_code == 303 and done.headers["location"] == (
        "/targets?year=2033&done=target_set")
    post(admin, "/targets", {"holder_kind": "officer", "holder": "o2", "year": "2033",
                             "items": "12", "monthly_items": "2;2;1;1;1;1;1;1;1;1;0;0"})
    today = office.tally.today()
    adjusted = post(admin, "/targets/adjust", {"holder_kind": "officer", "holder": "o2",
                                               "year": "2033", "items": "6",
                                               "reason": "岗位调整"})
    assert adjusted.headers["location"] == "/targets?year=2033&done=target_adjusted"

    leader = office.page_client("leader")
    listed = rows(leader)
    assert listed[0].startswith("<tr><td>单位</td><td>u1</td><td>县委办公室</td>")
    assert '<td class="num">24</td><td class="num">100.5</td><td>2 / 2 / 2' in listed[0]
    assert "<td>o2</td><td>刘洋</td>" in listed[1]
    assert '<td class="num">6</td><td class="num">—</td><td>1 / 1 / 1 / 1 / 1 / 1 / 0' in listed[1]
    assert 'id="target-form"' not in leader.get("/targets", params={"year": 2033}).text
    assert rows(leader, as_of=(today - timedelta(days=1)).isoformat()) == []  # not set yet
    assert len(rows(leader, as_of=today.isoformat())) == 2
    sheet = csv_rows(leader.get("/targets", params={"year": 2033, "format": "csv"}))
    assert sheet[0][:3] == ["类别", "编号", "名称"] and len(sheet) == 3


def test_bad_targets_name_their_field_and_write_nothing(office: Office) -> None:
    admin = office.page_client("administrator")
    events = office.events()
    for path, form, field in (
            ("/targets", {"holder_kind": "unit", "holder": "u2", "year": "2034"}, "items"),
            ("/targets", {"holder_kind": "team", "holder": "u2", "year": "2034",
                          "items": "3"}, "holder_kind"),
            ("/targets", {"holder_kind": "unit", "holder": "u2", "year": "2034",
                          "items": "12", "monthly_items": "1;1;1"}, "monthly_items"),
            ("/targets", {"holder_kind": "unit", "holder": "u2", "year": "2034",
                          "points": "1.234"}, "points"),
            ("/targets/adjust", {"holder_kind": "unit", "holder": "u2", "year": "2034",
                                 "items": "3"}, "reason")):
        refused = post(admin, path, form)
        assert refused.status_code in (404, 409, 422), (field, refused.status_code)
        assert f'id="error-field">{field}<' in refused.text, (field, refused.text[-500:])
    assert office.events() == events
