"""Score reports: standings and explanations for any period, as known at any moment."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from domain import inputs
from domain.facts import Facts
from domain.period import Period
from domain.standings import Standing, standings
from domain.values import HolderKind
from projections.facts import FactsView, load_facts


class ScoreReports:
    """The one place every report, the command line and the specifications read scores from."""

    def __init__(self, facts_view: FactsView, zone: tzinfo | None = None) -> None:
        self.view = facts_view
        self.zone = zone or ZoneInfo("Asia/Shanghai")

    def facts(self, as_of: datetime | str | None = None) -> Facts:
        """Facts known at ``as_of``; a bare date means the end of that day in the office."""
        moment = None
        if as_of is not None:
            moment = inputs.instant("as_of", as_of, zone=self.zone, end_of_day=True)
        return load_facts(self.view, moment)

    def standings(self, period: str, by: str = "officer",
                  as_of: datetime | str | None = None) -> list[Standing]:
        kind = inputs.choice("by", HolderKind, by)
        return standings(self.facts(as_of), Period.parse(period), kind)

    def standing(self, code: str, period: str, by: str = "officer",
                 as_of: datetime | str | None = None) -> Standing:
        for standing in self.standings(period, by, as_of):
            if standing.code == code:
                return standing
        raise inputs.InvalidInputError(f"no {by} {code} in {period}", field=by)

    def ranking(self, period: str, by: str = "officer",
                as_of: datetime | str | None = None) -> list[dict[str, Any]]:
        return [standing.as_dict() for standing in self.standings(period, by, as_of)]
