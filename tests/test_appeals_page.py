"""Appeals (申诉) on the item page: an author appeals the score with a reason; an editor
dismisses it, or upholds it with the fact that corrects the score (a missed adoption or
instruction recorded, a wrong adoption retracted, missed feedback recorded); the page shows
each appeal and its decision; bad decisions name their field and write nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api_office import BACKENDS, SETUP, Office, module_office
from tests.web import csrf_of


@pytest.fixture(scope="module", params=BACKENDS)
def office(request: pytest.FixtureRequest,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[Office]:
    yield from module_office(request, tmp_path_factory.mktemp("appeals"), "appeals")


def post(page: TestClient, item: str, action: str, form: dict[str, str]) -> Any:
    token = csrf_of(page.get(f"/submissions/{item}").text)
    return page.post(f"/submissions/{item}{action}", data={"csrf_token": token, **form},
                     follow_redirects=False)


def appeals_table(page: TestClient, item: str) -> str:
    return page.get(f"/submissions/{item}").text.split('<table id="appeals">')[1].split(
        "</table>")[0]


def test_an_author_appeals_and_an_upheld_appeal_records_the_missed_adoption(
        office: Office) -> None:
    item = office.approved()  # o1's, not adopted by the province
    officer = office.page_client("officer")
    assert 'id="appeal-form"' in officer.get(f"/submissions/{item}").text
    filed = post(officer, item, "/appeal", {"reason": "省委办公厅已全文采用，未登记",
                                            "filed_on": "2025-05-20"})
    assert filed.status_code == 303 and filed.headers["location"].endswith("done=appealed")
    table = appeals_table(officer, item)
    assert "<td>张伟</td><td>2025-05-20</td><td>省委办公厅已全文采用，未登记</td>" in table
    assert "<strong>待处理</strong>" in table
    assert 'id="decide-form-1"' not in officer.get(f"/submissions/{item}").text

    editor = office.page_client("editor")
    assert 'id="decide-form-1"' in editor.get(f"/submissions/{item}").text
    decided = post(editor, item, "/appeals/1/decision", {
        "decision": "upheld", "decided_on": "2025-05-25", "reason": "经核实，省委办公厅已采用",
        "correction": "record_adoption", "outlet": "prov", "form": "full",
        "adopted_on": "2025-05-08"})
    assert decided.status_code == 303, decided.text[-600:]
    page = editor.get(f"/submissions/{item}").text
    assert "2025-05-25认定成立：经核实，省委办公厅已采用" in page
    assert 'id="decide-form-1"' not in page
    outlets = page.split('<table id="outlets">')[1].split("</table>")[0]
    assert "（prov）" in outlets and "2025-05-08" in outlets
    events = office.events()
    again = post(editor, item, "/appeals/1/decision", {
        "decision": "dismissed", "decided_on": "2025-05-26", "reason": "重复"})
    assert again.status_code == 409  # decided once: a stale form's second decision is refused
    assert office.events() == events


def test_a_dismissed_appeal_and_bad_decisions(office: Office) -> None:
    item = office.appealed()  # appeal 1 filed by o1 on an adopted item
    editor = office.page_client("editor")
    events = office.events()
    for form, field in (
            ({"decided_on": "2025-05-12", "reason": "核实"}, "decision"),
            ({"decision": "upheld", "decided_on": "2025-05-12", "reason": "核实"},
             "correction"),
            ({"decision": "upheld", "decided_on": "2025-05-12", "reason": "核实",
              "correction": "delete_item"}, "correction"),
            ({"decision": "dismissed", "decided_on": "2025-05-12", "reason": "核实",
              "correction": "retract_adoption", "outlet": "city"}, "correction"),
            ({"decision": "dismissed", "decided_on": "2025-05-01", "reason": "核实"},
             "decided_on"),
            # the correction is not recorded when the decision would be refused
            ({"decision": "upheld", "decided_on": "2025-05-01", "reason": "核实",
              "correction": "record_adoption", "outlet": "prov", "form": "full",
              "adopted_on": "2025-05-08"}, "decided_on"),
            ({"decision": "upheld", "decided_on": "2025-05-12", "reason": "",
              "correction": "retract_adoption", "outlet": "city"}, "reason"),
            ({"decision": "upheld", "decided_on": "2099-01-01", "reason": "核实",
              "correction": "retract_adoption", "outlet": "city"}, "decided_on"),
            ({"decision": "dismissed", "decided_on": "2025-05-12", "reason": ""}, "reason")):
        refused = post(editor, item, "/appeals/1/decision", form)
        assert refused.status_code in (409, 422), (field, refused.status_code)
        assert f'id="error-field">{field}<' in refused.text, (field, refused.text[-600:])
    assert office.events() == events
    done = post(editor, item, "/appeals/1/decision", {
        "decision": "dismissed", "decided_on": "2025-05-12", "reason": "经核实，登记无误"})
    assert done.status_code == 303
    assert "2025-05-12认定不成立：经核实，登记无误" in appeals_table(editor, item)
    assert 'id="decide-form' not in office.page_client("leader").get(
        f"/submissions/{item}").text


def test_only_an_author_appeals(office: Office) -> None:
    item = office.approved()
    events = office.events()
    other = office.page_client("officer_other")  # 王芳, of the other unit
    refused = other.post(f"/submissions/{item}/appeal", data={
        "csrf_token": csrf_of(other.get("/submissions").text), "reason": "不是我的稿件",
        "filed_on": "2025-05-20"}, follow_redirects=False)
    assert refused.status_code == 403
    assert office.events() == events


def test_upheld_appeals_record_a_missed_instruction_and_its_missed_feedback(
        office: Office) -> None:
    """The item page's other corrections: a leader's instruction the office missed, then the
    unit's feedback on it; each recorded with its decision, and a bad part named by the
    form's own field, recording neither."""
    item = office.appealed()  # appeal 1 filed by o1 on 2025-05-10
    editor = office.page_client("editor")
    events = office.events()
    refused = post(editor, item, "/appeals/1/decision", {
        "decision": "upheld", "decided_on": "2025-05-20", "reason": "批示漏登",
        "correction": "record_instruction", "leader_level": "provincial", "leader": "",
        "instructed_on": "2025-05-09"})
    assert refused.status_code == 422 and 'id="error-field">leader<' in refused.text
    assert office.events() == events
    decided = post(editor, item, "/appeals/1/decision", {
        "decision": "upheld", "decided_on": "2025-05-20", "reason": "批示漏登",
        "correction": "record_instruction", "leader_level": "provincial", "leader": "省委秘书长",
        "instructed_on": "2025-05-09", "instruction_text": "请总结推广"})
    assert decided.status_code == 303, decided.text[-600:]
    page = editor.get(f"/submissions/{item}").text
    assert "省委秘书长" in page and "2025-05-20认定成立：批示漏登" in page
    assert 'value="record_feedback"' not in page  # no pending appeal: no decision form

    office.tally.file_appeal(item, "o1", "2025-05-21", "批示反馈漏登", meta=SETUP)
    page = editor.get(f"/submissions/{item}").text
    assert 'value="record_feedback"' in page and 'id="decide-form-2"' in page
    events = office.events()
    refused = post(editor, item, "/appeals/2/decision", {
        "decision": "upheld", "decided_on": "2025-05-25", "reason": "反馈漏登",
        "correction": "record_feedback", "instruction": "1", "fed_back_on": "2025-05-22",
        "feedback_text": " "})
    assert refused.status_code == 422 and 'id="error-field">feedback_text<' in refused.text
    assert office.events() == events
    decided = post(editor, item, "/appeals/2/decision", {
        "decision": "upheld", "decided_on": "2025-05-25", "reason": "反馈漏登",
        "correction": "record_feedback", "instruction": "1", "fed_back_on": "2025-05-22",
        "feedback_text": "已按批示要求在全县推广"})
    assert decided.status_code == 303, decided.text[-600:]
    assert office.events() == events + 3  # the feedback, the decision, the key: one save
    assert "2025-05-25认定成立：反馈漏登" in appeals_table(editor, item)


