"""Refusals in the page's language: every refusal the source words has a template the
catalogue translates, the most specific template wins, and a refused page says why in
Simplified Chinese by default (English on request), naming the field either way."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from api import i18n
from api.refusals import TEMPLATES, localized
from tests.api_office import BACKENDS, Office, module_office
from tests.refusal_texts import source_templates

PLACEHOLDER = re.compile(r"%\(v\d+\)s")
HAN = re.compile(r"[\u4e00-\u9fff]")


def test_every_refusal_worded_in_the_source_has_a_template() -> None:
    missing = {text: where for text, where in source_templates().items()
               if text not in TEMPLATES}
    assert missing == {}, "add these to api/refusals.py and translate them"


def test_every_template_is_translated_into_chinese_with_the_same_values() -> None:
    with i18n.speaking("zh_CN"):
        for template in TEMPLATES:
            translated = i18n.gettext(template)
            assert HAN.search(translated), template
            assert sorted(PLACEHOLDER.findall(translated)) == sorted(
                PLACEHOLDER.findall(template)), template


@pytest.mark.parametrize(("message", "chinese"), [
    ("no unit u9", "没有单位 u9"),  # not the generic "no %(v0)s %(v1)s"
    ("no outlet X9", "没有采用单位 X9"),  # the generic one
    ("no appeal number 2 on this item", "本稿件没有第 2 号申诉"),
    ("2099-01-01 is in the future (today is 2026-12-07)",
     "2099-01-01 是将来的日期（今天是 2026-12-07）"),
    ("a message no template words", "a message no template words"),
])
def test_the_most_specific_template_translates_a_message(message: str, chinese: str) -> None:
    with i18n.speaking("zh_CN"):
        assert localized(message) == chinese
    with i18n.speaking("en"):
        assert localized(message) == message


@pytest.mark.parametrize(("message", "chinese"), [
    ("cannot approve an item that is withdrawn", "稿件状态为“已撤回”，不能签发"),
    ("an item that is draft cannot be adopted", "稿件状态为“草稿”，不能登记采用"),
    ("a publicity outlet cannot take a info item", "采用单位只收“宣传稿件”，不能采用“政务信息”"),
    ("o01 may not approve (needs one of: approver)",
     "o01 无权签发稿件（需要以下角色之一：单位审核人）"),
    ("editor may not set_target (needs one of: administrator)",
     "editor 无权下达目标（需要以下角色之一：管理员）"),
    ("no commission C9", "没有约稿 C9"),
    ("unit u1 is already in the store", "单位 u1 已在系统中"),
    ("submission S-1 is also on line 4", "稿件 S-1 在第 4 行也出现了"),
    ("no methodbook X1 in methods.csv", "methods.csv 中没有计分办法 X1"),
    ("must be one of: full, merged, excerpt", "须为以下之一：全文采用、综合采用、摘要采用"),
    ("must be one of: full, merged, nonsense", "须为以下之一：full, merged, nonsense"),
    ("no gadget G1", "没有gadget G1"),  # a kind no table names stays as the message gives it
])
def test_a_translated_refusal_names_its_codes_in_the_pages_words(message: str,
                                                                 chinese: str) -> None:
    with i18n.speaking("zh_CN"):
        assert localized(message) == chinese
    with i18n.speaking("en"):
        assert localized(message) == message  # the English source keeps its codes


def test_every_policy_action_has_a_shown_name() -> None:
    from api.pages.labels import TABLES
    from api.policy import ACTIONS

    assert set(ACTIONS) == set(TABLES["action"])


@pytest.fixture(scope="module", params=BACKENDS)
def office(request: pytest.FixtureRequest,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[Office]:
    yield from module_office(request, tmp_path_factory.mktemp("refusals"), "refusals")


def test_a_refused_page_says_why_in_the_pages_language(office: Office) -> None:
    leader = office.page_client("leader")
    refused = leader.get("/rankings", params={"period": "2025", "as_of": "2025-02-30"})
    assert refused.status_code == 422
    assert 'id="error-field">as_of<' in refused.text
    assert "须为日期，写作 YYYY-MM-DD" in refused.text
    english = leader.get("/rankings", params={"period": "2025", "as_of": "2025-02-30",
                                              "lang": "en"})
    assert "must be a date written YYYY-MM-DD" in english.text
    leader.get("/", params={"lang": "zh_CN"})  # back to Chinese for the module's other tests


def test_the_json_api_answers_in_the_language_accept_language_asks_for(office: Office) -> None:
    before = office.events()
    path, body = "/api/v1/units/u1/reclassify", {"unit_class": "A类", "reason": "重复"}
    english = office.client.post(path, json=body, headers=office.auth("administrator"))
    chinese = office.client.post(path, json=body, headers={
        **office.auth("administrator"), "Accept-Language": "en;q=0.5, zh-CN, fr;q=0.9"})
    assert english.status_code == chinese.status_code == 422
    assert english.json() == {"error": "InvalidInputError", "field": "unit_class",
                              "message": "the unit is of class A类 already"}
    assert chinese.json() == {**english.json(), "message": "该单位已是A类，无需变更"}
    assert (english.headers["content-language"], chinese.headers["content-language"]) == (
        "en", "zh-CN")
    assert office.events() == before


@pytest.mark.parametrize(("header", "language"), [
    ("", "en"), ("zh-CN", "zh_CN"), ("zh", "zh_CN"), ("zh-Hans-CN,en;q=0.8", "zh_CN"),
    ("en-GB,zh;q=0.9", "en"), ("fr, de;q=0.9", "en"), ("zh;q=0, en;q=0.1", "en"),
    ("zh;q=abc, en", "en"), ("fr,zh-TW;q=0.5", "zh_CN"),
])
def test_accept_language_is_read_by_its_weights(header: str, language: str) -> None:
    from starlette.requests import Request

    request = Request({"type": "http", "headers": [(b"accept-language", header.encode())]})
    assert i18n.accepted(request) == language
