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


PAGE_CASES: list[Case] = [
    page("GET", "/", EVERYONE, lambda o: Call("/")),
    page("GET", "/reminders", READERS, lambda o: Call("/reminders",
                                                      params={"as_of": "2025-05-20"})),
]
