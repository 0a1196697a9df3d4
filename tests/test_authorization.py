"""Every route, every role: allowed calls succeed, refused ones answer 403 and record nothing.

The cases below (API) and in ``tests/authz_pages.py`` (pages) name, for each route, a valid
request and the roles that may call it. A route of the application without a case fails the
walk, so a new route cannot ship without saying who may call it. The office is built once per
backend; a call that changes state gets fresh inputs for every allowed role."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from api.web import create_app
from tests.api_office import BACKENDS, PASSWORD, ROLES, SESSION, Call, Office, module_office
from tests.authz_pages import EVERYONE, PAGE_CASES, READERS, Case

OFFICER = frozenset({"officer"})
APPROVER = frozenset({"approver"})
EDITOR = frozenset({"editor"})
ADMINISTRATOR = frozenset({"administrator"})
#: A u1 item, or o1's points: the officer, their approver, and the whole-office readers.
UNIT_U1 = EVERYONE - {"officer_other", "approver_other"}
AUDIT = frozenset({"editor", "administrator", "auditor", "leader"})
ACCOUNT_READERS = frozenset({"administrator", "auditor"})

#: Routes anyone may call: the API's documents, the health check, logging in and out.
UNGUARDED = ("/api/v1/openapi.json", "/healthz", "/login", "/logout")
V1 = "/api/v1"


def api(method: str, route: str, allowed: frozenset[str], call: Callable[[Office], Call], *,
        public: bool = False) -> Case:
    return Case(method, V1 + route, allowed, call, public=public)


def item_call(build: str, action: str,
              body: dict[str, object] | None = None) -> Callable[[Office], Call]:
    """A call on a fresh item at a stage (``Office.draft``, ``submitted``, ...)."""
    def call(o: Office) -> Call:
        item = getattr(o, build)()
        return Call(f"{V1}/submissions/{item}{action}", json=body or {})
    return call


REPORT = {"period": "2025", "as_of": "2025-12-31"}

API_CASES: list[Case] = [
    # tokens
    api("POST", "/tokens", EVERYONE, lambda o: Call(
        f"{V1}/tokens", json={"username": "auditor", "password": PASSWORD}), public=True),
    api("GET", "/me", EVERYONE, lambda o: Call(f"{V1}/me")),
    # units, officers, outlets
    api("POST", "/units", ADMINISTRATOR, lambda o: Call(f"{V1}/units", json={
        "code": o.fresh("nu"), "name": "新设单位", "unit_class": "B类",
        "registered_on": "2025-01-01"})),
    api("POST", "/units/{code}/rename", ADMINISTRATOR, lambda o: Call(
        f"{V1}/units/{o.unit()}/rename", json={"name": "更名单位", "effective_on": "2025-07-01",
                                               "reason": "机构改革"})),
    api("POST", "/units/{code}/reclassify", ADMINISTRATOR, lambda o: Call(
        f"{V1}/units/{o.unit()}/reclassify", json={"unit_class": "A类", "reason": "职能调整"})),
    api("POST", "/units/{code}/close", ADMINISTRATOR, lambda o: Call(
        f"{V1}/units/{o.unit()}/close", json={"closed_on": "2025-06-01", "reason": "撤并"})),
    api("GET", "/units", EVERYONE, lambda o: Call(f"{V1}/units")),
    api("POST", "/officers", ADMINISTRATOR, lambda o: Call(f"{V1}/officers", json={
        "code": o.fresh("no"), "name": "陈晨", "unit": "u1", "enrolled_on": "2025-01-01"})),
    api("POST", "/officers/{code}/transfer", ADMINISTRATOR, lambda o: Call(
        f"{V1}/officers/{o.officer()}/transfer",
        json={"to_unit": "u2", "effective_on": "2025-06-01", "reason": "工作调动"})),
    api("POST", "/officers/{code}/leave", ADMINISTRATOR, lambda o: Call(
        f"{V1}/officers/{o.officer()}/leave", json={"left_on": "2025-08-01", "reason": "退休"})),
    api("GET", "/officers", EVERYONE, lambda o: Call(f"{V1}/officers")),
    api("POST", "/outlets/{code}/rename", ADMINISTRATOR, lambda o: Call(
        f"{V1}/outlets/city/rename", json={"name": o.fresh("市委办公室"), "reason": "更名"})),
    api("POST", "/outlets", ADMINISTRATOR, lambda o: Call(f"{V1}/outlets", json={
        "code": o.fresh("out"), "name": "县融媒体中心", "channel": "publicity",
        "level": "county"})),
    api("GET", "/outlets", EVERYONE, lambda o: Call(f"{V1}/outlets")),
    # accounts
    api("POST", "/accounts", ADMINISTRATOR, lambda o: Call(f"{V1}/accounts", json={
        "username": o.fresh("new"), "display_name": "新用户", "roles": ["leader"]})),
    api("POST", "/accounts/{username}/roles", ADMINISTRATOR, lambda o: Call(
        f"{V1}/accounts/{o.account()}/roles", json={"role": "auditor"})),
    api("POST", "/accounts/{username}/roles/{role}/revoke", ADMINISTRATOR, lambda o: Call(
        f"{V1}/accounts/{o.account(('leader', 'auditor'))}/roles/auditor/revoke",
        json={"reason": "岗位调整"})),
    api("PUT", "/accounts/{username}/password", ADMINISTRATOR, lambda o: Call(
        f"{V1}/accounts/{o.account()}/password", json={"password": "a new long secret"})),
    api("GET", "/accounts/{username}", ACCOUNT_READERS, lambda o: Call(
        f"{V1}/accounts/editor")),
    api("GET", "/accounts", ACCOUNT_READERS, lambda o: Call(f"{V1}/accounts")),
    api("POST", "/accounts/{username}/close", ADMINISTRATOR, lambda o: Call(
        f"{V1}/accounts/{o.account()}/close", json={"reason": "调离"})),
    # items
    api("POST", "/submissions", OFFICER, lambda o: Call(f"{V1}/submissions", json={
        "title": f"{o.fresh('稿件')}：春耕生产情况", "channel": "info",
        "category": "new_measure", "authors": [{"officer": "o1"}],
        "event_date": "2025-05-01"})),
    api("PUT", "/submissions/{submission_id}", OFFICER, item_call("draft", "", {
        "title": "修改后的标题", "category": "other", "authors": [{"officer": "o1"}],
        "event_date": "2025-05-01"})),
    api("POST", "/submissions/{submission_id}/submit", OFFICER,
        item_call("draft", "/submit", {"submitted_on": "2025-05-02"})),
    api("POST", "/submissions/{submission_id}/withdraw", OFFICER,
        item_call("draft", "/withdraw", {"reason": "内容重复"})),
    api("POST", "/submissions/{submission_id}/approve", APPROVER,
        item_call("submitted", "/approve", {"approved_at": "2025-05-03T10:00:00+08:00"})),
    api("POST", "/submissions/{submission_id}/return", APPROVER,
        item_call("submitted", "/return", {"reason": "请补充数据"})),
    api("POST", "/submissions/{submission_id}/outlets", EDITOR, item_call(
        "approved", "/outlets", {"outlet": "prov", "route": "forwarded",
                                 "sent_on": "2025-05-04"})),
    api("POST", "/submissions/{submission_id}/adoptions", EDITOR, item_call(
        "approved", "/adoptions", {"outlet": "prov", "form": "full",
                                   "adopted_on": "2025-05-05"})),
    api("POST", "/submissions/{submission_id}/declines", EDITOR, item_call(
        "approved", "/declines", {"outlet": "prov", "declined_on": "2025-05-05"})),
    api("POST", "/submissions/{submission_id}/retractions", EDITOR, item_call(
        "adopted", "/retractions", {"outlet": "city", "reason": "来函更正"})),
    api("POST", "/submissions/{submission_id}/instructions", EDITOR, item_call(
        "approved", "/instructions", {"leader_level": "city", "leader": "市长",
                                      "instructed_on": "2025-05-06"})),
    api("POST", "/submissions/{submission_id}/instructions/{number}/feedback", EDITOR,
        item_call("instructed", "/instructions/1/feedback", {
            "fed_back_on": "2025-05-20", "text": "已组织学习落实"})),
    api("POST", "/submissions/{submission_id}/appeals", OFFICER, item_call(
        "adopted", "/appeals", {"filed_on": "2025-05-10", "reason": "级别认定有误"})),
    api("POST", "/submissions/{submission_id}/appeals/{number}/decision", EDITOR,
        item_call("appealed", "/appeals/1/decision", {
            "upheld": False, "decided_on": "2025-05-15", "reason": "经核实计分无误"})),
    api("GET", "/submissions", EVERYONE, lambda o: Call(f"{V1}/submissions")),
    api("GET", "/submissions/{submission_id}", UNIT_U1, lambda o: Call(
        f"{V1}/submissions/{o.history.item_c}")),
    # commissions, targets, methods, findings
    api("POST", "/commissions", EDITOR, lambda o: Call(f"{V1}/commissions", json={
        "topic": "秋粮收购情况", "units": ["u1", "u2"], "issued_on": "2025-09-01",
        "deadline": "2025-09-30"})),
    api("POST", "/commissions/{commission_id}/lapses", EDITOR, lambda o: Call(
        f"{V1}/commissions/{o.commission()}/lapses",
        json={"unit": "u1", "lapsed_on": "2025-07-01"})),
    api("POST", "/targets", ADMINISTRATOR, lambda o: Call(f"{V1}/targets", json={
        "holder_kind": "unit", "holder": o.unit(), "year": 2025, "items": 12})),
    api("POST", "/targets/{holder_kind}/{holder}/{year}/adjust", ADMINISTRATOR,
        lambda o: Call(f"{V1}/targets/unit/{o.target()}/2025/adjust",
                       json={"items": 24, "reason": "任务调整"})),
    api("POST", "/methods", ADMINISTRATOR, lambda o: Call(
        f"{V1}/methods", json={"source": o.method_source()[1]})),
    api("POST", "/methods/{code}/reschedule", ADMINISTRATOR, lambda o: Call(
        f"{V1}/methods/{o.method()}/reschedule",
        json={"effective_from": o.method_source()[1].split("effective_from = ")[1][:10],
              "reason": "推迟施行"})),
    api("POST", "/methods/{code}/withdraw", ADMINISTRATOR, lambda o: Call(
        f"{V1}/methods/{o.method()}/withdraw", json={"reason": "停止试行"})),
    api("GET", "/methods", EVERYONE, lambda o: Call(f"{V1}/methods")),
    api("GET", "/targets", READERS, lambda o: Call(f"{V1}/targets", params={"year": 2025})),
    api("GET", "/findings", READERS, lambda o: Call(f"{V1}/findings",
                                                   params={"period": "2025"})),
    api("POST", "/findings", ADMINISTRATOR, lambda o: Call(f"{V1}/findings", json={
        "kind": "missed", "holder_kind": "unit", "holder": "u2", "found_on": "2025-06-10",
        "reason": "漏报突发事件"})),
    api("POST", "/findings/{finding_id}/withdraw", ADMINISTRATOR, lambda o: Call(
        f"{V1}/findings/{o.finding()}/withdraw", json={"reason": "经复核撤销"})),
    # periods
    api("POST", "/periods/{period}/close", EDITOR, lambda o: Call(
        f"{V1}/periods/2025-01/close", json={})),
    api("GET", "/periods/{period}/bulletin", EVERYONE, lambda o: Call(
        f"{V1}/periods/2025-02/bulletin")),
    api("GET", "/periods/{period}/bulletin/reissue", EDITOR, lambda o: Call(
        f"{V1}/periods/2025-02/bulletin/reissue")),
    api("GET", "/periods/{period}/rewards", EVERYONE, lambda o: Call(
        f"{V1}/periods/2025-02/rewards")),
    api("GET", "/periods/{year}/honours", EVERYONE, lambda o: Call(
        f"{V1}/periods/2025/honours")),
    api("POST", "/periods/{year}/honours/fill", EDITOR, lambda o: Call(
        f"{V1}/periods/{o.closed_year()}/honours/fill", json={"reason": "经研究决定递补"})),
    # reports
    api("GET", "/reports/ranking", READERS, lambda o: Call(f"{V1}/reports/ranking",
                                                           params=REPORT)),
    api("GET", "/reports/bulletin", READERS, lambda o: Call(
        f"{V1}/reports/bulletin", params={"period": "2025-Q1"})),
    api("GET", "/reports/quota", READERS, lambda o: Call(
        f"{V1}/reports/quota", params={**REPORT, "by": "unit"})),
    api("GET", "/reports/ledger", READERS, lambda o: Call(f"{V1}/reports/ledger",
                                                          params=REPORT)),
    api("GET", "/reports/diff", READERS, lambda o: Call(
        f"{V1}/reports/diff", params={"period": "2025", "before": "2025-03-31"})),
    api("POST", "/reports/what-if", READERS, lambda o: Call(
        f"{V1}/reports/what-if", json={"period": "2025-Q1", "source": o.method_source()[1]})),
    api("GET", "/reports/explain", UNIT_U1, lambda o: Call(
        f"{V1}/reports/explain", params={"officer": "o1", "period": "2025"})),
    api("GET", "/reports/audit", AUDIT, lambda o: Call(
        f"{V1}/reports/audit", params={"item": "A-2025-01"})),
    api("GET", "/reports/boards/submissions", EVERYONE, lambda o: Call(
        f"{V1}/reports/boards/submissions")),
    api("GET", "/reports/boards/commissions", READERS, lambda o: Call(
        f"{V1}/reports/boards/commissions")),
    api("GET", "/reports/boards/appeals", READERS, lambda o: Call(
        f"{V1}/reports/boards/appeals")),
    api("GET", "/reports/reminders", READERS, lambda o: Call(
        f"{V1}/reports/reminders", params={"as_of": "2025-05-20"})),
]

CASES: list[Case] = API_CASES + PAGE_CASES
CALLERS = (*ROLES, "anonymous")


@pytest.fixture(scope="module", params=BACKENDS)
def office(request: pytest.FixtureRequest,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[Office]:
    yield from module_office(request, tmp_path_factory.mktemp("authz"), "authz")


def declared_routes() -> set[str]:
    """Every (method, path) of ``app.routes`` that needs a say on who may call it; included
    routers are walked through (FastAPI may keep them as one entry each)."""
    app = create_app(services=_NoServices(), session=SESSION)  # type: ignore[arg-type]
    found = set()
    for route in flat_routes(app.routes):
        path, methods = getattr(route, "path", None), getattr(route, "methods", None)
        if path is None or not methods:  # mounts: static files
            continue
        if (path in UNGUARDED or path == app.swagger_ui_oauth2_redirect_url
                or path.startswith(("/api/v1/docs", "/static"))):
            continue
        found.update(f"{method} {path}" for method in methods if method != "HEAD")
    return found


def flat_routes(routes: list[Any]) -> list[Any]:
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # FastAPI before lazily included routers
        return routes
    return list(iter_route_contexts(routes))


class _NoServices:
    """Enough of ``Services`` to build the application and read its routes."""

    tally = None


def test_every_route_of_the_application_has_an_authorization_case() -> None:
    cases = {case.key for case in CASES}
    assert len(cases) == len(CASES), "two cases for one route"
    missing = sorted(declared_routes() - cases)
    assert missing == [], f"routes without an authorization case: {missing}"
    assert sorted(cases - declared_routes()) == [], "cases of routes that no longer exist"


def send(office: Office, case: Case, caller: str, call: Call) -> tuple[int, str]:
    if case.page:
        client = (office.anonymous_page_client() if caller == "anonymous"
                  else office.page_client(caller))
        data = None
        if case.method != "GET":
            data = {**(call.form or {}), "csrf_token": office.csrf(client)}
        response = client.request(case.method, call.url, params=call.params, data=data,
                                  files=call.files, follow_redirects=False)
    else:
        headers = {} if caller == "anonymous" else office.auth(caller)
        response = office.client.request(case.method, call.url, params=call.params,
                                         json=call.json, headers=headers)
    return response.status_code, response.text[:300]


REFUSED_CALLS: dict[tuple[int, str], Call] = {}


def refused_call(office: Office, case: Case) -> Call:
    """Refused calls change nothing, so every refused caller of a case shares one request."""
    key = (id(office), case.key)
    if key not in REFUSED_CALLS:
        REFUSED_CALLS[key] = case.call(office)
    return REFUSED_CALLS[key]


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.key)
@pytest.mark.parametrize("caller", CALLERS)
def test_each_role_may_call_only_the_routes_the_role_table_gives_it(
        office: Office, case: Case, caller: str) -> None:
    allowed = caller in case.allowed or case.public
    call = case.call(office) if allowed else refused_call(office, case)
    before = office.events()
    status, text = send(office, case, caller, call)
    if allowed:
        assert 200 <= status < 400, f"{caller} {case.key}: {status} {text}"
    elif caller == "anonymous":
        expected = (303,) if case.page else (401,)
        assert status in expected, f"{caller} {case.key}: {status} {text}"
        assert office.events() == before
    else:
        assert status == 403, f"{caller} {case.key}: {status} {text}"
        assert office.events() == before, f"{caller} {case.key} was refused but recorded"

