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
    ("no commission C9", "没有 commission C9"),  # the generic one
    ("no appeal number 2 on this item", "本稿件没有第 2 号申诉"),
    ("2099-01-01 is in the future (today is 2026-12-07)",
     "2099-01-01 是将来的日期（今天是 2026-12-07）"),
    ("must be one of: full, merged, excerpt", "须为以下之一：full, merged, excerpt"),
    ("a message no template words", "a message no template words"),
])
def test_the_most_specific_template_translates_a_message(message: str, chinese: str) -> None:
    with i18n.speaking("zh_CN"):
        assert localized(message) == chinese
    with i18n.speaking("en"):
        assert localized(message) == message


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
