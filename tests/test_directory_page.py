"""The directory's administration as pages: an administrator registers and renames units,
enrols, transfers and records officers leaving, opens accounts (with a first password),
grants and revokes roles, sets passwords and closes accounts; each shows on the directory,
and bad input names its field and writes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api_office import BACKENDS, Office, module_office
from tests.web import csrf_of


@pytest.fixture(scope="module", params=BACKENDS)
def office(request: pytest.FixtureRequest,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[Office]:
    yield from module_office(request, tmp_path_factory.mktemp("directory"), "directory")


def post(page: TestClient, path: str, form: dict[str, Any]) -> Any:
    token = csrf_of(page.get("/directory").text)
    response = page.post(path, data={"csrf_token": token, **form}, follow_redirects=False)
    return response


def done(page: TestClient, path: str, form: dict[str, Any], what: str) -> str:
    response = post(page, path, form)
    assert response.status_code == 303, response.text[-600:]
    assert response.headers["location"] == f"/directory?done={what}"
    return str(page.get(response.headers["location"]).text)


def table(html: str, name: str) -> str:
    return html.split(f'<table id="{name}">')[1].split("</table>")[0]


def test_an_administrator_keeps_the_directory_from_its_page(office: Office) -> None:
    admin = office.page_client("administrator")
    page = admin.get("/directory").text
    assert 'id="unit-form"' in page and 'id="account-form"' in page
    page = done(admin, "/directory/units", {"code": "u30", "name": "县统计局",
                                            "unit_class": "B类",
                                            "registered_on": "2025-01-01"}, "unit_registered")
    assert "单位已登记。" in page and "<td>u30</td><td>县统计局</td><td>B类</td>" in page
    done(admin, "/directory/officers", {"code": "o30", "name": "蒋涛", "unit": "u30",
                                        "enrolled_on": "2025-01-01"}, "officer_enrolled")
    done(admin, "/directory/units/rename", {"unit": "u30", "name": "县统计中心",
                                            "effective_on": "2025-03-01",
                                            "reason": "机构改革"}, "unit_renamed")
    page = done(admin, "/directory/units/reclassify", {"unit": "u30", "unit_class": "A类",
                                                       "reason": "职能调整"},
                "unit_reclassified")
    assert "单位类别已变更。" in page and "<td>u30</td><td>县统计中心</td><td>A类</td>" in page
    page = done(admin, "/directory/officers/transfer", {
        "officer": "o30", "to_unit": "u1", "effective_on": "2099-01-01",
        "reason": "工作调动"}, "officer_transferred")
    officers = table(page, "officers")
    moving = "县统计中心 <span class=\"muted\">（2099-01-01起调往县委办公室）"
    assert f"<td>o30</td><td>蒋涛</td><td>{moving}" in officers
    page = done(admin, "/directory/accounts", {
        "username": "jiangtao", "display_name": "蒋涛", "roles": ["officer", "leader"],
        "officer": "o30", "password": "a-long-first-password"}, "account_opened")
    accounts = table(page, "accounts")
    assert "<tr><td>jiangtao</td><td>蒋涛</td><td>领导、信息员</td><td>蒋涛</td>" in accounts
    token = office.client.post("/api/v1/tokens", json={
        "username": "jiangtao", "password": "a-long-first-password"})
    assert token.status_code == 201  # the first password works
    done(admin, "/directory/accounts/revoke", {"username": "jiangtao", "role": "leader",
                                               "reason": "岗位调整"}, "role_revoked")
    page = done(admin, "/directory/accounts/grant", {"username": "jiangtao",
                                                     "role": "auditor"}, "role_granted")
    assert "<tr><td>jiangtao</td><td>蒋涛</td><td>审计、信息员</td>" in table(page, "accounts")
    done(admin, "/directory/accounts/password", {"username": "jiangtao",
                                                 "password": "another-long-password"},
         "password_set")
    bearer = {"Authorization": f"Bearer {token.json()['token']}"}
    assert office.client.get("/api/v1/me", headers=bearer).status_code == 401  # ended
    page = done(admin, "/directory/officers/leave", {"officer": "o30", "left_on": "2099-06-01",
                                                     "reason": "退休"}, "officer_left")
    assert "<td>2099-06-01</td></tr>" in table(page, "officers")
    page = done(admin, "/directory/accounts/close", {"username": "jiangtao",
                                                     "reason": "调离"}, "account_closed")
    assert "jiangtao" not in table(page, "accounts")


def test_an_administrator_closes_a_unit_from_its_page(office: Office) -> None:
    admin = office.page_client("administrator")
    done(admin, "/directory/units", {"code": "u40", "name": "县档案馆", "unit_class": "B类",
                                     "registered_on": "2025-01-01"}, "unit_registered")
    done(admin, "/directory/officers", {"code": "o40", "name": "邓超", "unit": "u40",
                                        "enrolled_on": "2025-01-01"}, "officer_enrolled")
    page = done(admin, "/directory/units/close", {"unit": "u40", "closed_on": "2025-06-01",
                                                  "successor": "u1", "reason": "机构改革"},
                "unit_closed")
    assert "单位撤并已登记。" in page
    assert '<td>u40</td><td>县档案馆 <span class="muted">（2025-06-01起撤并，并入县委办公室）' \
        in table(page, "units")
    assert "<td>o40</td><td>邓超</td><td>县委办公室" in table(page, "officers")  # moved on


def test_an_administrator_registers_and_renames_an_outlet_from_the_directory(
        office: Office) -> None:
    admin = office.page_client("administrator")
    page = admin.get("/directory").text
    assert 'id="outlet-form"' in page and 'id="rename-outlet-form"' in page
    assert "<td>city</td>" in table(page, "outlets")
    page = done(admin, "/directory/outlets", {"code": "county-media", "name": "县融媒体中心",
                                              "channel": "publicity", "level": "county"},
                "outlet_registered")
    assert "<td>county-media</td><td>县融媒体中心</td><td>宣传稿件</td><td>县级</td>" in \
        table(page, "outlets")
    page = done(admin, "/directory/outlets/rename", {"outlet": "county-media",
                                                     "name": "县新闻中心", "reason": "更名"},
                "outlet_renamed")
    assert "<td>county-media</td><td>县新闻中心</td>" in table(page, "outlets")
    officer = office.page_client("officer").get("/directory").text
    assert "县新闻中心" in table(officer, "outlets") and 'id="outlet-form"' not in officer


@pytest.mark.parametrize(("path", "form", "field"), [
    ("/directory/units", {"code": "u1", "name": "重复", "unit_class": "A类",
                          "registered_on": "2025-01-01"}, "code"),
    ("/directory/units", {"code": "u31", "name": "", "unit_class": "A类",
                          "registered_on": "2025-01-01"}, "name"),
    ("/directory/units/rename", {"unit": "nope", "name": "新名", "effective_on": "2025-03-01",
                                 "reason": "改"}, "unit"),
    ("/directory/outlets", {"code": "nobody", "name": "某媒体", "channel": "radio",
                            "level": "county"}, "channel"),
    ("/directory/outlets/rename", {"outlet": "nobody", "name": "新名", "reason": "改"},
     "outlet"),
    ("/directory/units/reclassify", {"unit": "u1", "unit_class": "A类", "reason": "改"},
     "unit_class"),  # u1 is of class A already
    ("/directory/units/close", {"unit": "u2", "closed_on": "2025-07-01", "reason": "撤并"},
     "successor"),  # its officers need a unit to go to
    ("/directory/officers", {"code": "o31", "name": "某人", "unit": "u1",
                             "enrolled_on": "2025-13-01"}, "enrolled_on"),
    ("/directory/officers/transfer", {"officer": "o1", "to_unit": "u1",
                                      "effective_on": "2025-06-01"}, "to_unit"),
    ("/directory/accounts", {"username": "nobody", "display_name": "某人"}, "roles"),
    ("/directory/accounts", {"username": "nobody", "display_name": "某人",
                             "roles": ["leader"], "password": "short"}, "password"),
    ("/directory/accounts/grant", {"username": "zhangwei", "role": "king"}, "role"),
    ("/directory/accounts/password", {"username": "zhangwei", "password": "short"},
     "password"),
    ("/directory/accounts/close", {"username": "zhangwei", "reason": ""}, "reason"),
])
def test_bad_directory_input_names_its_field_and_writes_nothing(
        office: Office, path: str, form: dict[str, Any], field: str) -> None:
    admin = office.page_client("administrator")
    events = office.events()
    refused = post(admin, path, form)
    assert refused.status_code in (404, 409, 422), refused.status_code
    assert f'id="error-field">{field}<' in refused.text, refused.text[-600:]
    assert office.events() == events
    assert "nobody" not in admin.get("/directory").text
