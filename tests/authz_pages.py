"""Authorization cases of the web pages, walked by ``tests/test_authorization.py``.

Each case names a page route, a valid request for it (built on ``tests.api_office.Office``,
fresh for every allowed call when it changes state) and the role keys that may call it; the
others must get 403 and change nothing. Pages are called with a logged-in browser session
(``tests.web.log_in``); a POST carries the session's CSRF token, added by the test, so a case
gives only its form fields. Add a case here with every new page route."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tests.api_office import ROLES, Call, Office

EVERYONE = frozenset(ROLES)
READERS = EVERYONE - {"officer", "officer_other"}


@dataclass(frozen=True)
class Case:
    method: str
    route: str  # the route's path as declared, e.g. /api/v1/submissions/{submission_id}
    allowed: frozenset[str]
    call: Callable[[Office], Call]
    page: bool = False
    public: bool = False  # needs no login at all

    @property
    def key(self) -> str:
        return f"{self.method} {self.route}"


def page(method: str, route: str, allowed: frozenset[str],
         call: Callable[[Office], Call]) -> Case:
    return Case(method, route, allowed, call, page=True)


OFFICER = frozenset({"officer"})
APPROVERS = frozenset({"approver", "approver_other"})
EDITOR = frozenset({"editor"})
ADMIN = frozenset({"administrator"})
#: A u1 item, or o1's points: the officer, their approver, and the whole-office readers.
UNIT_U1 = EVERYONE - {"officer_other", "approver_other"}
AUDIT = frozenset({"editor", "administrator", "auditor", "leader"})
REPORT = {"period": "2025", "as_of": "2025-12-31"}


def on_item(build: str, action: str,
            form: dict[str, str] | None = None) -> Callable[[Office], Call]:
    """A page call on a fresh item at a stage (``Office.draft``, ``submitted``, ...)."""
    def call(o: Office) -> Call:
        item = getattr(o, build)()
        return Call(f"/submissions/{item}{action}", form=form or {})
    return call


def unpublished_month(o: Office) -> str:
    """The first month since 2000 whose bulletin is not published yet (publishing is a close)."""
    return next(month for year in range(2000, 2025) for n in range(1, 13)
                if not o.tally.is_published(month := f"{year}-{n:02d}"))


PAGE_CASES: list[Case] = [
    page("GET", "/", EVERYONE, lambda o: Call("/")),
    page("GET", "/reminders", READERS, lambda o: Call("/reminders",
                                                      params={"as_of": "2025-05-20"})),
    # the pages' cases (tests/test_pages*.py)
    page("GET", "/directory", EVERYONE, lambda o: Call("/directory")),
    page("POST", "/directory/units", ADMIN, lambda o: Call("/directory/units", form={
        "code": o.fresh("pu"), "name": "网页登记单位", "unit_class": "B类",
        "registered_on": "2025-01-01"})),
    page("POST", "/directory/outlets", ADMIN, lambda o: Call("/directory/outlets", form={
        "code": o.fresh("po"), "name": "网页登记媒体", "channel": "publicity",
        "level": "county"})),
    page("POST", "/directory/outlets/rename", ADMIN, lambda o: Call(
        "/directory/outlets/rename", form={"outlet": "city", "name": o.fresh("市委办公室"),
                                           "reason": "更名"})),
    page("POST", "/directory/units/rename", ADMIN, lambda o: Call(
        "/directory/units/rename", form={"unit": o.unit(), "name": "更名后的单位",
                                         "effective_on": "2025-06-01", "reason": "机构改革"})),
    page("POST", "/directory/units/reclassify", ADMIN, lambda o: Call(
        "/directory/units/reclassify", form={"unit": o.unit(), "unit_class": "A类",
                                             "reason": "职能调整"})),
    page("POST", "/directory/units/close", ADMIN, lambda o: Call(
        "/directory/units/close", form={"unit": o.unit(), "closed_on": "2025-06-01",
                                        "successor": "u1", "reason": "机构改革"})),
    page("POST", "/directory/officers", ADMIN, lambda o: Call("/directory/officers", form={
        "code": o.fresh("po"), "name": "网页登记", "unit": "u1",
        "enrolled_on": "2025-01-01"})),
    page("POST", "/directory/officers/transfer", ADMIN, lambda o: Call(
        "/directory/officers/transfer", form={"officer": o.officer(), "to_unit": "u2",
                                              "effective_on": "2025-06-01"})),
    page("POST", "/directory/officers/leave", ADMIN, lambda o: Call(
        "/directory/officers/leave", form={"officer": o.officer(), "left_on": "2025-06-01"})),
    page("POST", "/directory/accounts", ADMIN, lambda o: Call("/directory/accounts", form={
        "username": o.fresh("pa"), "display_name": "网页账号", "roles": "leader"})),
    page("POST", "/directory/accounts/grant", ADMIN, lambda o: Call(
        "/directory/accounts/grant", form={"username": o.account(), "role": "auditor"})),
    page("POST", "/directory/accounts/revoke", ADMIN, lambda o: Call(
        "/directory/accounts/revoke", form={"username": o.account(("leader", "auditor")),
                                            "role": "leader", "reason": "岗位调整"})),
    page("POST", "/directory/accounts/password", ADMIN, lambda o: Call(
        "/directory/accounts/password", form={"username": o.account(),
                                              "password": "a-long-new-password"})),
    page("POST", "/directory/accounts/close", ADMIN, lambda o: Call(
        "/directory/accounts/close", form={"username": o.account(), "reason": "调离"})),
    page("GET", "/submissions", EVERYONE, lambda o: Call("/submissions")),
    page("GET", "/submissions/new", frozenset({"officer", "officer_other"}),
         lambda o: Call("/submissions/new")),
    page("POST", "/submissions", OFFICER, lambda o: Call("/submissions", form={
        "title": f"{o.fresh('网页稿件')}：春耕生产情况", "channel": "info",
        "category": "new_measure", "authors": "o1", "event_date": "2025-05-01"})),
    page("GET", "/submissions/{submission_id}", UNIT_U1,
         lambda o: Call(f"/submissions/{o.history.item_c}")),
    page("GET", "/submissions/{submission_id}/edit", OFFICER,
         lambda o: Call(f"/submissions/{o.draft()}/edit")),
    page("POST", "/submissions/{submission_id}/revise", OFFICER, on_item("draft", "/revise", {
        "title": "修改后的标题", "category": "other", "authors": "o1",
        "event_date": "2025-05-01"})),
    page("POST", "/submissions/{submission_id}/submit", OFFICER,
         on_item("draft", "/submit", {"submitted_on": "2025-05-02"})),
    page("POST", "/submissions/{submission_id}/withdraw", OFFICER,
         on_item("draft", "/withdraw", {"reason": "内容重复"})),
    page("POST", "/submissions/{submission_id}/appeal", OFFICER, on_item(
        "adopted", "/appeal", {"reason": "省级采用漏记", "filed_on": "2025-05-10"})),
    page("POST", "/submissions/{submission_id}/appeals/{number}/decision", EDITOR, on_item(
        "appealed", "/appeals/1/decision", {"decision": "dismissed", "decided_on": "2025-05-12",
                                            "reason": "经核实无误"})),
    page("GET", "/approvals", APPROVERS, lambda o: Call("/approvals")),
    page("POST", "/submissions/{submission_id}/approve", frozenset({"approver"}),
         on_item("submitted", "/approve")),
    page("POST", "/submissions/{submission_id}/return", frozenset({"approver"}),
         on_item("submitted", "/return", {"reason": "请补充数据"})),
    page("GET", "/adoptions", EVERYONE, lambda o: Call("/adoptions")),
    page("POST", "/adoptions", EDITOR, lambda o: Call("/adoptions", form={
        "submission_id": o.approved(), "outlet": "prov", "form": "full",
        "adopted_on": "2025-05-05"})),
    page("POST", "/submissions/{submission_id}/adopt", EDITOR, on_item(
        "approved", "/adopt", {"outlet": "prov", "form": "full", "adopted_on": "2025-05-05"})),
    page("POST", "/submissions/{submission_id}/send", EDITOR, on_item(
        "approved", "/send", {"outlet": "prov", "route": "forwarded",
                              "sent_on": "2025-05-04"})),
    page("POST", "/submissions/{submission_id}/decline", EDITOR, on_item(
        "approved", "/decline", {"outlet": "prov", "declined_on": "2025-05-05"})),
    page("POST", "/submissions/{submission_id}/retract", EDITOR, on_item(
        "adopted", "/retract", {"outlet": "city", "reason": "来函更正"})),
    page("POST", "/submissions/{submission_id}/instruction", EDITOR, on_item(
        "approved", "/instruction", {"leader_level": "city", "leader": "市长",
                                     "instructed_on": "2025-05-06"})),
    page("POST", "/submissions/{submission_id}/feedback", EDITOR, on_item(
        "instructed", "/feedback", {"instruction": "1", "fed_back_on": "2025-05-20",
                                    "text": "已组织学习落实"})),
    page("GET", "/commissions", EVERYONE, lambda o: Call("/commissions")),
    page("POST", "/commissions", EDITOR, lambda o: Call("/commissions", form={
        "topic": f"{o.fresh('约稿')}：防汛工作进展", "units": "u1", "issued_on": "2025-06-01",
        "deadline": "2025-06-30"})),
    page("POST", "/commissions/lapses", EDITOR, lambda o: Call("/commissions/lapses")),
    page("GET", "/rankings", READERS, lambda o: Call("/rankings", params=REPORT)),
    page("GET", "/quota", READERS, lambda o: Call("/quota", params={**REPORT, "by": "unit"})),
    page("GET", "/targets", READERS, lambda o: Call("/targets", params={"year": "2025"})),
    page("POST", "/targets", ADMIN, lambda o: Call("/targets", form={
        "holder_kind": "unit", "holder": o.unit(), "year": "2025", "items": "12"})),
    page("POST", "/targets/adjust", ADMIN, lambda o: Call(
        "/targets/adjust", form={"holder_kind": "unit", "holder": o.target(), "year": "2025",
                                 "items": "10", "reason": "岗位调整"})),
    page("GET", "/findings", READERS, lambda o: Call("/findings", params={"period": "2025"})),
    page("POST", "/findings", ADMIN, lambda o: Call("/findings", form={
        "kind": "missed", "holder_kind": "officer", "holder": "o2", "found_on": "2025-06-10",
        "reason": "漏报突发事件"})),
    page("POST", "/findings/{finding_id}/withdraw", ADMIN, lambda o: Call(
        f"/findings/{o.finding()}/withdraw", form={"reason": "复核后撤销"})),
    page("GET", "/ledger", READERS, lambda o: Call("/ledger", params=REPORT)),
    page("GET", "/imports", ADMIN, lambda o: Call("/imports")),
    page("GET", "/imports/runs/{run_id}", ADMIN, lambda o: Call(
        f"/imports/runs/{o.import_run()}")),
    page("POST", "/imports/runs/{run_id}/import", ADMIN, lambda o: Call(
        f"/imports/runs/{o.checked_run()}/import")),
    page("GET", "/imports/ledgers.xlsx", ADMIN | {"auditor"}, lambda o: Call(
        "/imports/ledgers.xlsx", params={"as_of": "2025-06-30"})),
    page("POST", "/imports", ADMIN, lambda o: Call("/imports", files=[("files", (
        "units.csv", f"unit_id,name,class\n{o.fresh('iu')},导入单位,B类\n".encode(),
        "text/csv"))])),
    page("GET", "/appeals", EVERYONE, lambda o: Call("/appeals")),
    page("GET", "/changes", READERS, lambda o: Call("/changes", params={
        "period": "2025-Q1", "before": "2025-03-31"})),
    page("GET", "/methods", EVERYONE, lambda o: Call("/methods")),
    page("GET", "/methods/{code}", EVERYONE, lambda o: Call("/methods/office-2025")),
    page("POST", "/methods", ADMIN, lambda o: Call("/methods", form={
        "source": o.method_source()[1]})),
    page("POST", "/methods/what-if", READERS, lambda o: Call("/methods/what-if", form={
        "period": "2025", "source": o.method_source()[1]})),
    page("POST", "/methods/{code}/reschedule", ADMIN, lambda o: Call(
        f"/methods/{o.method()}/reschedule", form={"effective_from": "2039-07-01",
                                                   "reason": "推迟施行"})),
    page("POST", "/methods/{code}/withdraw", ADMIN, lambda o: Call(
        f"/methods/{o.method()}/withdraw", form={"reason": "停止试行"})),
    page("GET", "/explain", UNIT_U1, lambda o: Call("/explain", params={
        "officer": "o1", "period": "2025"})),
    page("GET", "/exports", READERS, lambda o: Call("/exports", params=REPORT)),
    page("GET", "/bulletins", EVERYONE, lambda o: Call("/bulletins", params={"year": "2025"})),
    page("GET", "/bulletins/{period}", EVERYONE, lambda o: Call(
        "/bulletins/2025-Q1", params={"as_of": "2025-04-30"})),
    page("GET", "/bulletins/{period}/published", EVERYONE,
         lambda o: Call("/bulletins/2025-02/published")),
    page("POST", "/bulletins/{period}/publish", EDITOR, lambda o: Call(
        f"/bulletins/{unpublished_month(o)}/publish", form={"confirm": "yes"})),
    page("GET", "/audit", AUDIT, lambda o: Call("/audit", params={"item": "A-2025-01"})),
    page("GET", "/integrity", ADMIN | {"auditor"}, lambda o: Call(
        "/integrity", params={"check": "latest"})),
]
