"""The desk in a real browser: each role logs in, an officer submits an item, the approver
signs it off, the editor records its adoption, and the ranking and the bulletin change; the
dashboard and a printed bulletin are kept as screenshots (and a PDF) under artifacts/."""

from __future__ import annotations

import re
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import Served

pytestmark = pytest.mark.browser

TITLE = "浏览器报送：县委办公室推进基层减负新举措"
ROLES = {"officer": "o01", "approver": "approver-u01", "editor": "editor", "leader": "leader",
         "auditor": "auditor", "administrator": "admin"}
#: What each role's navigation shows, and what it must not.
NAVIGATION = {"officer": ("新建稿件", "审计记录"), "approver": ("待审核", "新建稿件"),
              "editor": ("采用登记", "新建稿件"), "leader": ("工作概况", "新建稿件"),
              "auditor": ("审计记录", "新建稿件"), "administrator": ("排名", "新建稿件")}


def logged_in(browser: Any, served: Served, role: str) -> Any:
    context = browser.new_context(base_url=served.url, locale="zh-CN",
                                  viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto("/login")
    page.fill("input[name=username]", ROLES[role])
    page.fill("input[name=password]", served.password)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return page


def o01_points(page: Any) -> Decimal:
    page.goto("/rankings?period=2025-05")
    row = page.locator("#ranking tbody tr", has=page.locator("td", has_text=re.compile("^o01$")))
    return Decimal(row.locator("td.points").inner_text())


def explained(page: Any) -> tuple[Decimal, list[tuple[str, str, Decimal]]]:
    """o01's May total on "why these points", and its lines (fact, clause, points)."""
    page.goto("/explain?officer=o01&period=2025-05")
    total = Decimal(page.locator("#explain tr.total td.num").first.inner_text())
    lines = []
    for row in page.locator("#explain tbody tr:not(.total)").all():
        cells = row.locator("td").all_inner_texts()
        lines.append((cells[1], cells[2], Decimal(cells[4])))
    return total, lines


def bulletin_adoptions(page: Any, path: str) -> int:
    page.goto(path)
    summary = page.locator("#bulletin-summary").inner_text()
    return int(re.findall(r"\d+", summary)[-1])


def test_each_role_logs_in_and_sees_its_own_navigation(browser: Any, served: Served) -> None:
    for role, (shown, hidden) in NAVIGATION.items():
        page = logged_in(browser, served, role)
        navigation = page.locator("nav.main").inner_text()
        assert shown in navigation and hidden not in navigation, (role, navigation)
        assert page.locator("#user-name").inner_text()
        page.context.close()


def test_an_item_submitted_approved_and_adopted_moves_the_ranking_and_the_bulletin(
        browser: Any, served: Served, artifacts: Path) -> None:
    leader = logged_in(browser, served, "leader")
    points_before = o01_points(leader)
    explained_before, _ = explained(leader)
    assert explained_before == points_before
    current = "/bulletins/2025-05"
    adoptions_before = bulletin_adoptions(leader, current)
    published_before = bulletin_adoptions(leader, f"{current}/published")

    officer = logged_in(browser, served, "officer")
    officer.goto("/submissions/new")
    officer.fill("input[name=title]", TITLE)
    officer.select_option("select[name=category]", "new_measure")
    officer.fill("input[name=event_date]", "2025-05-06")
    officer.click("#item-form button[type=submit]")
    assert "稿件草稿已保存" in officer.locator("#done").inner_text()
    officer.fill("#submit-form input[name=submitted_on]", "2025-05-07")
    officer.click("#submit-form button[type=submit]")
    assert officer.locator("#status").inner_text() == "待审核"
    item_url = officer.url.split("?")[0]

    approver = logged_in(browser, served, "approver")
    approver.goto("/approvals")
    row = approver.locator("#queue tbody tr", has_text=TITLE)
    row.locator("form[action$='/approve'] button").click()
    assert "稿件已签发" in approver.locator("#done").inner_text()

    editor = logged_in(browser, served, "editor")
    editor.goto(item_url)
    assert editor.locator("#status").inner_text() == "已签发"
    editor.fill("#adopt-form input[name=outlet]", "info-province-party")
    editor.select_option("#adopt-form select[name=form]", "full")
    editor.fill("#adopt-form input[name=adopted_on]", "2025-05-20")
    editor.click("#adopt-form button[type=submit]")
    assert "采用已登记" in editor.locator("#done").inner_text()
    assert "省委办公厅" in editor.locator("#outlets").inner_text()

    points_after = o01_points(leader)
    explained_after, lines = explained(leader)
    assert explained_after == points_after
    adoption = [(clause, points) for fact, clause, points in lines
                if TITLE in fact and clause.startswith("adoption.info.provincial")]
    assert adoption == [("adoption.info.provincial.full", Decimal("20.00"))], lines
    new_lines = sum((points for fact, _, points in lines if TITLE in fact), Decimal(0))
    # The item's own lines, and the month's quota base now that its target is met.
    quota = sum((points for _, clause, points in lines if clause.startswith("quota")),
                Decimal(0))
    assert points_after - points_before == new_lines + quota, lines
    assert points_after - points_before >= Decimal("20.00")
    assert bulletin_adoptions(leader, current) == adoptions_before + 1
    assert TITLE in leader.locator("#highlights").inner_text()
    # The published May bulletin is pinned to its log position: the late adoption is not in it.
    assert bulletin_adoptions(leader, f"{current}/published") == published_before
    assert "摘要与发布时一致" in leader.locator("#digest").inner_text()

    leader.goto("/?year=2025")
    leader.screenshot(path=str(artifacts / "dashboard.png"), full_page=True)
    assert leader.locator("#chart-adoptions svg rect").count() > 12
    leader.goto("/?year=2025&lang=en")
    leader.screenshot(path=str(artifacts / "dashboard-en.png"), full_page=True)
    leader.goto("/bulletins/2025-Q2?lang=zh_CN")
    leader.emulate_media(media="print")
    assert not leader.locator("nav.main").is_visible()
    leader.screenshot(path=str(artifacts / "bulletin-print.png"), full_page=True)
    leader.pdf(path=str(artifacts / "bulletin-2025-Q2.pdf"), format="A4",
               print_background=True)
    assert (artifacts / "bulletin-2025-Q2.pdf").read_bytes().startswith(b"%PDF")
    for page in (leader, officer, approver, editor):
        page.context.close()


def test_a_large_import_shows_its_progress_and_its_page_follows_it_to_the_end(
        browser: Any, served: Served, artifacts: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An administrator checks a ledger whose run outlasts the upload's wait: the browser is
    sent to the run's page, which reloads itself until the report shows; its button imports
    the checked files. (Last in this module: it adds two units and their officers to the
    shared demo store.)"""
    from api.pages import imports as imports_page

    real = imports_page.import_ledgers

    def slow(*args: Any, **kwargs: Any) -> Any:
        time.sleep(3)  # long enough for the page to be shown running and reload once
        return real(*args, **kwargs)

    monkeypatch.setattr(imports_page, "import_ledgers", slow)
    monkeypatch.setattr(imports_page, "WAIT_SECONDS", 0.1)
    admin = logged_in(browser, served, "administrator")
    admin.goto("/imports")
    ledger = Path(__file__).resolve().parent.parent / "data" / "ledgers" / "small"
    admin.set_input_files("#import-form input[name=files]",
                          [str(ledger / name) for name in ("units.csv", "officers.csv")])
    admin.click("#import-form button[name=check]")
    admin.wait_for_selector("#import-running")
    assert "/imports/runs/" in admin.url
    admin.screenshot(path=str(artifacts / "import-running.png"))
    admin.wait_for_selector("#import-checked", timeout=20_000)  # after a reload or two
    assert "/imports/runs/" in admin.url
    assert "导入台账" in admin.locator("nav.main a.here").inner_text()
    admin.screenshot(path=str(artifacts / "import-checked.png"))
    checked = admin.url

    admin.click("#import-kept button")  # the checked files, not chosen again
    admin.wait_for_selector("#import-done", timeout=20_000)
    assert "/imports/runs/" in admin.url and admin.url != checked
    rows = admin.locator("#import-rows").inner_text()
    assert "units.csv" in rows and "officers.csv" in rows
    admin.screenshot(path=str(artifacts / "import-done.png"))
    admin.context.close()


def test_an_auditor_follows_a_bulletins_chain_hash_and_verifies_the_whole_log(
        browser: Any, served: Served, artifacts: Path) -> None:
    auditor = logged_in(browser, served, "auditor")
    auditor.goto("/bulletins/2025-05/published")
    held = auditor.locator("#chain-head code").inner_text()
    auditor.click("#chain-head")
    assert "的链哈希与您持有的一致" in auditor.locator("#held").inner_text()
    assert auditor.locator("input[name=hash]").input_value() == held

    auditor.click("text=校验整个日志和所有已发布通报")
    assert auditor.locator("#verified").inner_text().startswith("日志校验通过：检查了全部")
    results = auditor.locator("#bulletin-checks tbody tr td:last-child").all_inner_texts()
    assert results and set(results) == {"摘要一致"}
    auditor.screenshot(path=str(artifacts / "integrity.png"), full_page=True)
    auditor.context.close()
