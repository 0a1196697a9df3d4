"""Each score report assembled once: its title, its JSON document and its tables (sheets).

The command line, the JSON API and the web pages all call these, and only choose the format:
JSON writes ``document``, CSV the table ``csv_sheet``, Excel one worksheet per table."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from api import report_sheets as sheets
from api.report_output import Sheet
from domain import inputs
from domain.values import HolderKind
from projections.bulletins import bulletin as bulletin_content
from projections.bulletins import tie_rule
from projections.labels import CHANNELS, LEVELS, label
from projections.quota import StandingsAt, quota_progress
from projections.scores import ScoreReports


@dataclass(frozen=True)
class Report:
    name: str
    title: str
    document: Any
    sheets: list[Sheet]
    notes: list[str] = field(default_factory=list)
    csv_sheet: int = 0
    terminal_sheets: Sequence[int] | None = None


def as_of_text(as_of: str | None) -> str:
    return f"，截至 {as_of}" if as_of else ""


def ranking(score: ScoreReports, period: str, by: str = "officer", as_of: str | None = None,
            channel: str | None = None, level: str | None = None,
            order: str = "points") -> Report:
    """Officers or units ranked by points, adoptions or adoption rate (ties share a rank)."""
    standings = score.standings(period, by, as_of, channel=channel, level=level, order=order,
                                detail=False)  # a ranking needs each holder's sums, not lines
    parts = [label(CHANNELS, channel) if channel else "", label(LEVELS, level) if level else ""]
    scope = "".join(f"，{part}" for part in parts if part)
    title = f"{period} {sheets.holder_name(by)}排名{scope}{as_of_text(as_of)}"
    rows = sheets.ranking_rows(standings)
    return Report("ranking", title, rows, [sheets.ranking_sheet(rows, by, title)],
                  notes=[f"排名规则：{tie_rule(order)}"])


def bulletin(score: ScoreReports, period: str, by: str = "officer",
             as_of: str | None = None) -> Report:
    """The monthly bulletin, quarterly evaluation, half-year or year-end bulletin of a period;
    a CSV holds its officer or unit table (``by``)."""
    content = bulletin_content(score, period, as_of)
    csv_table = 3 if inputs.choice("by", HolderKind, by) is HolderKind.OFFICER else 2
    return Report("bulletin", content["title"], content, sheets.bulletin_sheets(content),
                  notes=sheets.bulletin_notes(content), csv_sheet=csv_table)


def quota(score: ScoreReports, period: str, by: str = "officer",
          as_of: str | None = None) -> Report:
    """Quota progress: each month's target and items done, running totals, who is behind."""
    progress = quota_progress(score, period, by, as_of)
    behind = sum(1 for holder in progress["holders"] if holder["behind"])
    title = f"{period} {sheets.holder_name(by)}目标完成进度{as_of_text(as_of)}"
    return Report("quota", title, progress, sheets.quota_sheets(progress), csv_sheet=1,
                  terminal_sheets=[0],
                  notes=[f"截至{progress['assessed_through']}月末落后于目标的：{behind} 个"
                         f"（共 {len(progress['holders'])} 个）"])


def ledger(score: ScoreReports, period: str, by: str = "officer",
           as_of: str | None = None) -> Report:
    """Every scoring line of the period behind each officer's or unit's points."""
    standings = score.standings(period, by, as_of)
    officers = StandingsAt(score, as_of).settings.officers
    rows = sheets.ledger_rows(standings, {oid: o.name for oid, o in officers.items()})
    title = f"{period} {sheets.holder_name(by)}计分明细{as_of_text(as_of)}"
    return Report("ledger", title, rows, [sheets.ledger_sheet(rows, by, title)])


def difference(score: ScoreReports, period: str, before: str, after: str | None = None,
               by: str = "officer") -> Report:
    """What changed in a period's results between two moments, and which facts did it."""
    document = sheets.difference_document(score.difference(period, before, after, by),
                                          score.zone)
    title = f"{period} {sheets.holder_name(by)}得分变化：{before} → {after or '现在'}"
    return Report("diff", title, document, sheets.difference_sheets(document, title))


def what_if(score: ScoreReports, period: str, method_source: str, method_name: str,
            by: str = "officer", as_of: str | None = None) -> Report:
    """The period scored under another method, beside the methods in force."""
    rows = score.what_if(period, method_source, by, as_of)
    title = f"{period} {sheets.holder_name(by)}：按 {method_name} 计分{as_of_text(as_of)}"
    return Report("what-if", title, rows, [sheets.what_if_sheet(rows, by, title)])


#: The reports that take (period, by, as_of), by name, for routes that serve any of them.
PERIOD_REPORTS: dict[str, Callable[..., Report]] = {
    "ranking": ranking, "bulletin": bulletin, "quota": quota, "ledger": ledger,
}
