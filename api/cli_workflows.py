"""Command line of the workflows: ``tally workflows run|close|reissue`` and
``tally report reminders``."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.console import Console

from api.cli_reports import FORMAT_OPTION, OUTPUT_OPTION
from api.report_columns import REMINDER_COLUMNS
from api.report_output import OutputFormat, emit
from domain import inputs
from domain.application import CommandMeta
from projections.registry import open_projection
from projections.runner import refresh
from projections.scores import ScoreReports
from store.bootstrap import open_tally
from store.settings import DatabaseSettings
from workflows.honours import fill_vacancies
from workflows.publication import close_period, reissue
from workflows.reminders import LogFileDelivery, record_lapses, reminders
from workflows.runner import run_workflows

workflows_app = typer.Typer(help="Workflows: period close, errata, chasing.",
                            no_args_is_help=True)
console = Console()

LOG_OPTION = typer.Option(Path("reminders.log"), "--log",
                          help="Append the reminders to this file (the delivery channel).")
@workflows_app.command("run")
def run() -> None:
    """Catch the log-following workflows (errata, reward revocations) up with the log."""
    settings = DatabaseSettings.from_environment()
    tally = open_tally(settings)
    for name, position in run_workflows(tally, settings).items():
        console.print(f"{name}: {position}")


@workflows_app.command("close")
def close(period: str = typer.Option(..., "--period", help="2025, 2025-H1, 2025-Q3 or 2025-07."),
          actor: str = typer.Option(..., "--actor", help="Who closes the period."),
          known_at: str | None = typer.Option(None, "--known-at",
                                              help="Close as known then (default now).")
          ) -> None:
    """Close a period: publish its bulletin pinned to the log, grant rewards and honours."""
    settings = DatabaseSettings.from_environment()
    tally = open_tally(settings)
    bulletin_id = close_period(tally, open_projection(settings, "ledger"), period,
                               meta=CommandMeta(actor=actor, known_at=known_at))
    published = tally.published_bulletin(period)
    console.print(f"{bulletin_id} {published['period']} position={published['position']} "
                  f"sha256={published['digest']}")


@workflows_app.command("fill-honours")
def fill_honours(year: str = typer.Option(..., "--year", help="A closed year, such as 2025."),
                 reason: str = typer.Option(..., "--reason", help="The office's decision."),
                 actor: str = typer.Option(..., "--actor", help="Who records the decision."),
                 known_at: str | None = typer.Option(
                     None, "--known-at", help="Rank as known then (default now).")) -> None:
    """Fill the places of a year's revoked honours (递补): each by the best ranked holder
    within the same rules who holds no honour of that category that year."""
    settings = DatabaseSettings.from_environment()
    tally = open_tally(settings)
    filled = fill_vacancies(tally, open_projection(settings, "ledger"),
                            open_projection(settings, "catalog"), year, reason,
                            CommandMeta(actor=actor, known_at=known_at))
    for honour_id in filled:
        honour = tally.repository.get(honour_id)
        console.print(f"{honour_id} {honour.category} {honour.rank} {honour.name}", markup=False)
    console.print(f"{len(filled)} honours awarded in revoked ones' places")


@workflows_app.command("reissue")
def reissue_command(period: str = typer.Option(..., "--period", help="A published period."),
                    path: Path | None = OUTPUT_OPTION) -> None:
    """Re-issue a published bulletin: the same bytes, checked against its digest."""
    settings = DatabaseSettings.from_environment()
    tally = open_tally(settings)
    again = reissue(tally, open_projection(settings, "ledger"), period)
    if again.digest != tally.published_bulletin(period)["digest"]:
        raise typer.Exit(code=1)
    if path is None:
        sys.stdout.buffer.write(again.data + b"\n")
    else:
        path.write_bytes(again.data)


def reminders_command(
    as_of: str | None = typer.Option(None, "--as-of", help="Chase as of this day (default today)."),
    log: Path = LOG_OPTION,
    lapse: bool = typer.Option(False, "--record-lapses",
                               help="Record overdue commission parts as lapsed."),
    actor: str = typer.Option("workflow:chasing", "--actor"),
    output: OutputFormat = FORMAT_OPTION, path: Path | None = OUTPUT_OPTION,
) -> None:
    """Who to chase: behind the quota, commissions near or past deadline, instructions."""
    settings = DatabaseSettings.from_environment()
    tally = open_tally(settings)
    day = inputs.day("as_of", as_of) if as_of else tally.today()
    boards, ledger = open_projection(settings, "boards"), open_projection(settings, "ledger")
    refresh(tally, boards)
    refresh(tally, ledger)
    if lapse:
        record_lapses(tally, boards.view, day, CommandMeta(actor=actor))
        refresh(tally, boards)
        refresh(tally, ledger)
    found = reminders(ScoreReports(ledger.view, tally.zone), boards.view, day)
    LogFileDelivery(log).deliver(found, day)
    emit([r.as_dict() for r in found], REMINDER_COLUMNS, output,
         title=f"催报提醒（{day.isoformat()}）", path=path)


def register(app: typer.Typer, report_app: typer.Typer) -> None:
    """Mount ``tally workflows`` and ``tally report reminders``."""
    app.add_typer(workflows_app, name="workflows")
    report_app.command("reminders")(reminders_command)
