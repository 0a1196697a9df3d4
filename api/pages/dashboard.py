"""The dashboard (charts of a year as known at any moment) and the directory."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api import i18n, reports
from api.deps import PagePrincipal, ServicesDep
from api.i18n import gettext
from api.pages.charts import horizontal_bars, line_points, stacked_columns
from api.pages.common import as_of_day, latest_year, score_reports
from api.pages.labels import label
from api.pages.rendering import render
from api.policy import allow, can
from domain import inputs
from domain.values import Level
from projections.bulletin_items import adoptions
from projections.quota import StandingsAt, month_period, year_to_date
from projections.scores import ScoreReports

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request, principal: PagePrincipal, services: ServicesDep,
              as_of: str | None = None, year: str | None = None) -> Response:
    """Monthly adoptions by level, the points trend and quota completion, as of a day."""
    if not can(principal, "read_dashboard") and can(principal, "read_items"):
        return RedirectResponse("/submissions", status_code=303)  # an officer's desk
    allow(principal, "read_dashboard")
    day = as_of_day(as_of)
    shown_year = str(inputs.whole("year", year or latest_year(services, day), minimum=2000,
                                  maximum=2100))
    score = score_reports(services)
    through = last_month(int(shown_year), day, services.tally.today())
    monthly = monthly_figures(score, int(shown_year), through, day)
    quota = reports.quota(score, shown_year, "unit", day).document
    with i18n.speaking(i18n.chosen(request)):  # the charts' words are drawn here
        month_names = [gettext("M%(month)s") % {"month": m} for m in range(1, through + 1)]
        levels = [label("level", level) for level in Level]
    return render(request, "dashboard.html", {
        "user": principal, "as_of": day, "year": shown_year, "through": through,
        "counts": services.view("catalog").counts(), "monthly": monthly, "quota": quota,
        "pending_appeals": (services.view("boards").pending_appeals()
                            if can(principal, "decide_appeal") else 0),
        "levels": list(Level),
        "adoption_chart": stacked_columns(month_names, [
            (levels[n], [m["by_level"][level.value] for m in monthly])
            for n, level in enumerate(Level)]),
        "points_chart": line_points(month_names, [m["ytd_points"] for m in monthly]),
        "quota_chart": horizontal_bars(
            [h["name"] for h in quota["holders"]],
            [Decimal(h["completion"]) if h["completion"] is not None else None
             for h in quota["holders"]]),
    })


def last_month(year: int, as_of: str | None, today: date) -> int:
    """The last month of ``year`` to chart: up to the as-of day (or today) if within it."""
    moment = date.fromisoformat(as_of) if as_of else today
    if moment.year > year:
        return 12
    return moment.month if moment.year == year else 1


def monthly_figures(score: ScoreReports, year: int, through: int,
                    as_of: str | None) -> list[dict[str, Any]]:
    """Each month's adoptions by level (an adoption once, however many authors share it) and
    the office's points from January to the month's end (all units' standings)."""
    at = StandingsAt(score, as_of)
    figures = []
    for month in range(1, through + 1):
        span = month_period(year, month)
        found = [group[0] for group in adoptions(at.lines(span)).values()]
        by_level = {level.value: sum(1 for line in found if line.level is level)
                    for level in Level}
        ytd = sum((s.points for s in at.of(year_to_date(span), "unit")), Decimal(0))
        figures.append({"month": month, "by_level": by_level, "adoptions": len(found),
                        "ytd_points": ytd.quantize(Decimal("0.01"))})
    return figures

