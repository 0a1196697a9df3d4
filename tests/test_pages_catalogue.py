"""The pages' translation catalogues: every string of the templates and page modules has its
Simplified Chinese, the catalogues hold what the sources say, and each compiled ``.mo`` file
says what its ``.po`` file says (they are committed, so nothing is built at install)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from api.i18n import LOCALE_DIR, speaking
from api.pages.labels import TABLES, label

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("zh_CN", "en")
PLACEHOLDER = re.compile(r"%\([a-z_0-9]+\)[sd]|%%")
HANZI = re.compile(r"[\u4e00-\u9fff]")


def catalogue(language: str, suffix: str = "po"):  # type: ignore[no-untyped-def]
    path = LOCALE_DIR / language / "LC_MESSAGES" / f"messages.{suffix}"
    with path.open("rb") as handle:
        return read_po(handle, locale=language) if suffix == "po" else read_mo(handle)


def source_messages() -> set[str | tuple[str, ...]]:
    """Every message the templates and page modules mark, as ``babel.cfg`` extracts them."""
    method_map = [("api/i18n.py", "python"), ("api/pages/**.py", "python"),
                  ("api/refusals.py", "python"), ("api/templates/**.html", "jinja2")]
    options = {"api/templates/**.html": {"extensions": "jinja2.ext.i18n",
                                         "trim_blocks": "True", "lstrip_blocks": "True"}}
    found: set[str | tuple[str, ...]] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options):
        found.add(message if isinstance(message, str) else tuple(message))
    return found


def frozen(value: object) -> object:
    return tuple(value) if isinstance(value, list | tuple) else value


def ids(language: str) -> dict[str | tuple[str, ...], object]:
    return {(m.id if isinstance(m.id, str) else tuple(m.id)): m.string
            for m in catalogue(language) if m.id}


def test_every_string_of_the_templates_and_pages_has_a_simplified_chinese_translation() -> None:
    sources = source_messages()
    assert len(sources) > 200
    chinese = ids("zh_CN")
    missing = sorted(str(m) for m in sources if m not in chinese)
    assert missing == [], "run pybabel extract and update (README: Pages and languages)"
    untranslated = sorted(str(m) for m in sources
                          if not all(chinese[m] if isinstance(chinese[m], tuple)
                                     else [chinese[m]]))
    assert untranslated == []
    not_chinese = sorted(str(m) for m in sources if isinstance(chinese[m], str)
                         and not HANZI.search(str(chinese[m])) and HANZI.search(str(m)) is None
                         and re.search(r"[a-z]{3}", PLACEHOLDER.sub("", str(m))))
    assert not_chinese == [], "a zh_CN translation without Chinese"
    stale = sorted(str(m) for m in chinese if m not in sources)
    assert stale == [], "messages no source uses any more"


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_translation_keeps_the_placeholders_of_its_source(language: str) -> None:
    for message in catalogue(language):
        if not message.id:
            continue
        source = message.id if isinstance(message.id, str) else message.id[0]
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in strings:
            assert sorted(PLACEHOLDER.findall(text)) == sorted(PLACEHOLDER.findall(source)), (
                language, source, text)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalogue_says_what_the_po_file_says(language: str) -> None:
    po = {frozen(m.id): frozen(m.string) for m in catalogue(language) if m.id}
    mo = {frozen(m.id): frozen(m.string) for m in catalogue(language, "mo") if m.id}
    assert mo == po, f"compile it: pybabel compile -d api/locale ({language})"


def test_every_label_the_pages_show_is_in_the_catalogue() -> None:
    chinese = ids("zh_CN")
    for table, labels in TABLES.items():
        for code, source in labels.items():
            assert source in chinese, (table, code)
            with speaking("zh_CN"):
                assert HANZI.search(label(table, code)), (table, code)
            with speaking("en"):
                assert label(table, code) == source
    with speaking("zh_CN"):
        assert label("status", "submitted") == "待审核"
        assert label("channel", "unknown-code") == "unknown-code"
