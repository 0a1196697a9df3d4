"""``tally import`` and ``tally export-ledgers``: existing ledgers in, a store's facts out."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from api.ledger_import import ImportReport

console = Console()
STAGES = {"checking": "检查各文件 checking the files", "recording": "核对并记录 recording",
          "writing": "写入 writing"}


def register(app: typer.Typer) -> None:
    app.command("import")(import_command)
    app.command("export-ledgers")(export_command)


def import_command(
    source: Annotated[Path, typer.Argument(
        exists=True, help="A folder of CSV files, or an .xlsx workbook.")],
    method: Annotated[Path | None, typer.Option(
        "--method", exists=True, dir_okay=False,
        help="The scoring-method file (default: method*.toml in the folder).")] = None,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Check every row and run every command, then write nothing.")] = False,
) -> None:
    """Import existing ledgers, all or nothing (see docs/import.md)."""
    from api.ledger_import import import_ledgers
    from store.bootstrap import open_tally
    from store.settings import DatabaseSettings

    tally = open_tally(DatabaseSettings.from_environment())
    try:
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=console) as progress:
            tasks: dict[str, int] = {}

            def show(stage: str, done: int, total: int) -> None:
                if stage not in tasks:
                    tasks[stage] = progress.add_task(STAGES[stage], total=total)
                progress.update(tasks[stage], completed=done, total=total)

            report = import_ledgers(tally, source, method=method, progress=show,
                                    dry_run=dry_run)
    finally:
        tally.close()
    if not report.ok:
        console.print(errors_table(report))
        console.print(f"[red]Nothing was imported:[/red] {len(report.errors)} "
                      f"problem{'' if len(report.errors) == 1 else 's'} (run {report.run_id}).",
                      soft_wrap=True)
        raise typer.Exit(1)
    console.print(summary_table(report))
    if report.dry_run:
        console.print(f"[green]Checked:[/green] the import would record {report.events} events; "
                      "nothing was written (a dry run).", soft_wrap=True)
        return
    for code in report.methods_already_published:
        console.print(f"Method {code} was already published; it was not published again.")
    first, last = report.positions or (0, 0)
    console.print(f"[green]Imported[/green] {report.events} events at positions {first}–{last} "
                  f"in {report.seconds:.1f} s, correlation ids import/{report.run_id}/FILE:LINE.",
                  soft_wrap=True)


def errors_table(report: ImportReport) -> Table:
    table = Table(title="导入被拒绝 The import was refused")
    for heading in ("文件 file", "行 line", "列 field", "问题 problem"):
        table.add_column(heading, overflow="fold")
    for error in report.errors:
        table.add_row(error.file, str(error.line or ""), error.field, error.message)
    return table


def summary_table(report: ImportReport) -> Table:
    table = Table(title=f"导入 Import {report.run_id}")
    table.add_column("文件 file")
    table.add_column("行数 rows", justify="right")
    for name, rows in sorted(report.rows.items()):
        table.add_row(name, str(rows))
    return table


def export_command(
    target: Annotated[Path, typer.Argument(help="A folder for the CSV files, or a .xlsx file.")],
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="Only the facts the office knew then (a date: its end); default all.",
    )] = None,
) -> None:
    """Write the store's facts as the ledger files `tally import` reads."""
    from api.ledger_export import export_ledgers
    from store.bootstrap import open_tally
    from store.settings import DatabaseSettings

    if target.suffix.lower() != ".xlsx" and target.exists() and any(target.iterdir()):
        raise typer.BadParameter(f"{target} is not empty", param_hint="TARGET")
    tally = open_tally(DatabaseSettings.from_environment())
    try:
        report = export_ledgers(tally, target, as_of)
    finally:
        tally.close()
    table = Table(title=f"导出 Export to {target}" + (f"（截至 {as_of}）" if as_of else ""))
    table.add_column("文件 file")
    table.add_column("行数 rows", justify="right")
    for name, rows in report.rows.items():
        table.add_row(name, str(rows))
    for code in report.methods:
        table.add_row(f"method {code}", "1")
    console.print(table)
    if report.not_exported:
        console.print("[yellow]Facts no ledger file holds (not exported):[/yellow] "
                      + ", ".join(f"{name} ×{count}"
                                  for name, count in sorted(report.not_exported.items())),
                      soft_wrap=True)
