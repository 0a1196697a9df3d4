"""The ``tally`` command line."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.progress import Progress

from store.bootstrap import init_database, open_tally
from store.settings import URL_VARIABLE, DatabaseSettings

app = typer.Typer(help="Tally: information and publicity work, recorded as facts.",
                  no_args_is_help=True)
db_app = typer.Typer(help="Database set-up.", no_args_is_help=True)
app.add_typer(db_app, name="db")
console = Console()


@db_app.command("init")
def db_init() -> None:
    """Create the event store and read-model tables (run once, before any worker)."""
    settings = DatabaseSettings.from_environment()
    init_database(settings)
    console.print(f"[green]Tables ready[/green] on {settings.backend} ({URL_VARIABLE}).")


@app.command()
def project(follow: bool = typer.Option(False, "--follow", help="Keep following the log.")) -> None:
    """Bring every projection up to date with the log (and keep it so with --follow)."""
    from projections.registry import open_projections
    from projections.runner import catch_up, follow as follow_log

    settings = DatabaseSettings.from_environment()
    tally = open_tally(settings)
    projections = open_projections(settings)
    for name, projection in projections.items():
        position = catch_up(tally, projection)
        console.print(f"{name}: at position {position}")
    if follow:
        import threading

        threads = [threading.Thread(target=follow_log, args=(tally, p), daemon=True)
                   for p in projections.values()]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()


@app.command()
def rebuild() -> None:
    """Empty every read model and project the whole log again."""
    from projections.registry import open_projections
    from projections.runner import rebuild as rebuild_projection

    settings = DatabaseSettings.from_environment()
    tally = open_tally(settings)
    total = tally.recorder.max_notification_id() or 0
    for name, projection in open_projections(settings).items():
        with Progress(console=console) as progress:
            task = progress.add_task(f"rebuilding {name}", total=total)
            rebuild_projection(tally, projection,
                               progress=lambda n, t=task: progress.advance(t, n))


@app.command()
def serve(host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve the web interface."""
    import uvicorn

    uvicorn.run("api.web:create_app", factory=True, host=host, port=port)


def main() -> None:
    app()
