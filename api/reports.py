"""Each score report assembled once: its title, its JSON document and its tables (sheets).

The command line, the JSON API and the web pages all call these, and only choose the format:
JSON writes ``document``, CSV the table ``csv_sheet``, Excel one worksheet per table."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from api import report_sheets as sheets
from api.report_output import Sheet
from domain import inputs
from domain.errors import InvalidInputError, NotFoundError
from domain.facts import Facts
from domain.officer import Officer
from domain.period import Period
from domain.scoring import CENT, finding_lines
from domain.unit import Unit
from domain.values import HolderKind
from projections.bulletins import bulletin as bulletin_content
from projections.bulletins import tie_rule
from projections.labels import CHANNELS, FINDINGS, LEVELS, label
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


def _holders(facts: Facts, by: str | None, holder: str | None
             ) -> tuple[HolderKind | None, str | None]:
    """The kind of holder asked for (None: both), and the id of the one named by its code."""
    kind = None if by is None else inputs.choice("by", HolderKind, by)
    if holder is None:
        return kind, None
    if kind is None:
        raise InvalidInputError("name the kind of holder (officer or unit) with the code",
                                field="by")
    officer = kind is HolderKind.OFFICER
    found = str((Officer if officer else Unit).create_id(holder))  # ids derive from codes
    if found not in (facts.officers if officer else facts.units):
        raise NotFoundError(f"no {kind.value} {holder}", field="holder")
    return kind, found


def _holder_cells(facts: Facts, kind: HolderKind, holder_id: str, day: date) -> dict[str, Any]:
    """kind, code and name of an officer or unit, and an officer's unit on ``day``."""
    if kind is HolderKind.OFFICER:
        officer = facts.officers[holder_id]
        unit = facts.units.get(officer.unit_on(day))
        return {"holder_kind": kind.value, "holder": officer.code, "name": officer.name,
                "unit": unit.code if unit else None}
    return {"holder_kind": kind.value, "holder": facts.units[holder_id].code,
            "name": facts.units[holder_id].name, "unit": None}


def targets(score: ScoreReports, year: int | str, by: str | None = None,
            as_of: str | None = None) -> Report:
    """The officers' and units' targets for a year as set and last adjusted, as known at a
    moment: units first, then officers, each by code."""
    wanted = inputs.whole("year", year, minimum=2000, maximum=2100)
    facts = score.settings(as_of)
    kind, _ = _holders(facts, by, None)
    rows = [{**_holder_cells(facts, target.holder_kind, target.holder_id,
                             date(wanted, 12, 31)),
             "year": target.year, "items": target.items,
             "points": None if target.points is None else str(target.points),
             "monthly_items": (None if target.monthly_items is None
                               else list(target.monthly_items))}
            for target in facts.targets.values()
            if target.year == wanted and (kind is None or target.holder_kind is kind)]
    rows.sort(key=lambda row: (row["holder_kind"] != "unit", row["holder"]))
    title = f"{wanted} 年度目标任务{as_of_text(as_of)}"
    return Report("targets", title, rows, [sheets.targets_sheet(rows, title)])


def findings(score: ScoreReports, period: str, by: str | None = None, holder: str | None = None,
             as_of: str | None = None) -> Report:
    """The findings (通报扣分) in force of a period, as known at a moment (a withdrawn one is
    no longer there), each with the points its method deducts: by the day found, then code."""
    span = Period.parse(period)
    facts = score.settings(as_of)
    kind, holder_id = _holders(facts, by, holder)
    rows = []
    for finding in facts.findings.values():
        if (finding.found_on not in span or (kind is not None and finding.holder_kind is not kind)
                or (holder_id is not None and finding.holder_id != holder_id)):
            continue
        lines = finding_lines(finding, facts)
        rows.append({
            "id": finding.finding_id, "kind": finding.kind.value,
            "kind_name": label(FINDINGS, finding.kind.value),
            **_holder_cells(facts, finding.holder_kind, finding.holder_id, finding.found_on),
            "found_on": finding.found_on.isoformat(), "reason": finding.reason,
            "points": (str(sum((line.points for line in lines), Decimal(0)).quantize(CENT))
                       if lines else None),
        })
    rows.sort(key=lambda row: (row["found_on"], row["holder_kind"], row["holder"], row["id"]))
    title = f"{span.label} 通报扣分{as_of_text(as_of)}"
    return Report("findings", title, rows, [sheets.findings_sheet(rows, title)])


#: The reports that take (period, by, as_of), by name, for routes that serve any of them.
PERIOD_REPORTS: dict[str, Callable[..., Report]] = {
    "ranking": ranking, "bulletin": bulletin, "quota": quota, "ledger": ledger,
}
