"""Findings (通报扣分) as a page: a period's findings in force as known at a day, each with
the points the method in force deducts; administrators record and withdraw them; bad input
names its field and writes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api_office import BACKENDS, SETUP, Office, module_office
from tests.test_api_lists import DEDUCTING
from tests.web import csrf_of


@pytest.fixture(scope="module", params=BACKENDS)
def office(request: pytest.FixtureRequest,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[Office]:
    for office in module_office(request, tmp_path_factory.mktemp("findings"), "findings"):
        office.tally.publish_method(DEDUCTING, meta=SETUP)  # deducts from 2026
        yield office


def post(page: TestClient, path: str, form: dict[str, Any]) -> Any:
    token = csrf_of(page.get("/findings", params={"period": "2026"}).text)
    return page.post(path, data={"csrf_token": token, **form}, follow_redirects=False)


def rows(page: TestClient, **params: str) -> list[str]:
    html = page.get("/findings", params={"period": "2026", **params}).text
    body = html.split('<table id="findings">')[1].split("<tbody>")[1].split("</tbody>")[0]
    return [row for row in body.split("</tr>") if "<td>" in row]


def test_an_administrator_records_and_withdraws_findings_that_deduct_as_the_method_says(
        office: Office) -> None:
    admin = office.page_client("administrator")
    done = post(admin, "/findings", {"kind": "missed", "holder_kind": "officer",
                                     "holder": "o1", "found_on": "2026-03-02",
                                     "reason": "漏报汛情", "period": "2026"})
    assert done.status_code == 303 and done.headers["location"] == (
        "/findings?period=2026&done=finding_recorded")
    post(admin, "/findings", {"kind": "concealed", "holder_kind": "unit", "holder": "u2",
                              "found_on": "2026-04-01", "reason": "瞒报安全事故"})
    recorded_on = office.tally.today()
    leader = office.page_client("leader")
    listed = rows(leader)
    assert ("<td>2026-03-02</td><td>漏报</td><td>信息员</td><td>o1</td><td>张伟</td>"
            "<td>u1</td><td>漏报汛情</td><td class=\"num\">-5.00</td>") in listed[0]
    assert "<td>瞒报</td><td>单位</td><td>u2</td>" in listed[1] and "-10.00" in listed[1]
    assert 'action="/findings/' not in leader.get("/findings", params={"period": "2026"}).text
    assert rows(leader, as_of=(recorded_on - timedelta(days=1)).isoformat()) == []

    finding = admin.get("/findings", params={"period": "2026"}).text.split(
        'action="/findings/')[1].split("/withdraw")[0]
    withdrawn = post(admin, f"/findings/{finding}/withdraw", {"reason": "复核后撤销",
                                                              "period": "2026"})
    assert withdrawn.headers["location"] == "/findings?period=2026&done=finding_withdrawn"
    assert len(rows(leader)) == 1  # gone once its withdrawal is known
    assert len(rows(leader, as_of=recorded_on.isoformat())) == 1


@pytest.mark.parametrize(("form", "field"), [
    ({"kind": "late", "holder_kind": "officer", "holder": "o1", "found_on": "2026-03-02",
      "reason": "迟报"}, "kind"),
    ({"kind": "missed", "holder_kind": "officer", "holder": "nobody",
      "found_on": "2026-03-02", "reason": "漏报"}, "holder"),
    ({"kind": "missed", "holder_kind": "officer", "holder": "o1", "found_on": "2099-03-02",
      "reason": "漏报"}, "found_on"),
    ({"kind": "missed", "holder_kind": "officer", "holder": "o1", "found_on": "2026-03-02",
      "reason": ""}, "reason"),
])
def test_a_bad_finding_names_its_field_and_writes_nothing(
        office: Office, form: dict[str, str], field: str) -> None:
    events = office.events()
    refused = post(office.page_client("administrator"), "/findings", form)
    assert refused.status_code in (404, 422), refused.status_code
    assert f'id="error-field">{field}<' in refused.text, refused.text[-500:]
    assert office.events() == events
