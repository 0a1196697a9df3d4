"""Languages of the web pages: Simplified Chinese by default, English by choice.

Source strings are English, in templates and in Python (marked with ``N_`` where they are only
looked up later); the Chinese is in the zh_CN catalogue (``api/locale``), compiled to ``.mo``
and committed, so nothing is built at install. The chosen language is kept in a cookie; a page
asked for with ``?lang=en`` or ``?lang=zh_CN`` switches it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path

from babel.support import NullTranslations, Translations
from starlette.requests import Request

LOCALE_DIR = Path(__file__).parent / "locale"
DEFAULT = "zh_CN"
#: Each language by its own name, as the switch shows it.
LANGUAGES = {"zh_CN": "简体中文", "en": "English"}
HTML_LANG = {"zh_CN": "zh-CN", "en": "en"}
COOKIE = "tally_lang"
COOKIE_MAX_AGE = 365 * 24 * 3600
ALIASES = {"zh": "zh_CN", "zh-cn": "zh_CN", "zh_cn": "zh_CN", "en": "en", "en-us": "en",
           "en_us": "en", "en-gb": "en"}

_language: ContextVar[str] = ContextVar("tally_language", default=DEFAULT)


def N_(message: str) -> str:  # noqa: N802 (the gettext convention)
    """Marks a string for the catalogue; it is translated where it is shown."""
    return message


def known(code: str | None) -> str | None:
    """The catalogue's name of a language code (``en``, ``zh-CN``…), or None if unknown."""
    return ALIASES.get(code.strip().lower()) if code else None


def accepted(request: Request, default: str = "en") -> str:
    """The language of the request's ``Accept-Language`` the catalogue has, by the weights it
    gives (``zh-CN,zh;q=0.9,en;q=0.8``), else ``default``: the JSON API answers in English
    unless asked otherwise. A Chinese variant is answered in Simplified Chinese."""
    ranked = []
    for order, part in enumerate(request.headers.get("accept-language", "").split(",")):
        code, _, parameters = part.strip().partition(";")
        weight = 1.0
        name, _, value = parameters.strip().partition("=")
        if name.strip() == "q":
            try:
                weight = float(value)
            except ValueError:
                weight = 0.0
        if code.strip() and weight > 0:
            ranked.append((-weight, order, code.strip()))
    for _, _, code in sorted(ranked):
        found = known(code) or known(code.split("-")[0])
        if found:
            return found
    return default


def requested(request: Request) -> str | None:
    """The language the request asks to switch to (``?lang=``), if any."""
    return known(request.query_params.get("lang"))


def chosen(request: Request) -> str:
    """The request's language: the switch, else the cookie, else Simplified Chinese."""
    return requested(request) or known(request.cookies.get(COOKIE)) or DEFAULT


@cache
def translations(language: str) -> NullTranslations:
    return Translations.load(str(LOCALE_DIR), [language], domain="messages")


@contextmanager
def speaking(language: str) -> Iterator[None]:
    """Translate into ``language`` while the block runs (rendering a page, say)."""
    token = _language.set(language)
    try:
        yield
    finally:
        _language.reset(token)


def current() -> str:
    return _language.get()


def gettext(message: str) -> str:
    return translations(_language.get()).ugettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(_language.get()).ungettext(singular, plural, n)
