"""Scoring methods (计分办法) as a page: every role reads the versions in force or scheduled,
as known at a day, and each version's file; administrators check a file, publish it, and
reschedule or withdraw a version; bad files and fields are named and write nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api_office import BACKENDS, Office, module_office
from tests.bulletin_office import METHOD
from tests.web import csrf_of


@pytest.fixture(scope="module", params=BACKENDS)
def office(request: pytest.FixtureRequest,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[Office]:
    yield from module_office(request, tmp_path_factory.mktemp("methods"), "methods")


def post(page: TestClient, path: str, form: dict[str, str], **extra: Any) -> Any:
    token = csrf_of(page.get("/methods").text)
    return page.post(path, data={"csrf_token": token, **form}, follow_redirects=False, **extra)


def rows(page: TestClient, **params: str) -> dict[str, str]:
    """The list's rows by version code."""
    html = page.get("/methods", params=params).text
    body = html.split('<table id="methods">')[1].split("<tbody>")[1].split("</tbody>")[0]
    return {row.split("</a>")[0].rsplit(">", 1)[1]: row for row in body.split("</tr>")
            if "<td>" in row}


def test_every_role_reads_the_versions_and_downloads_the_file_they_were_published_from(
        office: Office) -> None:
    officer = office.page_client("officer")
    listed = rows(officer)
    assert "<td>测试县信息工作计分办法</td><td>2025-01-01</td>" in listed["office-2025"]
    assert "<td>在用</td>" in listed["office-2025"]
    page = officer.get("/methods/office-2025")
    assert page.status_code == 200
    assert "<dt>多级采用</dt><dd>各级采用累计计分</dd>" in page.text
    assert 'id="method-source">' in page.text and "[method]" in page.text
    assert 'id="reschedule-form"' not in page.text and 'id="method-form"' not in page.text
    download = officer.get("/methods/office-2025", params={"format": "toml"})
    assert download.status_code == 200
    assert download.content.decode("utf-8") == METHOD
    assert "attachment" in download.headers["content-disposition"]
    assert officer.get("/methods/no-such").status_code == 404
    assert 'id="error-field">code<' in officer.get("/methods/no-such").text


def test_an_administrator_checks_publishes_reschedules_and_withdraws_a_version(
        office: Office) -> None:
    admin = office.page_client("administrator")
    code, source = office.method_source()
    events = office.events()
    checked = post(admin, "/methods", {"check": "yes"},
                   files={"file": ("method.toml", source.encode("utf-8"), "application/toml")})
    assert checked.status_code == 200 and 'id="checked"' in checked.text
    assert f"<dd>{code}</dd>" in checked.text
    assert office.events() == events  # a check writes nothing

    published = post(admin, "/methods", {"source": source})
    assert published.status_code == 303
    assert published.headers["location"] == "/methods?done=method_published"
    listed = rows(admin)
    assert "<td>待生效</td>" in listed[code]
    effective = listed[code].split("</td><td>")[2]
    yesterday = (office.tally.today() - timedelta(days=1)).isoformat()
    assert code not in rows(admin, as_of=yesterday)  # not known yet then

    moved = post(admin, f"/methods/{code}/reschedule",
                 {"effective_from": "2039-07-01", "reason": "推迟施行"})
    assert moved.headers["location"] == "/methods?done=method_rescheduled"
    listed = rows(admin)
    assert "<td>2039-07-01 <span class=\"muted\">（已改期，文件为" in listed[code]
    assert effective in listed[code]  # the day the file says
    page = admin.get(f"/methods/{code}").text
    assert 'id="withdraw-form"' in page and 'value="2039-07-01"' in page

    withdrawn = post(admin, f"/methods/{code}/withdraw", {"reason": "停止试行"})
    assert withdrawn.headers["location"] == "/methods?done=method_withdrawn"
    assert code not in rows(admin)


def test_bad_method_files_and_fields_are_named_and_write_nothing(office: Office) -> None:
    admin = office.page_client("administrator")
    code, source = office.method_source()
    events = office.events()
    for path, form, files, field in (
            ("/methods", {"source": " "}, None, "source"),
            ("/methods", {"source": "[method\ncode = 1"}, None, "file"),
            ("/methods", {"source": source.replace('name = "', 'title = "', 1)}, None,
             "method.name"),
            ("/methods", {}, {"file": ("m.toml", "[method]".encode("gbk") + b"\xff\xfe",
                                       "application/toml")}, "file"),
            ("/methods", {"source": METHOD}, None, "method.code"),  # office-2025 is published
            (f"/methods/{code}/reschedule", {"effective_from": "2039-07-01",
                                             "reason": "推迟"}, None, "code"),
            ("/methods/office-2025/reschedule", {"effective_from": "2025-02-30",
                                                 "reason": "推迟"}, None, "effective_from"),
            ("/methods/office-2025/reschedule", {"effective_from": "2025-02-01"}, None,
             "reason"),
            ("/methods/office-2025/withdraw", {"reason": ""}, None, "reason")):
        refused = post(admin, path, form, files=files)
        assert refused.status_code in (404, 409, 422), (field, refused.status_code)
        assert f'id="error-field">{field}<' in refused.text, (field, refused.text[-500:])
    assert office.events() == events


def test_readers_score_a_period_under_a_method_file_on_trial_and_nothing_is_written(
        office: Office) -> None:
    leader = office.page_client("leader")
    _, source = office.method_source()
    doubled = source.replace("provincial = { full = 20", "provincial = { full = 40", 1)
    assert doubled != source
    events = office.events()
    tried = post(leader, "/methods/what-if", {"period": "2025", "by": "officer",
                                              "source": doubled})
    assert tried.status_code == 200, tried.text[-500:]
    assert office.events() == events
    body = tried.text.split('<table id="what-if">')[1].split("</tbody>")[0]
    rows = {row.split("<td>")[1].split("</td>")[0]: row for row in body.split("</tr>")
            if "<td>" in row}
    # item A, co-authored by o1 and o2, adopted in full by the province: 20 points split
    # evenly now, 40 on trial; o3 had nothing adopted
    assert '<td class="num">10.00</td>' in rows["o1"]
    assert '<td class="num points">10.00</td>' in rows["o1"]
    assert '<td class="num points">0.00</td>' in rows["o3"]
    refused = post(leader, "/methods/what-if", {"period": "2025", "source": "[method"})
    assert refused.status_code == 422 and 'id="error-field">file<' in refused.text
    refused = post(leader, "/methods/what-if", {"period": "2025-Q9", "source": doubled})
    assert refused.status_code == 422 and 'id="error-field">period<' in refused.text
    assert office.events() == events
    assert 'id="what-if-form"' not in office.page_client("officer").get("/methods").text
