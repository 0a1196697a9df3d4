"""One item's way through the office over HTTP, and what each role sees of the items."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.api_office import BACKENDS, Office, module_office

V1 = "/api/v1"


@pytest.fixture(scope="module", params=BACKENDS)
def office(request: pytest.FixtureRequest,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[Office]:
    yield from module_office(request, tmp_path_factory.mktemp("api_flow"), "api_flow")


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def points_of(ranking: list[dict[str, Any]], code: str) -> str:
    return next(row["points"] for row in ranking if row["id"] == code)


def test_an_item_drafted_submitted_approved_sent_and_adopted_moves_the_ranking_and_bulletin(
        office: Office) -> None:
    c = office.client
    officer, approver, editor = (office.auth(role) for role in ("officer", "approver", "editor"))
    leader = office.auth("leader")
    month = {"period": "2025-06"}
    ranking_before = ok(c.get(f"{V1}/reports/ranking", params=month, headers=leader))
    bulletin_before = ok(c.get(f"{V1}/reports/bulletin", params=month, headers=leader))

    item = ok(c.post(f"{V1}/submissions", headers=officer, json={
        "title": "县委办公室推进基层减负工作情况", "channel": "info",
        "category": "typical_experience", "authors": [{"officer": "o1"}],
        "event_date": "2025-06-02", "ref": "FLOW-1"}), 201)["id"]
    ok(c.post(f"{V1}/submissions/{item}/submit", headers=officer,
              json={"submitted_on": "2025-06-03"}))
    ok(c.post(f"{V1}/submissions/{item}/approve", headers=approver,
              json={"approved_at": "2025-06-03T15:00:00+08:00"}))
    ok(c.post(f"{V1}/submissions/{item}/outlets", headers=editor,
              json={"outlet": "prov", "route": "forwarded", "sent_on": "2025-06-04"}))
    ok(c.post(f"{V1}/submissions/{item}/adoptions", headers=editor,
              json={"outlet": "prov", "form": "full", "adopted_on": "2025-06-10"}))

    shown = ok(c.get(f"{V1}/submissions/{item}", headers=officer))
    assert shown["status"] == "approved" and shown["approved_by"] == "approver"
    assert [a["form"] for a in shown["adoptions"]] == ["full"]

    ranking = ok(c.get(f"{V1}/reports/ranking", params=month, headers=leader))
    assert {"rank", "id", "name", "points", "adoptions"} <= set(ranking[0])
    zhang = next(row for row in ranking if row["id"] == "o1")
    assert zhang["name"] == "张伟" and zhang["rank"] == 1 and zhang["adoptions"] == 1
    assert points_of(ranking, "o1") == "20.00"
    assert points_of(ranking_before, "o1") == "0.00"

    bulletin = ok(c.get(f"{V1}/reports/bulletin", params=month, headers=leader))
    assert bulletin["summary"]["submitted"] == bulletin_before["summary"]["submitted"] + 1
    titles = [h["title"] for h in bulletin["highlights"]["high_level_adoptions"]]
    assert "县委办公室推进基层减负工作情况" in str(titles)
    why = ok(c.get(f"{V1}/reports/explain", headers=officer,
                   params={"officer": "o1", "period": "2025-06"}))
    assert why["points"] == "20.00"
    clauses = {line["clause"]: line["points"] for line in why["lines"]}
    assert clauses["adoption.info.provincial.full"] == "20.00"
    assert "rewards.provincial" in clauses  # 500 yuan for a provincial adoption


def test_officers_and_approvers_see_their_own_units_items_and_no_others(office: Office) -> None:
    c = office.client
    other_unit_item = office.history.item_b  # 王芳's item, 城关镇 (u2)
    for role in ("officer", "approver"):
        listed = ok(c.get(f"{V1}/submissions", headers=office.auth(role)))
        assert listed and {row["unit_code"] for row in listed} == {"u1"}
        refused = c.get(f"{V1}/submissions/{other_unit_item}", headers=office.auth(role))
        assert refused.status_code == 403 and refused.json()["field"] == "submission_id"
        asked = c.get(f"{V1}/submissions", params={"unit": "u2"}, headers=office.auth(role))
        assert asked.status_code == 403 and asked.json()["field"] == "unit"
    everything = ok(c.get(f"{V1}/submissions", headers=office.auth("auditor")))
    assert {row["unit_code"] for row in everything} == {"u1", "u2"}
    only_u2 = ok(c.get(f"{V1}/submissions", params={"unit": "u2"},
                       headers=office.auth("editor")))
    assert {row["unit_code"] for row in only_u2} == {"u2"}


def test_an_officer_edits_only_their_own_drafts_and_an_approver_signs_off_only_their_unit(
        office: Office) -> None:
    c = office.client
    theirs = office.draft("o3")  # 王芳, u2
    before = office.events()
    refused = c.put(f"{V1}/submissions/{theirs}", headers=office.auth("officer"), json={
        "title": "改别人的稿件", "category": "other", "authors": [{"officer": "o1"}],
        "event_date": "2025-05-01"})
    assert refused.status_code == 403
    drafted_for_another = c.post(f"{V1}/submissions", headers=office.auth("officer"), json={
        "title": "替别人起草", "channel": "info", "category": "other",
        "authors": [{"officer": "o3"}], "event_date": "2025-05-01"})
    assert drafted_for_another.status_code == 403
    assert drafted_for_another.json()["field"] == "authors"
    submitted_in_u2 = office.submitted("o3")
    before = office.events()
    other = c.post(f"{V1}/submissions/{submitted_in_u2}/approve",
                   headers=office.auth("approver"),
                   json={"approved_at": "2025-05-03T10:00:00+08:00"})
    assert other.status_code == 403 and office.events() == before
    ok(c.post(f"{V1}/submissions/{submitted_in_u2}/approve",
              headers=office.auth("approver_other"),
              json={"approved_at": "2025-05-03T10:00:00+08:00"}))


def test_an_officer_appeals_and_the_editor_upholds_it_with_the_correcting_fact(
        office: Office) -> None:
    c = office.client
    item = office.approved()
    number = ok(c.post(f"{V1}/submissions/{item}/appeals", headers=office.auth("officer"),
                       json={"filed_on": "2025-05-10", "reason": "市委办公室已采用但未登记"}),
                201)["number"]
    decision = {"upheld": True, "decided_on": "2025-05-12", "reason": "经核实确已采用",
                "correction": {"command": "record_adoption", "arguments": {
                    "outlet": "city", "form": "excerpt", "adopted_on": "2025-05-08"}}}
    decided = ok(c.post(f"{V1}/submissions/{item}/appeals/{number}/decision",
                        headers=office.auth("editor"), json=decision))
    assert decided["upheld"] is True and decided["correlation_id"].startswith("appeal:")
    before = office.events()
    again = ok(c.post(f"{V1}/submissions/{item}/appeals/{number}/decision",
                      headers=office.auth("editor"), json=decision))
    assert again == decided and office.events() == before
    adoptions = ok(c.get(f"{V1}/submissions/{item}", headers=office.auth("editor")))["adoptions"]
    assert [a["form"] for a in adoptions] == ["excerpt"]
    wrong = dict(decision, correction={"command": "record_adoption",
                                        "arguments": {"outlet": "city", "colour": "red"}})
    incomplete = dict(decision, correction={"command": "record_adoption",
                                             "arguments": {"outlet": "city"}})
    for body in (wrong, incomplete):
        refused = c.post(f"{V1}/submissions/{item}/appeals/{number}/decision",
                         headers=office.auth("editor"), json=body)
        assert refused.status_code == 422 and refused.json()["field"] == "correction"


def test_an_editor_closes_a_period_and_everyone_reads_the_published_bulletin(
        office: Office) -> None:
    c = office.client
    closed = ok(c.post(f"{V1}/periods/2025-03/close", headers=office.auth("editor"), json={}),
                201)
    again = ok(c.post(f"{V1}/periods/2025-03/close", headers=office.auth("editor"), json={}),
               201)
    assert again == closed
    published = ok(c.get(f"{V1}/periods/2025-03/bulletin", headers=office.auth("officer")))
    assert published["id"] == closed["id"] and len(published["digest"]) == 64
    reissued = ok(c.get(f"{V1}/periods/2025-03/bulletin/reissue",
                        headers=office.auth("editor")))
    assert reissued["matches"] is True and reissued["digest"] == published["digest"]
    assert reissued["content"]["kind"] == "month" and reissued["content"]["title"]


    # the rewards of the month's lines: item A's provincial adoption, shared by its authors
    paid = ok(c.get(f"{V1}/periods/2025-03/rewards", headers=office.auth("officer")))
    assert sorted((r["title"], r["officer_code"], r["amount"], r["revoked_reason"])
                  for r in paid["rewards"]) == [("关于春耕生产的情况", "o1", "250", None),
                                                ("关于春耕生产的情况", "o2", "250", None)]
    assert (paid["granted"], paid["revoked"], paid["total"]) == (2, 0, "500.00")
    quarter = ok(c.get(f"{V1}/periods/2025-Q1/rewards", headers=office.auth("leader")))
    assert quarter["rewards"] == paid["rewards"]
    assert ok(c.get(f"{V1}/periods/2025-04/rewards", headers=office.auth("editor")))[
        "rewards"] == []
    outlets = ok(c.get(f"{V1}/outlets", headers=office.auth("officer")))
    assert {(o["code"], o["level"]) for o in outlets} >= {("prov", "provincial"),
                                                          ("city", "city")}
    # the office's method names no honours: none are awarded, in any category
    assert ok(c.get(f"{V1}/periods/2025/honours", headers=office.auth("officer"))) == {
        "year": 2025, "honours": {"units": [], "officers": [], "items": []}}
    for url, field in ((f"{V1}/periods/2025-Q1/honours", "year"),
                       (f"{V1}/periods/2025-13/rewards", "period")):
        refused = c.get(url, headers=office.auth("officer"))
        assert refused.status_code == 422 and refused.json()["field"] == field, refused.text
