"""Bulletins (通报): the content of the monthly bulletin, the quarterly evaluation, and the
half-year and year-end bulletins, as known at any moment, as plain data.

Every score comes from the score reports' standings: the period's, and the running total for
the year as of the period's end (累计), which is a different number unless the period starts on
the first of January. The content is deterministic: the same facts and as-of moment give the
same bytes (``canonical_bytes``), so a published bulletin can be pinned and digested.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from domain.facts import Facts
from domain.method import in_force
from domain.period import Period
from domain.scoring import CENT, ScoreLine
from domain.standings import Standing
from domain.values import Channel, HolderKind, Level
from projections.bulletin_items import (
    adoption_counts,
    high_level_adoptions,
    instructed_items,
    top_items,
)
from projections.ledger import TIME_FORMAT, time_key
from projections.quota import (
    StandingsAt,
    completion,
    months_target,
    percent_text,
    year_to_date,
)
from projections.scores import ScoreReports

KIND_NAMES = {"month": "月通报", "quarter": "季评定", "half": "半年通报", "year": "年终通报"}
ORDER_MEASURES = {"points": "得分", "adoptions": "采用次数", "rate": "采用率"}


def tie_rule(order: str = "points") -> str:
    """The ranking rule as the domain's ``rank`` applies it, in words for the bulletin."""
    measure = ORDER_MEASURES[order]
    rule = (f"按{measure}从高到低排名；{measure}相同的名次相同，按编号先后列出，其后名次顺延"
            "（如1、2、2、4）。")
    return rule + ("未报送稿件的无采用率，排在最后。" if order == "rate" else "")


TIE_RULE = tie_rule()
COMPLETION_RULE = ("任务完成率=计任务稿件篇数÷同期目标篇数×100%，保留一位小数（舍去不进位）；"
                   "未定目标的不计算。")
#: The quarterly grades by quota completion (percent, at least), best first.
GRADE_THRESHOLDS: tuple[tuple[Decimal, str], ...] = (
    (Decimal(100), "优秀"), (Decimal(80), "良好"), (Decimal(60), "合格"))
GRADE_BELOW = "不合格"
QUARTER_NAMES = {1: "第一季度", 2: "第二季度", 3: "第三季度", 4: "第四季度"}
LEVELS = tuple(Level)  # national first
CHANNELS = tuple(Channel)


def period_kind(period: Period) -> str:
    """month, quarter, half or year, from the period's label (2025-07, 2025-Q3, 2025-H1, 2025)."""
    part = period.label[5:]
    return ("year" if not part else "half" if part.startswith("H")
            else "quarter" if part.startswith("Q") else "month")


def title(period: Period, kind: str) -> str:
    if kind == "year":
        return f"{period.year}年度信息宣传工作通报"
    if kind == "half":
        half = "上半年" if period.start.month == 1 else "下半年"
        return f"{period.year}年{half}信息宣传工作通报"
    if kind == "quarter":
        return f"{period.year}年{QUARTER_NAMES[(period.start.month + 2) // 3]}信息宣传工作评定"
    return f"{period.year}年{period.start.month}月信息宣传工作通报"


def grade(percent: Decimal | None) -> str | None:
    """The quarterly grade of a quota completion; None for a holder with no target."""
    if percent is None:
        return None
    return next((name for least, name in GRADE_THRESHOLDS if percent >= least), GRADE_BELOW)


def money_text(amount: Decimal) -> str:
    return str(amount.quantize(CENT))


def span_dict(period: Period) -> dict[str, str]:
    return {"label": period.label, "start": period.start.isoformat(),
            "end": period.end.isoformat()}


def by_level(lines: Iterable[ScoreLine]) -> dict[str, int]:
    """Adoptions of a holder by level (a co-authored adoption counts once)."""
    seen = {(line.item_id, line.ref, line.level) for line in lines if line.adoption}
    return {level.value: sum(1 for _, _, lv in seen if lv is level) for level in LEVELS}


def holder_rows(reports: ScoreReports, at: StandingsAt, span: Period, kind: HolderKind,
                as_of: Any, quarterly: bool) -> list[dict[str, Any]]:
    """One row per officer or unit of the period, in rank order, with the running totals."""
    period_standings = reports.standings(span.label, kind.value, as_of)
    running = {s.holder_id: s for s in at.of(year_to_date(span), kind)}
    rows = []
    for standing in period_standings:
        ytd = running[standing.holder_id]
        target = at.target(kind, standing.holder_id, span.year)
        period_target = months_target(target, span.months())
        ytd_target = months_target(target, range(1, span.end.month + 1))
        row = standing_row(standing)
        row.update({
            "adoptions_by_level": by_level(standing.lines),
            "target_items": period_target,
            "completion": percent_text(completion(standing.items, period_target)),
            "ytd_rank": ytd.rank, "ytd_points": money_text(ytd.points),
            "ytd_money": money_text(ytd.money), "ytd_adoptions": ytd.adoptions,
            "ytd_items": ytd.items, "ytd_target_items": ytd_target,
            "ytd_completion": percent_text(completion(ytd.items, ytd_target)),
            "year_target_items": target.items if target else None,
        })
        if quarterly:
            row["grade"] = grade(completion(standing.items, period_target))
        rows.append(row)
    return rows


def standing_row(standing: Standing) -> dict[str, Any]:
    """rank, id, name, unit, points, money, adoptions, submitted, adoption_rate, items."""
    return standing.as_dict()


