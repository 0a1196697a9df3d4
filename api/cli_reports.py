"""Command-line reports over the read models: the audit trail, the boards, and the score reports
(ranking, bulletin, quota progress, ledger, difference between two moments, what-if)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

from api import reports as assemble
from api.cli_scores import score_reports
from api.report_columns import (
    APPEAL_COLUMNS,
    AUDIT_COLUMNS,
    AUDIT_TABLE,
    COMMISSION_COLUMNS,
    HONOUR_COLUMNS,
    REWARD_COLUMNS,
    SUBMISSION_COLUMNS,
    SUBMISSION_TABLE,
)
from api.report_output import OutputFormat, emit, emit_sheets
from api.reports import Report
from domain import inputs
from domain.application import Tally
from domain.errors import InvalidInputError, NotFoundError
from domain.period import Period
from domain.submission import Status
from projections.audit import AuditTrail
from projections.registry import open_projection
from projections.runner import refresh
from projections.scores import ScoreReports
from store.bootstrap import open_tally
from store.settings import DatabaseSettings

report_app = typer.Typer(help="Reports: scores, bulletins, quotas, the audit trail and boards.",
                         no_args_is_help=True)
board_app = typer.Typer(help="Boards: submissions and commissions as they stand now.",
                        no_args_is_help=True)
report_app.add_typer(board_app, name="board")
console = Console()


FORMAT_OPTION = typer.Option(
    OutputFormat.TABLE, "--format",
    help="table (terminal), json (list of objects), csv or xlsx (Excel).")
OUTPUT_OPTION = typer.Option(None, "--output", help="Write to this file, not the terminal.")


def caught_up(name: str) -> tuple[Tally, Any]:
    """The write model and one projection, brought up to date with the log."""
    settings = DatabaseSettings.from_environment()
    tally = open_tally(settings)
    projection = open_projection(settings, name)
    refresh(tally, projection)
    return tally, projection.view


# The audit trail -----------------------------------------------------------------------

@report_app.command("audit")
def audit(
    item: str | None = typer.Option(None, "--item", help="An item's id or ref."),
    officer: str | None = typer.Option(None, "--officer",
                                       help="Officer code: their events and their items'."),
    unit: str | None = typer.Option(None, "--unit", help="Unit code."),
    period: str | None = typer.Option(None, "--period",
                                      help="Only what the office learned in this period."),
    as_of: str | None = typer.Option(None, "--as-of",
                                     help="Only what was known then (a date: its end)."),
    limit: int = typer.Option(100, "--limit", help="At most this many events."),
    offset: int = typer.Option(0, "--offset", help="Skip this many events first (paging)."),
    commands: bool = typer.Option(True, "--commands/--no-commands",
                                  help="Include the idempotency records of commands."),
    output: OutputFormat = FORMAT_OPTION,
    path: Path | None = OUTPUT_OPTION,
) -> None:
    """The audit trail: every event, who caused it, when it was recorded and known, and why."""
    tally, view = caught_up("audit")
    rows = AuditTrail(view, zone=tally.zone).entries(
        item=item, officer=officer, unit=unit, as_of=as_of, limit=limit, offset=offset,
        commands=commands, period=period)
    scope = (f"稿件 {item}" if item else f"信息员 {officer}" if officer
             else f"单位 {unit}" if unit else "全部")
    title = (f"审计记录（{scope}" + (f"，{period}" if period else "")
             + (f"，截至 {as_of}）" if as_of else "）"))
    shown = [c for c in AUDIT_COLUMNS if c[0] in AUDIT_TABLE]
    emit(rows, AUDIT_COLUMNS, output, title=title, table_columns=shown,
         dim=lambda r: bool(r["command_record"]), path=path)


# The boards ----------------------------------------------------------------------------

@board_app.command("submissions")
def board_submissions(
    unit: str | None = typer.Option(None, "--unit", help="Only this unit's items."),
    status: str | None = typer.Option(None, "--status",
                                      help="draft, submitted, approved, returned, withdrawn."),
    limit: int = typer.Option(1000, "--limit", help="At most this many items."),
    output: OutputFormat = FORMAT_OPTION,
    path: Path | None = OUTPUT_OPTION,
) -> None:
    """Every item: status, authors, sign-off, outlets, adoptions, instructions, waiting days."""
    tally, view = caught_up("boards")
    unit_id = None
    if unit is not None:
        unit_id = view.unit_id(inputs.code("unit", unit))
        if unit_id is None:
            raise NotFoundError(f"no unit {unit}", field="unit")
    rows = view.submissions(
        tally.today(), unit_id=unit_id,
        status=inputs.choice("status", Status, status).value if status else None,
        limit=inputs.whole("limit", limit, minimum=1))
    emit(rows, SUBMISSION_COLUMNS, output, title=f"稿件看板（{tally.today().isoformat()}）",
         table_columns=[c for c in SUBMISSION_COLUMNS if c[0] in SUBMISSION_TABLE], path=path)


@board_app.command("commissions")
def board_commissions(output: OutputFormat = FORMAT_OPTION,
                      path: Path | None = OUTPUT_OPTION) -> None:
    """Every commissioned unit: fulfilled by which item, lapsed, or open and its days left."""
    tally, view = caught_up("boards")
    emit(view.commissions(tally.today()), COMMISSION_COLUMNS, output,
         title=f"约稿看板（{tally.today().isoformat()}）", path=path)


@board_app.command("appeals")
def board_appeals(output: OutputFormat = FORMAT_OPTION,
                  path: Path | None = OUTPUT_OPTION) -> None:
    """Every appeal: the pending first with the days waited, then how each was decided."""
    tally, view = caught_up("boards")
    emit(view.all_appeals(tally.today()), APPEAL_COLUMNS, output,
         title=f"申诉看板（{tally.today().isoformat()}）", path=path)


# Rewards and honours ---------------------------------------------------------------------

@report_app.command("rewards")
def rewards(period: str = typer.Option(..., "--period", help="2025, 2025-H1, 2025-Q3 or 2025-07."),
            output: OutputFormat = FORMAT_OPTION, path: Path | None = OUTPUT_OPTION) -> None:
    """The rewards of a period's lines, granted when periods closed; revoked ones say why."""
    span = Period.parse(period)
    _, view = caught_up("catalog")
    rows = view.rewards(span)
    paid = sum((Decimal(r["amount"]) for r in rows if not r["revoked_reason"]), Decimal(0))
    emit(rows, REWARD_COLUMNS, output, path=path, dim=lambda r: bool(r["revoked_reason"]),
         title=f"{span.label}期间奖励发放：{len(rows)}笔，实发{paid:.2f}元")


