"""Command-line commands for scoring methods and score explanations."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from domain import inputs
from domain.application import CommandMeta
from domain.method import parse_method
from projections.registry import open_projection
from projections.runner import refresh
from projections.scores import ScoreReports
from store.bootstrap import open_tally
from store.settings import DatabaseSettings

method_app = typer.Typer(help="Scoring methods: check, publish, list, reschedule and withdraw "
                         "versions.",
                         no_args_is_help=True)
console = Console()


@method_app.command("check")
def method_check(path: Path) -> None:
    """Validate a scoring-method file without publishing it."""
    method = parse_method(path.read_text(encoding="utf-8"))
    console.print(f"[green]OK[/green] {method.code} 《{method.name}》, in force from "
                  f"{method.effective_from.isoformat()}, sha256 {method.digest[:16]}…")


@method_app.command("publish")
def method_publish(path: Path, actor: str = typer.Option("admin", "--actor")) -> None:
    """Publish a scoring-method file as a new version."""
    tally = open_tally(DatabaseSettings.from_environment())
    code = tally.publish_method(path.read_text(encoding="utf-8"), meta=CommandMeta(actor=actor))
    console.print(f"[green]Published[/green] {code}")


@method_app.command("list")
def method_list(as_of: str | None = typer.Option(None, "--as-of",
                                                help="As the office knew it then.")) -> None:
    """The versions in force or scheduled, by effective date."""
    settings = DatabaseSettings.from_environment()
    day = inputs.day("as_of", as_of) if as_of else open_tally(settings).today()
    table = Table("code", "name", "in force from", "until", "state", "sha256")
    for version in score_reports(settings).method_versions(day, as_of):
        method = version.method
        moved = (f" (rescheduled; the file says {version.published_from.isoformat()})"
                 if version.published_from else "")
        table.add_row(method.code, method.name, method.effective_from.isoformat() + moved,
                      version.until.isoformat() if version.until else "",
                      version.state.replace("_", " "), method.digest[:16])
    console.print(table)


@method_app.command("reschedule")
def method_reschedule(code: str,
                      effective_from: str = typer.Option(..., "--effective-from",
                                                         help="The new first day in force."),
                      reason: str = typer.Option(..., "--reason"),
                      actor: str = typer.Option("admin", "--actor")) -> None:
    """Move a version's effective date, with the reason."""
    tally = open_tally(DatabaseSettings.from_environment())
    tally.reschedule_method(code, effective_from, reason, meta=CommandMeta(actor=actor))
    console.print(f"[green]Rescheduled[/green] {code} to {effective_from}")


@method_app.command("withdraw")
def method_withdraw(code: str, reason: str = typer.Option(..., "--reason"),
                    actor: str = typer.Option("admin", "--actor")) -> None:
    """Withdraw a version, with the reason: it scores nothing from then on."""
    tally = open_tally(DatabaseSettings.from_environment())
    tally.withdraw_method(code, reason, meta=CommandMeta(actor=actor))
    console.print(f"[green]Withdrawn[/green] {code}")


def score_reports(settings: DatabaseSettings) -> ScoreReports:
    """The score reports over a facts projection brought up to date with the log."""
    tally = open_tally(settings)
    projection = open_projection(settings, "ledger")
    refresh(tally, projection)
    return ScoreReports(projection.view, zone=tally.zone)


def explain(
    officer: str | None = typer.Option(None, "--officer", help="Officer code."),
    unit: str | None = typer.Option(None, "--unit", help="Unit code."),
    period: str = typer.Option(..., "--period", help="2025, 2025-H1, 2025-Q3 or 2025-07."),
    as_of: str | None = typer.Option(None, "--as-of", help="As the office knew it then."),
) -> None:
    """Why does this officer (or unit) have these points: each fact and its clause."""
    if (officer is None) == (unit is None):
        raise typer.BadParameter("give exactly one of --officer or --unit")
    by, code = ("officer", officer) if officer else ("unit", unit)
    assert code is not None
    reports = score_reports(DatabaseSettings.from_environment())
    standing = reports.standing(code, period, by=by, as_of=as_of)
    table = Table(title=f"{standing.name}（{standing.code}）{period} 得分说明"
                        + (f"，截至 {as_of}" if as_of else ""))
    for column in ("日期", "事实", "计分条款", "办法", "得分", "奖励（元）"):
        table.add_column(column, justify="right" if column in ("得分", "奖励（元）") else "left")
    for line in sorted(standing.lines, key=lambda line: (line.valid_on, line.clause)):
        table.add_row(line.valid_on.isoformat(), line.fact, line.clause, line.method,
                      f"{line.points:.2f}", f"{line.money:.2f}" if line.money else "")
    table.add_section()
    table.add_row("", "合计", "", "", f"{standing.points:.2f}", f"{standing.money:.2f}")
    console.print(table)
    console.print(f"名次 {standing.rank}，稿件 {standing.items} 篇，采用 {standing.adoptions} 次")
