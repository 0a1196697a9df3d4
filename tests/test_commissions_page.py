"""Commissions (约稿) on the web pages: an editor issues one to units, each unit's part shows
open, overdue, fulfilled by its item or lapsed; an officer answers it from the new-item form
by its topic; an editor records the overdue parts as lapsed once; officers see their unit's."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api_office import BACKENDS, SETUP, Office, module_office
from tests.web import csrf_of


@pytest.fixture(scope="module", params=BACKENDS)
def office(request: pytest.FixtureRequest,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[Office]:
    yield from module_office(request, tmp_path_factory.mktemp("commissions"), "commissions")


def post(page: TestClient, path: str, form: dict[str, Any]) -> Any:
    token = csrf_of(page.get("/commissions").text)
    return page.post(path, data={"csrf_token": token, **form}, follow_redirects=False)


def row_of(html: str, unit_name: str, topic: str) -> str:
    table = html.split('<table id="commissions">')[1].split("</table>")[0]
    block = table.split(f'">{topic}</td>')[1]  # the commission's topic cell
    return next(row for row in block.split("</tr>") if f">{unit_name}</td>" in row)


def test_an_editor_commissions_units_and_an_officer_answers_it_by_its_topic(
        office: Office) -> None:
    editor = office.page_client("editor")
    form = editor.get("/commissions").text
    assert 'id="commission-form"' in form and 'value="u1"> u1 县委办公室' in form
    done = post(editor, "/commissions", {"topic": "汛期安全生产情况", "units": ["u1", "u2"],
                                         "issued_on": "2025-06-01", "deadline": "2025-06-30",
                                         "ref": "YG-2025-07"})
    assert done.status_code == 303 and done.headers["location"] == "/commissions?done=commissioned"
    listed = editor.get(done.headers["location"]).text
    assert "约稿已发出。" in listed and "YG-2025-07" in listed
    overdue = row_of(listed, "县委办公室", "汛期安全生产情况")
    assert re.search(r"<strong>逾期 \d+ 天</strong>", overdue)

    officer = office.page_client("officer")  # 张伟, u1
    new = officer.get("/submissions/new").text
    [commission] = re.findall(r'<option value="([0-9a-f-]{36})">汛期安全生产情况（县委办公室', new)
    token = csrf_of(new)
    drafted = officer.post("/submissions", data={
        "csrf_token": token, "title": "我县汛期安全生产情况", "channel": "info",
        "category": "important_situation", "authors": "o1", "event_date": "2025-06-20",
        "commission": commission}, follow_redirects=False)
    assert drafted.status_code == 303, drafted.text
    item = drafted.headers["location"].split("/submissions/")[1].split("?")[0]
    office.tally.submit(item, "2025-06-25", meta=SETUP)
    listed = editor.get("/commissions").text
    fulfilled = row_of(listed, "县委办公室", "汛期安全生产情况")
    assert "2025-06-25已报送：" in fulfilled and f'href="/submissions/{item}"' in fulfilled
    assert "逾期" in row_of(listed, "城关镇", "汛期安全生产情况")
    assert "汛期安全生产情况" not in officer.get("/submissions/new").text  # answered

    # officers see their own unit's parts only
    own = office.page_client("officer_other").get("/commissions").text  # 王芳, u2
    assert "仅显示本单位的约稿。" in own and ">县委办公室</td>" not in own
    assert ">城关镇</td>" in own and 'id="commission-form"' not in own


def test_an_editor_records_the_overdue_parts_as_lapsed_once(office: Office) -> None:
    editor = office.page_client("editor")
    post(editor, "/commissions", {"topic": "防汛物资储备情况", "units": ["u2"],
                                  "issued_on": "2025-07-01", "deadline": "2025-07-15"})
    assert 'id="lapse-form"' in editor.get("/commissions").text
    done = post(editor, "/commissions/lapses", {})
    assert done.status_code == 303 and done.headers["location"] == "/commissions?done=lapsed"
    listed = editor.get(done.headers["location"]).text
    assert "<strong>2025-07-16起记为未报送</strong>" in row_of(listed, "城关镇", "防汛物资储备情况")
    assert 'id="lapse-form"' not in listed  # none overdue left
    events = office.events()
    post(editor, "/commissions/lapses", {})
    assert office.events() == events  # once


def test_a_bad_commission_names_its_field_and_writes_nothing(office: Office) -> None:
    editor = office.page_client("editor")
    events = office.events()
    for form, field in (({"topic": "", "units": ["u1"], "issued_on": "2025-06-01",
                          "deadline": "2025-06-30"}, "topic"),
                        ({"topic": "无单位", "issued_on": "2025-06-01",
                          "deadline": "2025-06-30"}, "units"),
                        ({"topic": "截止早于约稿", "units": ["u1"], "issued_on": "2025-06-10",
                          "deadline": "2025-06-01"}, "deadline"),
                        ({"topic": "无此单位", "units": ["nope"], "issued_on": "2025-06-01",
                          "deadline": "2025-06-30"}, "units")):
        refused = post(editor, "/commissions", form)
        assert refused.status_code in (404, 409, 422), (field, refused.status_code)
        assert f'id="error-field">{field}<' in refused.text, (field, refused.text[-800:])
    assert office.events() == events
