"""The ``tally`` command line."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from api import cli_bench, cli_integrity
from api.cli_accounts import account_app
from api.cli_ledgers import register as mount_ledgers
from api.cli_reports import report_app
from api.cli_scores import explain, method_app
from api.cli_workflows import register as mount_workflows
from api.errors import CLI_ERRORS, cli_message
from domain.application import Tally
from store.bootstrap import init_database, open_tally
from store.settings import URL_VARIABLE, DatabaseSettings, DatabaseURLError

app = typer.Typer(help="Tally: information and publicity work, recorded as facts.",
                  no_args_is_help=True)
db_app = typer.Typer(help="Database set-up.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(account_app, name="account")
app.add_typer(method_app, name="method")
app.add_typer(report_app, name="report")
app.add_typer(cli_bench.bench_app, name="bench")
app.command()(explain)
cli_integrity.register(app, db_app)
mount_workflows(app, report_app)
mount_ledgers(app)
console = Console()


@db_app.command("init")
def db_init() -> None:
    """Create the event store and read-model tables (run once, before any worker)."""
    settings = DatabaseSettings.from_environment()
    renewed = init_database(settings)
    console.print(f"[green]Tables ready[/green] on {settings.backend} ({URL_VARIABLE}).")
    if renewed:
        console.print(f"[yellow]Made again, empty[/yellow] (their tables were of an earlier "
                      f"release): {', '.join(renewed)}. Run `tally rebuild` before serving.")


@app.command()
def project(
    follow: bool = typer.Option(False, "--follow", help="Keep following the log."),
    only: Annotated[list[str] | None,
                    typer.Option("--only", help="Just this projection (repeatable).")] = None,
) -> None:
    """Bring the projections up to date with the log (and keep them so with --follow)."""
    from projections.registry import open_projections
    from projections.runner import catch_up, follow_together

    settings = DatabaseSettings.from_environment()
    tally = open_tally(settings)
    projections = open_projections(settings)
    only = only or []
    unknown = sorted(set(only) - set(projections))
    if unknown:
        raise typer.BadParameter(f"no projection {unknown[0]}; there are: "
                                 + ", ".join(projections), param_hint="--only")
    chosen = {name: p for name, p in projections.items() if not only or name in only}
    if not follow:
        for name, projection in chosen.items():
            console.print(f"{name}: at position {catch_up(tally, projection)}")
        return
    # One loop reads and decodes each page once for all of them; each commits its rows with
    # its own position.
    follow_together(tally, list(chosen.values()))


@app.command()
def rebuild() -> None:
    """Empty every read model and project the whole log again."""
    from projections.rebuild import rebuild_projections
    from projections.registry import PROJECTIONS

    settings = DatabaseSettings.from_environment()
    tally = open_tally(settings)
    total = tally.recorder.max_notification_id() or 0
    tally.close()
    names = [projection_class.name for projection_class, _ in PROJECTIONS]
    # On PostgreSQL the projections rebuild in parallel processes, each group reading the log
    # once; a bar per projection.
    with Progress(console=console) as progress:
        tasks = {name: progress.add_task(f"rebuilding {name}", total=total) for name in names}
        rebuild_projections(settings, names,
                            progress=lambda name, n: progress.advance(tasks[name], n))


@app.command()
def serve(host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve the web interface."""
    import uvicorn

    uvicorn.run("api.web:serving_app", factory=True, host=host, port=port)


DEMO_URL = "sqlite:///tally-demo.db"
ROLE_LABELS = {"administrator": "管理员", "editor": "编辑", "auditor": "审计", "leader": "领导",
               "approver": "单位审核人", "officer": "信息员"}