TOTAL_KEYS = ("points", "money", "ytd_points", "ytd_money")
COUNT_KEYS = ("adoptions", "submitted", "items", "target_items", "ytd_adoptions", "ytd_items",
              "ytd_target_items")


def totals(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The sum of each number column of a table, so that a total shows every column's sum."""
    total: dict[str, Any] = {key: money_text(sum((Decimal(r[key]) for r in rows), Decimal(0)))
                             for key in TOTAL_KEYS}
    total.update({key: sum(r[key] or 0 for r in rows) for key in COUNT_KEYS})
    total["adoptions_by_level"] = {level.value: sum(r["adoptions_by_level"][level.value]
                                                    for r in rows) for level in LEVELS}
    total["completion"] = percent_text(completion(total["items"], total["target_items"]))
    total["ytd_completion"] = percent_text(completion(total["ytd_items"],
                                                      total["ytd_target_items"]))
    return total


def log_state(reports: ScoreReports, moment: datetime | None) -> dict[str, Any]:
    """How much of the fact log the bulletin was computed from."""
    sql = ("SELECT COUNT(*) AS facts, MAX(position) AS last_position, "
           "MAX(known_at) AS last_known_at FROM fact_log")
    clauses: list[str] = []
    params: list[Any] = []
    if moment is not None:
        clauses.append("known_at <= ?")
        params.append(time_key(moment))
    if reports.upto is not None:
        clauses.append("position <= ?")
        params.append(reports.upto)
    if clauses:
        sql += " WHERE " + " AND ".join(clauses)
    [row] = reports.ledger.query(sql, params)
    last = row["last_known_at"]
    known = (datetime.strptime(last, TIME_FORMAT).replace(tzinfo=UTC).astimezone(reports.zone)
             .isoformat() if last else None)
    return {"facts": int(row["facts"]), "last_position": row["last_position"],
            "last_known_at": known}


def quota_counts(at: StandingsAt, span: Period) -> str | None:
    method = in_force(at.settings.methods.values(), span.end)
    if method is None:
        return None
    return method.quota.counts.value if method.quota else "adopted"


def bulletin(reports: ScoreReports, period: str, as_of: datetime | date | str | None = None
             ) -> dict[str, Any]:
    """The bulletin of ``period`` (a month, quarter, half-year or year) as known at ``as_of``."""
    span = Period.parse(period)
    kind = period_kind(span)
    at = StandingsAt(reports, as_of)
    facts: Facts = reports.facts(as_of)
    lines = at.lines(span)
    quarterly = kind == "quarter"
    units = holder_rows(reports, at, span, HolderKind.UNIT, as_of, quarterly)
    officers = holder_rows(reports, at, span, HolderKind.OFFICER, as_of, quarterly)
    submitted = sorted(item_id for item_id, item in facts.items.items()
                       if item.submitted_on in span and not item.withdrawn and item.authors)
    content: dict[str, Any] = {
        "kind": kind, "kind_name": KIND_NAMES[kind], "title": title(span, kind),
        "period": span_dict(span), "year_to_date": span_dict(year_to_date(span)),
        "as_of": at.moment.astimezone(reports.zone).isoformat() if at.moment else None,
        "log": log_state(reports, at.moment),
        "methods": sorted({line.method for line in at.lines(year_to_date(span))}),
        "quota_counts": quota_counts(at, span),
        "tie_rule": TIE_RULE, "completion_rule": COMPLETION_RULE,
        "summary": {"submitted": len(submitted), **adoption_counts(lines, facts)},
        "units": units, "unit_totals": totals(units),
        "officers": officers, "officer_totals": totals(officers),
        "highlights": {"high_level_adoptions": high_level_adoptions(lines, facts),
                       "instructions": instructed_items(facts, span)},
    }
    if quarterly:
        content["grade_thresholds"] = [{"grade": name, "least_completion": str(least)}
                                       for least, name in GRADE_THRESHOLDS]
        content["grade_below"] = GRADE_BELOW
        content["grades"] = {table: grade_counts(rows)
                             for table, rows in (("units", units), ("officers", officers))}
    if kind == "year":
        content["top_items"] = top_items(lines, facts)
        content["channel_rankings"] = channel_rankings(reports, span, as_of)
    return content


def grade_counts(rows: list[dict[str, Any]]) -> dict[str, int]:
    names = [name for _, name in GRADE_THRESHOLDS] + [GRADE_BELOW]
    counts = {name: sum(1 for row in rows if row["grade"] == name) for name in names}
    counts["未定目标"] = sum(1 for row in rows if row["grade"] is None)
    return counts


def channel_rankings(reports: ScoreReports, span: Period, as_of: Any
                     ) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """The year's rankings of units and officers in each channel alone."""
    return {channel.value: {
        f"{kind.value}s": [standing_row(s) for s in reports.standings(
            span.label, kind.value, as_of, channel=channel.value)]
        for kind in HolderKind} for channel in CHANNELS}


def canonical_bytes(content: dict[str, Any]) -> bytes:
    """The bulletin as UTF-8 JSON with sorted keys and no spacing: what a digest is taken of."""
    return json.dumps(content, ensure_ascii=False, sort_keys=True,
                      separators=(",", ":")).encode("utf-8")


def digest(content: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_bytes(content)).hexdigest()

