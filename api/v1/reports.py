"""Reports: the score reports (ranking, bulletin, quota, ledger, difference, what-if, why these
points), the audit trail, the boards and the reminders; each as JSON or a CSV/XLSX download.

Each score report is assembled once by ``api.reports``, as on the command line and the pages;
``period``, ``as_of`` and ``by`` mean what they mean there."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from api import reports as assemble
from api.deps import ApiPrincipal, ServicesDep
from api.policy import check_officer_scope
from api.report_columns import (
    APPEAL_COLUMNS,
    AUDIT_COLUMNS,
    COMMISSION_COLUMNS,
    REMINDER_COLUMNS,
    SUBMISSION_COLUMNS,
)
from api.v1.common import (
    AsOfQuery,
    ByQuery,
    Code,
    FormatQuery,
    HolderKind,
    PeriodQuery,
    download,
    json_response,
    permit,
    score_reports,
    table,
)
from api.v1.submissions import board_rows
from domain import inputs
from domain.errors import InvalidInputError
from domain.method import MAX_SOURCE
from domain.period import Period
from projections.audit import AuditTrail
from workflows.reminders import reminders

router = APIRouter(prefix="/reports", tags=["reports"])

CodeQuery = Annotated[str | None, Query(max_length=64)]


def label(period: str) -> str:
    return Period.parse(period).label


@router.get("/ranking", summary="Officers or units ranked by points, adoptions or rate")
def ranking(principal: ApiPrincipal, services: ServicesDep, period: PeriodQuery,
            as_of: AsOfQuery = None, by: ByQuery = "officer",
            channel: Annotated[Literal["info", "publicity"] | None, Query()] = None,
            level: Annotated[Literal["national", "provincial", "city", "county"] | None,
                             Query()] = None,
            order: Annotated[Literal["points", "adoptions", "rate"], Query()] = "points",
            output: FormatQuery = "json") -> Response:
    """JSON: a list of {rank, id, name, unit, points, money, adoptions, submitted,
    adoption_rate, items}; ties share a rank."""
    permit(principal, "read_reports", output)
    report = assemble.ranking(score_reports(services), period, by, as_of, channel, level, order)
    return download(principal, report, output, f"ranking-{label(period)}-{by}")


@router.get("/bulletin", summary="The bulletin of a period as known at a moment (not published)")
def bulletin(principal: ApiPrincipal, services: ServicesDep, period: PeriodQuery,
             as_of: AsOfQuery = None, by: ByQuery = "officer",
             output: FormatQuery = "json") -> Response:
    """A CSV holds the officer or unit table (``by``); a workbook every table."""
    permit(principal, "read_reports", output)
    report = assemble.bulletin(score_reports(services), period, by, as_of)
    return download(principal, report, output, f"bulletin-{label(period)}-{by}")


@router.get("/quota", summary="Quota progress: monthly targets, items done, who is behind")
def quota(principal: ApiPrincipal, services: ServicesDep, period: PeriodQuery,
          as_of: AsOfQuery = None, by: ByQuery = "officer",
          output: FormatQuery = "json") -> Response:
    permit(principal, "read_reports", output)
    report = assemble.quota(score_reports(services), period, by, as_of)
    return download(principal, report, output, f"quota-{label(period)}-{by}")


@router.get("/ledger", summary="Every scoring line behind each officer's or unit's points")
def ledger(principal: ApiPrincipal, services: ServicesDep, period: PeriodQuery,
           as_of: AsOfQuery = None, by: ByQuery = "officer",
           output: FormatQuery = "json") -> Response:
    permit(principal, "read_reports", output)
    report = assemble.ledger(score_reports(services), period, by, as_of)
    return download(principal, report, output, f"ledger-{label(period)}-{by}")


@router.get("/diff", summary="What changed in a period's results between two moments")
def difference(principal: ApiPrincipal, services: ServicesDep, period: PeriodQuery,
               before: Annotated[str, Query(min_length=1, max_length=40)],
               after: AsOfQuery = None, by: ByQuery = "officer",
               output: FormatQuery = "json") -> Response:
    permit(principal, "read_reports", output)
    report = assemble.difference(score_reports(services), period, before, after, by)
    return download(principal, report, output, f"diff-{label(period)}-{by}")


class WhatIf(BaseModel):
    period: Annotated[str, Field(min_length=4, max_length=10)]
    source: Annotated[str, Field(min_length=1, max_length=MAX_SOURCE,
                                 description="A scoring-method file (TOML)")]
    name: Annotated[str, Field(min_length=1, max_length=100)] = "what-if.toml"
    by: HolderKind = "officer"
    as_of: Annotated[str, Field(max_length=40)] | None = None


@router.post("/what-if", summary="A period scored under another method (nothing is recorded)")
def what_if(body: WhatIf, principal: ApiPrincipal, services: ServicesDep,
            output: FormatQuery = "json") -> Response:
    permit(principal, "read_reports", output)
    report = assemble.what_if(score_reports(services), body.period, body.source, body.name,
                              body.by, body.as_of)
    return download(principal, report, output, f"what-if-{label(body.period)}-{body.by}")


@router.get("/explain", summary="Why these points: every line with its fact and method clause")
def explain(principal: ApiPrincipal, services: ServicesDep, period: PeriodQuery,
            officer: CodeQuery = None, unit: CodeQuery = None,
            as_of: AsOfQuery = None) -> Response:
    """Officers for themselves, approvers for their unit and its officers, readers for all."""
    if (officer is None) == (unit is None):
        raise InvalidInputError("give exactly one of officer or unit",
                                field="officer" if officer is None else "unit")
    if officer is not None:
        code = inputs.code("officer", officer)
        unit_code = services.tally.officer_unit_on(code, services.tally.today())
        check_officer_scope(principal, code, unit_code)
        by = "officer"
    else:
        code = inputs.code("unit", unit)
        check_officer_scope(principal, "", code, field="unit")
        by = "unit"
    standing = score_reports(services).standing(code, period, by=by, as_of=as_of)
    return json_response({
        **standing.as_dict(), "period": label(period), "as_of": as_of,
        "lines": [{"valid_on": line.valid_on.isoformat(), "fact": line.fact,
                   "clause": line.clause, "method": line.method,
                   "points": f"{line.points:.2f}", "money": f"{line.money:.2f}",
                   "kind": line.kind, "ref": line.ref}
                  for line in sorted(standing.lines, key=lambda line: (line.valid_on,
                                                                       line.clause))],
    })


@router.get("/audit", summary="The audit trail of the office, an item, an officer or a unit")
def audit(principal: ApiPrincipal, services: ServicesDep,
          item: CodeQuery = None, officer: CodeQuery = None, unit: CodeQuery = None,
          as_of: AsOfQuery = None,
          limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
          offset: Annotated[int, Query(ge=0)] = 0,
          commands: bool = True, output: FormatQuery = "json") -> Response:
    """Every event: who caused it, when it was recorded and known, and why."""
    permit(principal, "read_audit", output)
    rows = AuditTrail(services.view("audit"), zone=services.tally.zone).entries(
        item=item, officer=officer, unit=unit, as_of=as_of, limit=limit, offset=offset,
        commands=commands)
    scope = (f"稿件 {item}" if item else f"信息员 {officer}" if officer
             else f"单位 {unit}" if unit else "全部")
    title = f"审计记录（{scope}" + (f"，截至 {as_of}）" if as_of else "）")
    return table(principal, "audit", title, rows, AUDIT_COLUMNS, output)


@router.get("/boards/submissions", summary="The items board (officers and approvers: their unit)")
def submissions_board(principal: ApiPrincipal, services: ServicesDep,
                      unit: Annotated[Code | None, Query()] = None,
                      status: Annotated[Literal["draft", "submitted", "approved", "returned",
                                                "withdrawn"] | None, Query()] = None,
                      limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
                      output: FormatQuery = "json") -> Response:
    permit(principal, "read_items", output)
    rows = board_rows(principal, services, unit, status, limit)
    title = f"稿件看板（{services.tally.today().isoformat()}）"
    return table(principal, "submissions", title, rows, SUBMISSION_COLUMNS, output)


@router.get("/boards/commissions", summary="Every commissioned unit: fulfilled, lapsed or open")
def commissions_board(principal: ApiPrincipal, services: ServicesDep,
                      output: FormatQuery = "json") -> Response:
    permit(principal, "read_dashboard", output)
    today = services.tally.today()
    rows: list[dict[str, Any]] = services.view("boards").commissions(today)
    return table(principal, "commissions", f"约稿看板（{today.isoformat()}）", rows,
                 COMMISSION_COLUMNS, output)


@router.get("/boards/appeals", summary="Every appeal: pending first (days waited), then decided")
def appeals_board(principal: ApiPrincipal, services: ServicesDep,
                  output: FormatQuery = "json") -> Response:
    permit(principal, "read_dashboard", output)
    today = services.tally.today()
    rows: list[dict[str, Any]] = services.view("boards").all_appeals(today)
    return table(principal, "appeals", f"申诉看板（{today.isoformat()}）", rows,
                 APPEAL_COLUMNS, output)


@router.get("/reminders", summary="Who to chase (催报): quotas, commissions, instructions, appeals")
def reminder_list(principal: ApiPrincipal, services: ServicesDep, as_of: AsOfQuery = None,
                  output: FormatQuery = "json") -> Response:
    permit(principal, "read_reminders", output)
    day = inputs.day("as_of", as_of) if as_of else services.tally.today()
    projections = services.current()
    found = reminders(score_reports(services), projections["boards"].view, day)
    return table(principal, "reminders", f"催报提醒（{day.isoformat()}）",
                 [r.as_dict() for r in found], REMINDER_COLUMNS, output)
