"""What several pages share: the score reports, the as-of and period inputs, the unit a
principal is held to, the form fields of a write, and the redirect after it."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Form
from fastapi.responses import RedirectResponse

from api.deps import check_csrf
from api.policy import Principal
from api.services import Services
from domain import inputs
from domain.period import Period
from projections.scores import ScoreReports

#: A form's POST checks the session's CSRF token first.
CSRF = [Depends(check_csrf)]
#: A form field (blank when left out: the command names it if it must not be).
Field = Annotated[str, Form()]
#: The form's idempotency key (``_macros.html``'s ``command``).
Key = Annotated[str | None, Form()]


def score_reports(services: Services) -> ScoreReports:
    """The score reports over the ledger, brought up to date with the log."""
    return ScoreReports(services.view("ledger"), services.tally.zone)


def as_of_day(value: str | None) -> str | None:
    """A valid as-of date (``YYYY-MM-DD``), or None for "as known now"; 422 names ``as_of``."""
    if not value:
        return None
    return inputs.day("as_of", value).isoformat()


def period_label(value: str | None, default: str) -> str:
    """A valid period label (2025, 2025-H1, 2025-Q3, 2025-07); 422 names ``period``."""
    return Period.parse(value or default).label


def latest_year(services: Services, as_of: str | None = None) -> str:
    """The year to show by default: the as-of date's, or the latest item's, or this year."""
    if as_of:
        return as_of[:4]
    latest = services.view("catalog").submissions(limit=1)
    if latest:
        return str(latest[0]["submitted_on"] or latest[0]["event_date"])[:4]
    return str(services.tally.today().year)


def unit_scope(principal: Principal) -> str | None:
    """The unit id an officer or approver is held to; None for those who see every unit."""
    return None if principal.sees_whole_office else (principal.unit_id or "-")


def today(services: Services) -> date:
    return services.tally.today()  # type: ignore[no-any-return]


def back_to(path: str, **query: Any) -> RedirectResponse:
    """After a POST: to the page that shows the result (303, so the browser GETs it)."""
    params = "&".join(f"{key}={quote(str(value))}" for key, value in query.items()
                      if value is not None)
    return RedirectResponse(path + (f"?{params}" if params else ""), status_code=303)