@report_app.command("honours")
def honours(year: str = typer.Option(..., "--year", help="The year, such as 2025."),
            output: OutputFormat = FORMAT_OPTION, path: Path | None = OUTPUT_OPTION) -> None:
    """A year's honours (评先): advanced units and officers, excellent items; revoked ones
    say why."""
    span = Period.parse(year, field="year")
    if not span.is_year:
        raise InvalidInputError("honours are awarded for a year, such as 2025", field="year")
    _, view = caught_up("catalog")
    emit(view.honours(span.year), HONOUR_COLUMNS, output, path=path,
         dim=lambda r: bool(r["revoked_reason"]), title=f"{span.year}年评先结果")


# Score reports ---------------------------------------------------------------------------

PERIOD_OPTION = typer.Option(..., "--period", help="2025, 2025-H1, 2025-Q3 or 2025-07.")
AS_OF_OPTION = typer.Option(None, "--as-of",
                            help="As the office knew it then (a date: its end); default now.")
BY_OPTION = typer.Option("officer", "--by", help="officer or unit.")


def reports() -> ScoreReports:
    return score_reports(DatabaseSettings.from_environment())


def show(report: Report, output: OutputFormat, path: Path | None) -> None:
    emit_sheets(report.sheets, output, document=report.document, path=path,
                csv_sheet=report.csv_sheet, notes=report.notes,
                terminal_sheets=report.terminal_sheets)