def test_the_appeals_queue_lists_the_pending_first_and_each_unit_sees_its_own(
        office: Office) -> None:
    """Editors find the appeals waiting for them on /appeals, oldest filed first, each with
    its item and the days it has waited; decided ones follow; officers and approvers see
    their unit's only."""
    waiting = office.appealed()  # appeal 1 of an o1 item (u1), filed on 2025-05-10
    decided = office.appealed()
    editor = office.page_client("editor")
    post(editor, decided, "/appeals/1/decision", {
        "decision": "dismissed", "decided_on": "2025-05-12", "reason": "经核实，登记无误"})
    page = editor.get("/appeals").text
    pending = page.split('<table id="pending-appeals">')[1].split("</table>")[0]
    done = page.split('<table id="decided-appeals">')[1].split("</table>")[0]
    assert f'href="/submissions/{waiting}#appeals"' in pending
    assert f'href="/submissions/{decided}#appeals"' not in pending
    assert f'href="/submissions/{decided}#appeals"' in done and "认定不成立" in done
    days = (office.tally.today() - date(2025, 5, 10)).days
    assert f'<td class="num">{days}</td>' in pending
    assert "<td>县委办公室</td>" in pending and "<td>张伟</td>" in pending
    assert waiting in office.page_client("approver").get("/appeals").text  # u1's approver
    assert waiting not in office.page_client("officer_other").get("/appeals").text  # u2
    # the editor's dashboard says how many wait, and leads to the queue
    count = pending.count("<tr><td>")
    assert f'<a href="/appeals">有 {count} 件申诉待处理。</a>' in editor.get("/").text
    assert 'id="pending-appeals"' not in office.page_client("leader").get("/").text
