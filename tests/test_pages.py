"""The web pages: each renders for the roles that may see it, in Simplified Chinese by default
and in English on request; forms refuse a missing or stale CSRF token and write nothing;
refusals name the field; every report downloads as a workbook and a CSV file."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass

import openpyxl
import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from api.pages import pages_router
from api.services import Services
from api.web import SessionSettings, create_app
from domain.application import CommandMeta, Tally
from store.settings import DatabaseSettings
from tests.authz_pages import PAGE_CASES
from tests.bulletin_office import METHOD
from tests.conftest import event_count
from tests.report_history import History, office_history
from tests.web import csrf_of, log_in
from workflows.honours import fill_vacancies
from workflows.publication import close_period
from workflows.runner import run_workflows

SETUP = CommandMeta(actor="setup")
SESSION = SessionSettings(secret="page-tests", max_age=3600, idle_seconds=3600,
                          https_only=False)
USERS = {"officer": "zhangwei", "officer_other": "wangfang", "approver": "approver",
         "editor": "editor", "administrator": "admin", "auditor": "auditor", "leader": "leader"}


@dataclass
class Site:
    tally: Tally
    services: Services
    history: History
    clients: dict[str, TestClient]

    def client(self, role: str) -> TestClient:
        if role not in self.clients:
            client = TestClient(create_app(services=self.services, session=SESSION))
            log_in(client, USERS[role])
            self.clients[role] = client
        return self.clients[role]

    def events(self) -> int:
        return event_count(self.tally)


@pytest.fixture
def site(app: Tally, database: DatabaseSettings) -> Iterator[Site]:
    history = office_history(app)
    app.publish_method(METHOD, meta=SETUP)
    app.open_account("zhangwei", "张伟", ["officer"], officer="o1", meta=SETUP)
    app.open_account("wangfang", "王芳", ["officer"], officer="o3", meta=SETUP)
    for username, name, role in (("editor", "周编辑", "editor"),
                                 ("admin", "吴管理", "administrator"),
                                 ("auditor", "郑审计", "auditor"), ("leader", "孙领导", "leader")):
        app.open_account(username, name, [role], meta=SETUP)
    services = Services(database, app)
    close_period(app, services.current()["ledger"], "2025-03", meta=SETUP)
    built = Site(app, services, history, {})
    yield built
    for client in built.clients.values():
        client.close()


def pages_of(site: Site) -> list[tuple[str, str, str, str]]:
    """(role, path, a Chinese text the page shows, its English counterpart)."""
    item = site.history.item_a
    return [
        ("leader", "/?year=2025", "各月采用情况", "Adoptions by month and level"),
        ("leader", "/directory", "在岗信息员", "Officers in post"),
        ("officer", "/submissions", "仅显示本单位稿件", "Your unit's items only"),
        ("officer", "/submissions/new", "保存草稿", "Save the draft"),
        ("editor", f"/submissions/{item}", "登记采用", "Record an adoption"),
        ("approver", "/approvals", "待审核", "Approval queue"),
        ("editor", "/adoptions", "采用登记", "Adoption register"),
        ("leader", "/rankings?period=2025-Q1&by=unit", "单位排名", "Ranking of units"),
        ("leader", "/rankings?period=2025-03&level=provincial&channel=info", "信息员排名",
         "Ranking of officers"),
        ("leader", "/quota?period=2025", "目标完成进度", "Quota progress"),
        ("leader", "/ledger?period=2025-H1", "计分明细", "Scoring ledger"),
        ("officer", "/explain?period=2025", "得分说明", "Why these points"),
        ("approver", "/explain?officer=o1&period=2025-03", "得分说明", "Why these points"),
        ("leader", "/bulletins?year=2025", "已发布", "Published in 2025"),
        ("officer", "/bulletins/2025-03?as_of=2025-04-30", "2025年3月信息宣传工作通报",
         "Monthly bulletin 2025-03"),
        ("leader", "/bulletins/2025-Q1", "等次", "Grade"),
        ("leader", "/bulletins/2025-03/published", "摘要与发布时一致",
         "the digest matches the published one"),
        ("auditor", f"/audit?item={item}", "审计记录", "Audit trail"),
        ("editor", "/reminders?as_of=2025-05-20", "约稿逾期未报", "Commission overdue"),
        ("leader", "/exports?period=2025", "导出", "Exports"),
    ]


def test_each_page_renders_in_chinese_by_default_and_in_english_on_request(site: Site) -> None:
    for role, path, chinese, english in pages_of(site):
        client = site.client(role)
        client.cookies.delete("tally_lang")
        page = client.get(path)
        assert page.status_code == 200, (role, path, page.text[:300])
        assert '<html lang="zh-CN">' in page.text and chinese in page.text, (role, path)
        assert "信息宣传工作台账" in page.text
        joiner = "&" if "?" in path else "?"
        english_page = client.get(f"{path}{joiner}lang=en")
        assert english_page.status_code == 200, (role, path)
        assert '<html lang="en">' in english_page.text, (role, path)
        assert english in english_page.text.replace("&#39;", "'"), (role, path)
        assert "Information and publicity ledger" in english_page.text
        again = client.get(path)  # the choice is kept in a cookie
        assert '<html lang="en">' in again.text, (role, path)
        client.cookies.delete("tally_lang")


def test_the_navigation_shows_only_what_the_roles_allow(site: Site) -> None:
    officer = site.client("officer").get("/submissions").text
    auditor = site.client("auditor").get("/").text
    assert 'href="/submissions/new"' in officer and 'href="/audit"' not in officer
    assert 'href="/rankings"' not in officer and 'href="/explain"' in officer
    assert 'href="/audit"' in auditor and 'href="/submissions/new"' not in auditor
    assert "郑审计" in auditor and 'action="/logout"' in auditor
    assert site.client("officer").get("/", follow_redirects=False).headers["location"] == (
        "/submissions")


def test_the_navigation_is_grouped_and_shows_a_group_only_with_an_entry(site: Site) -> None:
    officer = site.client("officer").get("/submissions").text
    editor = site.client("editor").get("/").text
    assert "<h2>稿件管理</h2>" in officer and "<h2>工作台</h2>" not in officer  # no dashboard
    assert editor.index("<h2>工作台</h2>") < editor.index('href="/reminders"') < editor.index(
        "<h2>稿件管理</h2>") < editor.index('href="/appeals"') < editor.index("<h2>计分考核</h2>")
    for role in ("officer", "approver", "editor", "administrator", "auditor", "leader"):
        client = site.client(role)
        page = client.get("/directory").text
        nav = page[page.index('<nav class="main"'):page.index("</nav>")]
        for path in re.findall(r'href="([^"]+)"', nav):
            assert client.get(path).status_code == 200, (role, path)


def test_a_page_under_an_entry_marks_that_entry_as_here(site: Site) -> None:
    """An item's page is under the items, a bulletin's under the bulletins; the one entry of
    the longest path a page lies under is marked, and "/" only on the dashboard itself."""
    editor = site.client("editor")

    def marked(path: str) -> list[str]:
        page = editor.get(path).text
        nav = page[page.index('<nav class="main"'):page.index("</nav>")]
        return re.findall(r'href="([^"]+)" class="here"', nav)

    assert marked(f"/submissions/{site.history.item_a}") == ["/submissions"]
    assert marked("/bulletins/2025") == ["/bulletins"]
    assert marked("/") == ["/"]
    assert marked("/rankings") == ["/rankings"]


def post_routes(site: Site) -> list[tuple[str, dict[str, str]]]:
    draft = str(site.tally.draft_submission("测试稿件：春耕进展", "info", "other", "o1",
                                            "2025-05-01", meta=SETUP))
    item = site.history.item_a
    return [
        ("/submissions", {"title": "新稿件", "channel": "info", "category": "other",
                          "authors": "o1", "event_date": "2025-05-01"}),
        (f"/submissions/{draft}/revise", {"title": "改", "category": "other", "authors": "o1",
                                          "event_date": "2025-05-01"}),
        (f"/submissions/{draft}/submit", {"submitted_on": "2025-05-02"}),
        (f"/submissions/{draft}/withdraw", {"reason": "重复"}),
        (f"/submissions/{site.history.item_b}/approve", {}),
        (f"/submissions/{site.history.item_b}/return", {"reason": "请补充"}),
        ("/adoptions", {"submission_id": item, "outlet": "city", "form": "full",
                        "adopted_on": "2025-05-05"}),
        (f"/submissions/{item}/adopt", {"outlet": "city", "form": "full",
                                        "adopted_on": "2025-05-05"}),
        (f"/submissions/{item}/send", {"outlet": "city", "route": "direct",
                                       "sent_on": "2025-05-04"}),
        (f"/submissions/{item}/decline", {"outlet": "city", "declined_on": "2025-05-05"}),
        (f"/submissions/{item}/retract", {"outlet": "prov", "reason": "更正"}),
        (f"/submissions/{item}/instruction", {"leader_level": "city", "leader": "市长",
                                              "instructed_on": "2025-05-06"}),
        (f"/submissions/{item}/feedback", {"instruction": "1", "fed_back_on": "2025-05-20",
                                           "text": "已落实"}),
        ("/logout", {}),
        ("/login", {"username": "leader", "password": "x", "next": "/"}),
    ]


ROLE_OF = {"/submissions": "officer", "revise": "officer", "submit": "officer",
           "withdraw": "officer", "approve": "approver", "return": "approver"}


def test_forms_refuse_a_missing_or_stale_csrf_token_with_403_and_write_nothing(
        site: Site) -> None:
    stranger = TestClient(create_app(services=site.services, session=SESSION))
    stale = csrf_of(stranger.get("/login").text)  # another session's token
    for path, form in post_routes(site):
        role = ROLE_OF.get(path, ROLE_OF.get(path.rsplit("/", 1)[-1], "editor"))
        client = site.client(role)
        before = site.events()
        for token in (None, stale, ""):
            data = form if token is None else {**form, "csrf_token": token}
            refused = client.post(path, data=data, follow_redirects=False)
            assert refused.status_code == 403, (path, token, refused.text[:200])
            assert 'id="error-field">csrf_token' in refused.text, path
            assert site.events() == before, f"{path} wrote despite a bad CSRF token"
    assert site.client("leader").get("/rankings?period=2025").status_code == 200  # still in


def form_of(client: TestClient, path: str) -> str:
    return csrf_of(client.get(path).text)


def test_an_item_goes_from_draft_to_adoption_through_the_pages_and_the_ranking_follows(
        site: Site) -> None:
    officer, approver, editor = (site.client(r) for r in ("officer", "approver", "editor"))
    leader = site.client("leader")

    def points_of_o1() -> str:
        page = leader.get("/rankings", params={"period": "2025-05"}).text
        row = re.search(r"<td>o1</td><td>张伟</td><td>[^<]*</td><td class=\"num points\">"
                        r"([\d.]+)</td>", page)
        assert row, page
        return row.group(1)

    before = points_of_o1()
    drafted = officer.post("/submissions", data={
        "csrf_token": form_of(officer, "/submissions/new"), "title": "网页报送：夏粮收购进展",
        "channel": "info", "category": "new_measure", "authors": "o1",
        "event_date": "2025-05-08"}, follow_redirects=False)
    assert drafted.status_code == 303, drafted.text[:300]
    item = drafted.headers["location"].split("?")[0]
    assert "稿件草稿已保存" in officer.get(drafted.headers["location"]).text
    token = form_of(officer, item)
    assert officer.post(f"{item}/submit", data={"csrf_token": token,
                                                 "submitted_on": "2025-05-09"},
                        follow_redirects=False).status_code == 303
    queue = approver.get("/approvals").text
    assert "网页报送：夏粮收购进展" in queue
    assert approver.post(f"{item}/approve", data={"csrf_token": csrf_of(queue)},
                         follow_redirects=False).status_code == 303
    assert editor.post(f"{item}/adopt", data={
        "csrf_token": form_of(editor, item), "outlet": "prov", "form": "full",
        "adopted_on": "2025-05-20"}, follow_redirects=False).status_code == 303
    page = editor.get(item).text
    assert "已签发" in page and "省委办公厅" in page and "全文采用" in page
    assert float(points_of_o1()) == float(before) + 20  # a provincial adoption in full
    register = site.client("officer").get("/adoptions").text
    assert "网页报送：夏粮收购进展" in register
    bulletin = leader.get("/bulletins/2025-05").text
    assert "网页报送：夏粮收购进展" in bulletin  # a provincial adoption is a highlight


def test_refusals_answer_403_naming_the_field_and_write_nothing(site: Site) -> None:
    draft = str(site.tally.draft_submission("张伟的稿件", "info", "other", "o1", "2025-05-01",
                                            meta=SETUP))
    other = site.client("officer_other")
    before = site.events()
    token = form_of(other, "/submissions/new")
    cases = [
        (f"/submissions/{draft}/submit", {"submitted_on": "2025-05-02"}, "submission_id"),
        ("/submissions", {"title": "代写", "channel": "info", "category": "other",
                          "authors": "o1", "event_date": "2025-05-01"}, "authors"),
        (f"/submissions/{draft}/adopt", {"outlet": "prov", "form": "full",
                                         "adopted_on": "2025-05-05"}, "role"),
    ]
    for path, form, field in cases:
        refused = other.post(path, data={**form, "csrf_token": token}, follow_redirects=False)
        assert refused.status_code == 403, (path, refused.text[:200])
        assert f'id="error-field">{field}<' in refused.text, path
    assert site.events() == before
    for path, field in ((f"/submissions/{draft}", "submission_id"),
                        ("/explain?officer=o1&period=2025", "officer"),
                        ("/rankings", "role"), ("/audit", "role")):
        refused = other.get(path)
        assert refused.status_code == 403 and f'id="error-field">{field}<' in refused.text, path
    bad = site.client("leader").get("/rankings", params={"as_of": "2025-13-40"})
    assert bad.status_code == 422 and 'id="error-field">as_of<' in bad.text
    wrong = site.client("leader").get("/rankings", params={"format": "pdf"})
    assert wrong.status_code == 422 and 'id="error-field">format<' in wrong.text


REPORTS = ["/rankings?period=2025-Q1", "/rankings?period=2025&by=unit&channel=info",
           "/quota?period=2025&by=unit", "/ledger?period=2025-03",
           "/bulletins/2025-Q1?as_of=2025-04-30", "/bulletins/2025-03/published",
           "/audit?officer=o1", "/submissions"]


def test_every_report_downloads_as_a_workbook_and_a_csv_file(site: Site) -> None:
    client = site.client("leader")
    for path in REPORTS:
        joiner = "&" if "?" in path else "?"
        workbook_response = client.get(f"{path}{joiner}format=xlsx")
        assert workbook_response.status_code == 200, (path, workbook_response.text[:300])
        assert "attachment" in workbook_response.headers["content-disposition"]
        book = openpyxl.load_workbook(io.BytesIO(workbook_response.content))
        sheet = book.worksheets[0]
        headings = [cell.value for cell in sheet[1]]
        assert all(re.search(r"[\u4e00-\u9fff]", str(h)) for h in headings), (path, headings)
        assert sheet.freeze_panes == "A2"
        assert all((sheet.column_dimensions[c.column_letter].width or 0) > 0 for c in sheet[1])
        csv_response = client.get(f"{path}{joiner}format=csv")
        assert csv_response.status_code == 200, path
        assert csv_response.content.startswith("\ufeff".encode())
        rows = list(csv.reader(io.StringIO(csv_response.content.decode("utf-8-sig"))))
        assert rows and re.search(r"[\u4e00-\u9fff]", rows[0][0]), (path, rows[:1])
    ranking = openpyxl.load_workbook(io.BytesIO(
        client.get("/rankings?period=2025-Q1&format=xlsx").content)).worksheets[0]
    headings = [cell.value for cell in ranking[1]]
    points = ranking.cell(row=2, column=headings.index("得分") + 1)
    assert isinstance(points.value, int | float) and points.number_format == "0.00"
    officer = site.client("officer").get("/rankings?period=2025&format=xlsx")
    assert officer.status_code == 403  # officers have no reports to export


def declared_page_routes() -> set[str]:
    found = set()
    stack = list(pages_router.routes)
    while stack:
        route = stack.pop()
        inner = getattr(route, "original_router", None)  # an included router
        if inner is not None:
            stack.extend(inner.routes)
        elif isinstance(route, APIRoute):
            found.update(f"{method} {route.path}" for method in route.methods)
    return found - {"GET /login", "POST /login", "POST /logout"}


def test_every_page_route_has_an_authorization_case() -> None:
    assert declared_page_routes() == {case.key for case in PAGE_CASES}


def test_an_item_shows_its_trail_to_its_authors_and_approver_not_to_unit_colleagues(
        site: Site) -> None:
    site.tally.enrol_officer("o9", "陈晨", "u1", "2025-01-01", meta=SETUP)
    site.tally.open_account("chenchen", "陈晨", ["officer"], officer="o9", meta=SETUP)
    USERS["colleague"] = "chenchen"
    try:
        path = f"/submissions/{site.history.item_a}"
        for role, shown in (("officer", True), ("approver", True), ("auditor", True),
                            ("colleague", False)):
            page = site.client(role).get(path)
            assert page.status_code == 200, (role, page.text[:200])
            assert ("<h2>审计记录</h2>" in page.text) is shown, role
    finally:
        del USERS["colleague"]


HONOURS = "\n[honours.officers]\ntop = 2\n\n[honours.items]\ntop = 1\n"


def test_the_published_year_shows_its_honours_and_rewards_and_what_was_revoked(
        app: Tally, database: DatabaseSettings) -> None:
    history = office_history(app)
    app.publish_method(METHOD + HONOURS, meta=SETUP)
    app.open_account("leader", "孙领导", ["leader"], meta=SETUP)
    services = Services(database, app)
    close_period(app, services.current()["ledger"], "2025", meta=SETUP)
    app.retract_adoption(history.item_a, "prov", "省委办公厅来函更正", meta=SETUP)
    run_workflows(app, database)
    site = Site(app, services, history, {})
    client = site.client("leader")
    client.cookies.delete("tally_lang")
    page = client.get("/bulletins/2025/published")
    assert page.status_code == 200, page.text[:300]

    # item A was the year's only adopted item: its authors and it were honoured at the
    # close, and the retraction took every honour and both rewards back, with its reason
    officers = table_rows(page.text, "honours-officers")
    assert [row[:3] for row in officers] == [["1", "刘洋", "10"], ["1", "张伟", "10"]]
    [item] = table_rows(page.text, "honours-items")
    assert item[:3] == ["1", "关于春耕生产的情况", "20"]
    for row in [*officers, item]:
        assert row[3].startswith("已撤销：撤销采用：省委办公厅来函更正；重新计算得分0.00"), row
    assert "本期间稿件发放奖励2笔（其后收回2笔），实发0.00元。" in page.text
    assert sorted(row[1:] for row in table_rows(page.text, "rewards-revoked")) == [
        ["刘洋", "县委办公室", "250", "撤销采用：省委办公厅来函更正"],
        ["张伟", "县委办公室", "250", "撤销采用：省委办公厅来函更正"]]
    english = client.get("/bulletins/2025/published?lang=en").text
    assert "Advanced officers" in english and "(revoked since: 2); paid: 0.00 yuan" in english
    client.cookies.delete("tally_lang")
    # a month's published page shows no honours, only its rewards
    close_period(app, services.current()["ledger"], "2025-06", meta=SETUP)
    month = client.get("/bulletins/2025-06/published").text
    assert 'id="honours-' not in month and "本期间稿件发放奖励0笔" in month

    # 王芳's item, adopted late, and the office decides to fill the places: hers fills 张伟's
    late = app.draft_submission("城关镇春耕备耕情况续报", "info", "other", "o3", "2025-04-01",
                                meta=SETUP)
    app.submit(late, "2025-04-02", meta=SETUP)
    app.approve(late, "approver2", "2025-04-02T09:00", meta=SETUP)
    app.record_adoption(late, "prov", "full", "2025-04-05", meta=SETUP)
    current = services.current()
    assert len(fill_vacancies(app, current["ledger"], current["catalog"], "2025",
                              "经研究决定递补", SETUP)) == 2  # 张伟's place and the item's
    page = client.get("/bulletins/2025/published").text
    officers = {row[1]: row[3] for row in table_rows(page, "honours-officers")}
    assert officers["张伟"].endswith("；由王芳递补：经研究决定递补")
    assert officers["王芳"] == "递补张伟" and "递补" not in officers["刘洋"]
    assert [row[1] for row in table_rows(page, "honours-items")] == [
        "关于春耕生产的情况", "城关镇春耕备耕情况续报"]


def table_rows(html: str, table_id: str) -> list[list[str]]:
    """The text of each cell of each body row of the table with this id."""
    body = html.split(f'id="{table_id}"', 1)[1].split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [[re.sub(r"<[^>]+>", "", cell).strip()
             for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)]
