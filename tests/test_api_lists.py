"""The lists the JSON API gives beside its commands: a year's targets and a period's findings as
the office knew them at any moment (with the points a finding deducts), as JSON, CSV or Excel."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api_office import BACKENDS, SETUP, Office, module_office
from tests.bulletin_office import METHOD
from tests.test_api_reports import V1, csv_rows, get, headings, workbook
from tests.web import PASSWORD, bearer, log_in

#: A method in force from 2026 that deducts for findings.
DEDUCTING = (METHOD.replace('code = "office-2025"', 'code = "office-2026"')
             .replace("effective_from = 2025-01-01", "effective_from = 2026-01-01")
             + "\n[deductions]\nmissed = 5\nconcealed = 10\n")


@pytest.fixture(scope="module", params=BACKENDS)
def office(request: pytest.FixtureRequest,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[Office]:
    yield from module_office(request, tmp_path_factory.mktemp("api_lists"), "api_lists")


def post(office: Office, path: str, body: dict[str, Any]) -> str:
    response = office.client.post(f"{V1}{path}", json=body, headers=office.auth("administrator"))
    assert response.status_code in (200, 201), response.text
    return str(response.json()["id"])


def now() -> str:
    return datetime.now(UTC).isoformat()


def test_a_years_targets_as_set_and_adjusted_as_known_at_any_moment(office: Office) -> None:
    before = now()
    post(office, "/targets", {"holder_kind": "unit", "holder": "u1", "year": 2031,
                              "items": 24, "points": "100.5"})
    post(office, "/targets", {"holder_kind": "officer", "holder": "o2", "year": 2031,
                              "items": 12, "monthly_items": [1] * 12})
    post(office, "/targets", {"holder_kind": "officer", "holder": "o1", "year": 2032,
                              "items": 3})
    set_ = now()
    post(office, "/targets/officer/o2/2031/adjust", {"items": 6, "reason": "岗位调整"})

    rows = get(office, "/targets", year=2031).json()
    assert rows == [
        {"holder_kind": "unit", "holder": "u1", "name": "县委办公室", "unit": None,
         "year": 2031, "items": 24, "points": "100.5", "monthly_items": [2] * 12},
        {"holder_kind": "officer", "holder": "o2", "name": "刘洋", "unit": "u2",  # moved in June
         "year": 2031, "items": 6, "points": None, "monthly_items": [1] * 6 + [0] * 6},
    ]
    assert get(office, "/targets", year=2031, as_of=set_).json()[1]["items"] == 12
    assert get(office, "/targets", year=2031, as_of=before).json() == []
    assert [row["holder"] for row in get(office, "/targets", year=2031, by="officer").json()
            ] == ["o2"]

    table = csv_rows(get(office, "/targets", year=2031, format="csv"))
    assert table[0] == ["类别", "编号", "名称", "所在单位", "年度", "目标篇数", "目标分数",
                        "各月篇数"]
    assert table[1][:7] == ["单位", "u1", "县委办公室", "", "2031", "24", "100.5"]
    sheet = workbook(get(office, "/targets", year=2031, format="xlsx")).active
    assert headings(sheet)[:3] == ["类别", "编号", "名称"]


def test_a_periods_findings_in_force_with_the_points_they_deduct(office: Office) -> None:
    office.tally.publish_method(DEDUCTING, meta=SETUP)
    missed = post(office, "/findings", {"kind": "missed", "holder_kind": "officer",
                                        "holder": "o1", "found_on": "2026-05-10",
                                        "reason": "重要情况未报送"})
    post(office, "/findings", {"kind": "concealed", "holder_kind": "unit", "holder": "u2",
                               "found_on": "2026-08-01", "reason": "瞒报突发事件"})
    recorded = now()
    post(office, f"/findings/{missed}/withdraw", {"reason": "经核实已报送"})

    then = get(office, "/findings", period="2026", as_of=recorded).json()
    assert [(row["kind"], row["kind_name"], row["holder"], row["unit"], row["found_on"],
             row["points"]) for row in then] == [
        ("missed", "漏报", "o1", "u1", "2026-05-10", "-5.00"),
        ("concealed", "瞒报", "u2", None, "2026-08-01", "-10.00")]
    assert then[0]["id"] == missed and then[0]["name"] == "张伟"
    assert [row["holder"] for row in get(office, "/findings", period="2026-Q2",
                                         as_of=recorded).json()] == ["o1"]
    assert [row["holder"] for row in get(office, "/findings", period="2026", by="unit",
                                         holder="u2", as_of=recorded).json()] == ["u2"]
    assert [row["holder"] for row in get(office, "/findings", period="2026").json()] == ["u2"]

    table = csv_rows(get(office, "/findings", period="2026", format="csv"))
    assert table[0][:3] == ["发现日期", "问题", "类别"] and table[1][:2] == ["2026-08-01", "瞒报"]


@pytest.mark.parametrize(("params", "field"), [
    ({"period": "2026", "holder": "u2"}, "by"),
    ({"period": "2026", "by": "unit", "holder": "u9"}, "holder"),
    ({"period": "2026-13"}, "period"),
])
def test_a_findings_list_that_cannot_be_answered_names_the_field(
        office: Office, params: dict[str, str], field: str) -> None:
    response = office.client.get(f"{V1}/findings", params=params,
                                 headers=office.auth("leader"))
    assert response.status_code in (400, 404, 422), response.text
    assert field in response.text


def accounts(office: Office, **params: Any) -> dict[str, dict[str, Any]]:
    return {account["username"]: account
            for account in get(office, "/accounts", "auditor", **params).json()}


def test_the_accounts_with_their_roles_officer_and_unit_as_they_stand(office: Office) -> None:
    listed = accounts(office)
    assert listed["zhangwei"] == {
        "username": "zhangwei", "display_name": "张伟", "roles": ["officer"], "officer": "o1",
        "officer_name": "张伟", "unit": "u1", "unit_name": "县委办公室", "closed": False,
        "closed_reason": None}
    assert (listed["approver2"]["roles"], listed["approver2"]["unit"]) == (["approver"], "u2")
    assert (listed["leader"]["officer"], listed["leader"]["unit"]) == (None, None)
    assert list(listed) == sorted(listed)

    post(office, "/accounts", {"username": "liuyang", "display_name": "刘洋",
                               "roles": ["officer", "leader"], "officer": "o2"})
    post(office, "/accounts/liuyang/roles", {"role": "auditor"})
    post(office, "/accounts/liuyang/roles/leader/revoke", {"reason": "岗位调整"})
    liuyang = accounts(office)["liuyang"]
    assert (liuyang["roles"], liuyang["unit"]) == (["auditor", "officer"], "u2")  # moved

    token = bearer(office.client, "liuyang")
    assert office.client.get(f"{V1}/me", headers=token).status_code == 200
    page = TestClient(office.client.app)
    log_in(page, "liuyang")
    assert page.get("/submissions", follow_redirects=False).status_code == 200
    post(office, "/accounts/liuyang/close", {"reason": "调离本市"})
    assert office.client.get(f"{V1}/me", headers=token).status_code == 401  # signed out
    assert page.get("/submissions", follow_redirects=False).headers["location"].startswith(
        "/login")
    page.close()
    assert office.client.post(f"{V1}/tokens", json={"username": "liuyang",
                                                    "password": PASSWORD}).status_code == 401
    assert "liuyang" not in accounts(office)
    closed = accounts(office, closed="true")["liuyang"]
    assert (closed["closed"], closed["closed_reason"]) == (True, "调离本市")
    gone = office.client.get(f"{V1}/accounts/liuyang", headers=office.auth("auditor"))
    assert gone.status_code == 404 and "username" in gone.text
    again = office.client.post(f"{V1}/accounts/liuyang/close", json={"reason": "再次"},
                               headers=office.auth("administrator"))
    assert again.status_code == 409 and "username" in again.text, again.text
    events = office.events()
    refused = office.client.post(f"{V1}/accounts/liuyang/close", json={"reason": ""},
                                 headers=office.auth("administrator"))
    assert refused.status_code == 422 and "reason" in refused.text
    assert office.events() == events  # nothing written


def test_the_directory_page_lists_the_accounts_to_those_who_may_read_them(
        office: Office) -> None:
    page = office.page_client("auditor").get("/directory")
    assert page.status_code == 200
    table = page.text.split('<table id="accounts">')[1].split("</table>")[0]
    assert "<th>用户名</th>" in table and "<th>姓名</th>" in table and "<th>角色</th>" in table
    assert ("<tr><td>zhangwei</td><td>张伟</td><td>信息员</td><td>张伟</td><td>县委办公室</td>"
            "</tr>") in table
    for role in ("leader", "officer"):
        assert 'id="accounts"' not in office.page_client(role).get("/directory").text


def test_the_directory_stands_on_a_day_with_changes_recorded_ahead_shown_from_theirs(
        office: Office) -> None:
    post(office, "/units", {"code": "u7", "name": "北关镇", "unit_class": "B类",
                            "registered_on": "2025-01-01"})
    post(office, "/officers", {"code": "o7", "name": "赵敏", "unit": "u1",
                               "enrolled_on": "2025-01-01"})
    post(office, "/officers", {"code": "o8", "name": "钱进", "unit": "u7",
                               "enrolled_on": "2025-01-01"})
    post(office, "/accounts", {"username": "zhaomin", "display_name": "赵敏",
                               "roles": ["officer"], "officer": "o7"})
    # recorded today, in effect from days long after it
    post(office, "/officers/o7/transfer", {"to_unit": "u7", "effective_on": "2099-03-01",
                                           "reason": "工作调动"})
    post(office, "/units/u7/rename", {"name": "北关街道", "effective_on": "2099-06-01",
                                      "reason": "撤镇设街道"})
    post(office, "/officers/o8/leave", {"left_on": "2099-03-01", "reason": "退休"})

    def officer(**params: Any) -> dict[str, Any]:
        return next(o for o in get(office, "/officers", **params).json() if o["code"] == "o7")

    def unit(**params: Any) -> tuple[str, int]:
        found = next(u for u in get(office, "/units", **params).json() if u["code"] == "u7")
        return found["name"], found["officers"]

    assert officer() == {
        "code": "o7", "name": "赵敏", "unit_code": "u1", "unit_name": "县委办公室",
        "enrolled_on": "2025-01-01", "left_on": None, "moves_to": "u7",
        "moves_to_name": "北关镇", "moves_on": "2099-03-01"}
    assert officer(on="2099-02-28")["unit_code"] == "u1"
    moved = officer(on="2099-03-01")
    assert (moved["unit_code"], moved["unit_name"], moved["moves_to"]) == ("u7", "北关镇", None)
    assert officer(on="2099-06-01")["unit_name"] == "北关街道"
    assert unit() == ("北关镇", 1)  # o8 serves until the day they leave
    assert unit(on="2099-03-01") == ("北关镇", 1)  # o7 came as o8 left
    assert unit(on="2099-06-01") == ("北关街道", 1)
    assert accounts(office)["zhaomin"]["unit"] == "u1"
    assert (accounts(office, on="2099-06-01")["zhaomin"]["unit_name"]) == "北关街道"

    page = office.page_client("leader").get("/directory").text
    assert "<td>县委办公室 <span class=\"muted\">（2099-03-01起调往北关镇）</span></td>" in page

    for path in ("/officers", "/units", "/accounts"):
        refused = office.client.get(f"{V1}{path}", params={"on": "2099-13-01"},
                                    headers=office.auth("auditor"))
        assert refused.status_code in (400, 422) and '"on"' in refused.text, refused.text