@app.command()
def demo(
    database: str | None = typer.Option(
        None, "--database",
        help=f"Database URL (default: {URL_VARIABLE} if set, else {DEMO_URL}).",
    ),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to serve the web pages on."),
    port: int = typer.Option(8000, "--port", help="Port to serve the web pages on."),
    no_serve: bool = typer.Option(False, "--no-serve", help="Generate the year and exit."),
) -> None:
    """Record a realistic year (2025) of a county bureau in a fresh store, then serve it."""
    from api.auth import Authenticator
    from api.demo import generate_demo, publish_demo_bulletins, set_demo_passwords
    from store.credentials import open_credentials

    settings = DatabaseSettings(database or os.environ.get(URL_VARIABLE) or DEMO_URL)
    try:
        start_fresh_store(settings)
    except DatabaseURLError as error:
        console.print(f"[red]{error}[/red]", soft_wrap=True)
        raise typer.Exit(2) from None
    tally = open_tally(settings)
    try:
        started = time.perf_counter()
        with demo_progress() as progress:
            task = progress.add_task("recording the 2025 demo year", total=None)
            summary = generate_demo(
                tally, progress=lambda done, total: progress.update(task, completed=done,
                                                                    total=total))
            catch_up_projections(tally, settings, progress)
            task = progress.add_task("publishing the 2025 bulletins", total=None)
            published = publish_demo_bulletins(
                tally, settings, progress=lambda done, total: progress.update(
                    task, completed=done, total=total))
            elapsed = time.perf_counter() - started
        set_demo_passwords(Authenticator(tally, open_credentials(settings)))
    finally:
        tally.close()
    console.print(
        f"[green]Demo year recorded[/green] in {elapsed:.1f} s on {settings.backend}: "
        f"{summary['units']} units, {summary['officers']} officers, "
        f"{summary['submissions']} submissions, {summary['adoptions']} adoptions, "
        f"{summary['instructions']} leader instructions, {summary['commands']} commands; "
        f"{published['bulletins']} bulletins published five days after their periods ended, "
        f"{published['errata']} errata issued for what was learned later."
    )
    address = f"http://{host}:{port}/"
    console.print(f"Web pages: [bold]{address}[/bold]")
    console.print(demo_logins_table())
    if no_serve:
        return
    import uvicorn

    from api.web import serving_app

    uvicorn.run(serving_app(settings), host=host, port=port)


def start_fresh_store(settings: DatabaseSettings) -> None:
    """Replace an old SQLite demo file; refuse a store that holds other facts.

    A PostgreSQL store is never emptied here, so it is refused as soon as it holds any event.
    """
    if settings.backend == "sqlite":
        refuse_if_holding(events_not_from_a_demo(settings), settings)
        delete_sqlite_files(settings)
        init_database(settings)
        return
    init_database(settings)
    tally = open_tally(settings)
    try:
        refuse_if_holding(tally.recorder.max_notification_id() or 0, settings)
    finally:
        tally.close()


def events_not_from_a_demo(settings: DatabaseSettings) -> int:
    """How many events an existing SQLite store holds, unless an earlier demo recorded them."""
    import sqlite3

    from api.demo import is_demo_store
    from domain.errors import StoreNotInitialisedError

    if settings.sqlite_path.startswith("file:") or not Path(settings.sqlite_path).exists():
        return 0
    try:
        tally = open_tally(settings)
    except (StoreNotInitialisedError, sqlite3.DatabaseError):
        return 0  # not a Tally store: nothing recorded would be lost
    try:
        return 0 if is_demo_store(tally) else tally.recorder.max_notification_id() or 0
    finally:
        tally.close()


def delete_sqlite_files(settings: DatabaseSettings) -> None:
    if settings.sqlite_path.startswith("file:"):
        return  # an in-memory store starts empty
    path = Path(settings.sqlite_path)
    for suffix in ("", "-wal", "-shm", "-journal"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)


def refuse_if_holding(events: int, settings: DatabaseSettings) -> None:
    if not events:
        return
    example = ("sqlite:///tally-demo.db" if settings.backend == "sqlite"
               else "'postgresql://user@host/db?schema=tally_demo'")
    console.print(
        f"[red]This {settings.backend} store already holds {events} "
        f"event{'' if events == 1 else 's'}.[/red] "
        "`tally demo` records its year only in a new, empty store: "
        f"give another one, e.g. --database {example}.",
        soft_wrap=True,
    )
    raise typer.Exit(1)


def demo_progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=console)


def catch_up_projections(tally: Tally, settings: DatabaseSettings, progress: Progress) -> None:
    from projections.registry import open_projections
    from projections.runner import catch_up

    total = tally.recorder.max_notification_id() or 0
    for name, projection in open_projections(settings).items():
        task = progress.add_task(f"projecting {name}", total=total)
        catch_up(tally, projection, progress=lambda n, t=task: progress.advance(t, n))
        progress.update(task, completed=total)
        projection.view.datastore.close()  # type: ignore[attr-defined]


def demo_logins_table() -> Table:
    from api.demo import DEMO_PASSWORD, demo_logins

    table = Table(title=f"Demo logins (password {DEMO_PASSWORD} for every account)")
    for column in ("角色 role", "用户名 username", "姓名 name"):
        table.add_column(column)
    officers = [login for login in demo_logins() if login[0] == "officer"]
    for role, username, name in demo_logins():
        if role != "officer":
            table.add_row(f"{ROLE_LABELS[role]} {role}", username, name)
    if officers:
        table.add_row(f"{ROLE_LABELS['officer']} officer",
                      f"{officers[0][1]} … {officers[-1][1]}",
                      f"{officers[0][2]} 等 {len(officers)} 名信息员")
    return table


def main() -> None:
    try:
        app()
    except CLI_ERRORS as error:
        Console(stderr=True).print(cli_message(error), style="red", markup=False)
        raise SystemExit(1) from None