@report_app.command("ranking")
def ranking(
    period: str = PERIOD_OPTION, as_of: str | None = AS_OF_OPTION, by: str = BY_OPTION,
    channel: str | None = typer.Option(None, "--channel", help="info or publicity only."),
    level: str | None = typer.Option(None, "--level",
                                     help="national, provincial, city or county only."),
    order: str = typer.Option("points", "--order", help="points, adoptions or rate."),
    output: OutputFormat = FORMAT_OPTION, path: Path | None = OUTPUT_OPTION,
) -> None:
    """Officers or units ranked by points, adoptions or adoption rate (ties share a rank)."""
    show(assemble.ranking(reports(), period, by, as_of, channel, level, order), output, path)


@report_app.command("bulletin")
def bulletin_report(
    period: str = PERIOD_OPTION, as_of: str | None = AS_OF_OPTION,
    by: str = typer.Option("officer", "--by", help="The table a CSV holds: officer or unit."),
    output: OutputFormat = FORMAT_OPTION, path: Path | None = OUTPUT_OPTION,
) -> None:
    """The monthly bulletin, quarterly evaluation, half-year or year-end bulletin of a period."""
    report = assemble.bulletin(reports(), period, by, as_of)
    if output is OutputFormat.TABLE:
        console.print(f"[bold]{report.title}[/bold]（{report.document['kind_name']}）")
    show(report, output, path)


@report_app.command("quota")
def quota(
    period: str = PERIOD_OPTION, as_of: str | None = AS_OF_OPTION, by: str = BY_OPTION,
    output: OutputFormat = FORMAT_OPTION, path: Path | None = OUTPUT_OPTION,
) -> None:
    """Quota progress: each month's target and items done, running totals, who is behind."""
    show(assemble.quota(reports(), period, by, as_of), output, path)


@report_app.command("ledger")
def ledger(
    period: str = PERIOD_OPTION, as_of: str | None = AS_OF_OPTION, by: str = BY_OPTION,
    output: OutputFormat = FORMAT_OPTION, path: Path | None = OUTPUT_OPTION,
) -> None:
    """Every scoring line of the period behind each officer's or unit's points."""
    show(assemble.ledger(reports(), period, by, as_of), output, path)


@report_app.command("diff")
def diff(
    period: str = PERIOD_OPTION,
    before: str = typer.Option(..., "--before", help="The earlier moment (a date: its end)."),
    after: str | None = typer.Option(None, "--after", help="The later moment; default now."),
    by: str = BY_OPTION,
    output: OutputFormat = FORMAT_OPTION, path: Path | None = OUTPUT_OPTION,
) -> None:
    """What changed in a period's results between two moments, and which facts did it."""
    show(assemble.difference(reports(), period, before, after, by), output, path)


METHOD_OPTION = typer.Option(..., "--method", exists=True, dir_okay=False,
                             help="A scoring-method file (TOML) to score the period with.")


@report_app.command("what-if")
def what_if(
    period: str = PERIOD_OPTION,
    method: Path = METHOD_OPTION,
    as_of: str | None = AS_OF_OPTION, by: str = BY_OPTION,
    output: OutputFormat = FORMAT_OPTION, path: Path | None = OUTPUT_OPTION,
) -> None:
    """The period scored under another method, beside the methods in force."""
    show(assemble.what_if(reports(), period, method.read_text(encoding="utf-8"), method.name,
                          by, as_of), output, path)


BOTH_OPTION = typer.Option(None, "--by", help="officer or unit; default both.")


@report_app.command("targets")
def targets(
    year: int = typer.Option(..., "--year", help="The year, such as 2025."),
    as_of: str | None = AS_OF_OPTION, by: str | None = BOTH_OPTION,
    output: OutputFormat = FORMAT_OPTION, path: Path | None = OUTPUT_OPTION,
) -> None:
    """A year's targets of officers and units, as set and last adjusted."""
    show(assemble.targets(reports(), year, by, as_of), output, path)


@report_app.command("findings")
def findings(
    period: str = PERIOD_OPTION, as_of: str | None = AS_OF_OPTION,
    by: str | None = BOTH_OPTION,
    holder: str | None = typer.Option(None, "--holder",
                                      help="One officer's or unit's code (with --by)."),
    output: OutputFormat = FORMAT_OPTION, path: Path | None = OUTPUT_OPTION,
) -> None:
    """A period's findings in force (通报扣分), with the points each deducts."""
    show(assemble.findings(reports(), period, by, holder, as_of), output, path)
