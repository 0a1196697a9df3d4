"""Command-line commands for the integrity of the log: verify, checkpoint, export and restore,
and the application role that may append but never rewrite.

``tally verify`` exits 0 when the chain holds and 1, naming the first position where it breaks,
when it does not; so does ``tally checkpoint``, which verifies from the latest checkpoint before
it writes a new one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from domain.application import Tally
from store.bootstrap import grant_app_role, open_tally
from store.chain import CHAIN_ALGORITHM
from store.logfile import export_log, import_log
from store.settings import DatabaseSettings
from store.verify import Verification, held, stored_hash, verify_chain

console = Console()


@contextmanager
def _tally() -> Iterator[Tally]:
    tally = open_tally(DatabaseSettings.from_environment())
    try:
        yield tally
    finally:
        tally.close()


@contextmanager
def _positions(description: str) -> Iterator[Callable[[int, int], None]]:
    """A progress bar over log positions; yields the callback the store functions call."""
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console, transient=False) as progress:
        task = progress.add_task(description, total=None)

        def advance(position: int, last: int) -> None:
            progress.update(task, completed=position, total=last)

        yield advance


def verify(
    from_checkpoint: Annotated[bool, typer.Option(
        "--from-checkpoint",
        help="Start at the latest checkpoint (after checking it against the stored chain)")
    ] = False,
    position: Annotated[int | None, typer.Option(
        help="A log position whose chain hash you hold (with --hash)")] = None,
    chain_hash: Annotated[str | None, typer.Option(
        "--hash", help="The chain hash you hold for --position, to compare with the log's")
    ] = None,
) -> None:
    """Recompute the hash chain over the log and report the first position where it breaks;
    then recompute every published bulletin at its pinned position and check its digest;
    then compare a chain hash you hold (a printed checkpoint, a bulletin's) with the log's."""
    holding = held(position, chain_hash)  # refused before anything is read
    with _tally() as tally:
        with _positions("verifying the chain") as progress:
            result = verify_chain(tally.recorder, from_checkpoint=from_checkpoint,
                                  progress=progress)
        _report(result)
        _report_bulletins(tally)
        if holding is not None:
            _report_held(tally, *holding)


def _report_held(tally: Tally, position: int, chain_hash: str) -> None:
    stored = stored_hash(tally.recorder, position)
    if stored == chain_hash:
        console.print(f"The chain hash at position {position} [green]is the one you "
                      "hold[/green].", soft_wrap=True)
        return
    if stored is None:
        console.print(f"[red bold]The log has no event at position {position}[/red bold].")
    else:
        console.print(f"[red bold]The chain hash at position {position} differs from the one "
                      f"you hold[/red bold]: the log holds {stored}.", soft_wrap=True)
    raise typer.Exit(1)


def _report_bulletins(tally: Tally) -> None:
    from projections.registry import open_projection
    from workflows.publication import verify_bulletins

    checks = verify_bulletins(tally, open_projection(DatabaseSettings.from_environment(), "ledger"))
    for check in checks:
        if check.ok:
            console.print(f"Bulletin {check.period} (position {check.position}): digest "
                          f"{check.published_digest} [green]agrees[/green]", soft_wrap=True)
        else:
            console.print(f"[red bold]Bulletin {check.period} (position {check.position}) does "
                          f"not agree[/red bold]: published {check.published_digest}, "
                          f"recomputed {check.recomputed_digest}", soft_wrap=True)
    if not all(check.ok for check in checks):
        raise typer.Exit(1)


def _report(result: Verification) -> None:
    if result.broken is not None:
        console.print(f"[red bold]The log fails verification at position "
                      f"{result.broken.position}[/red bold] ({result.broken.kind}): "
                      f"{result.broken.message}.", soft_wrap=True)
        if result.head is not None:
            console.print(f"It verifies up to position {result.head.position}.")
        raise typer.Exit(1)
    start = f" after the checkpoint at position {result.start}" if result.start else ""
    if result.head is None:
        console.print("[green]The log verifies[/green]: it is empty.")
        return
    console.print(
        f"[green]The log verifies[/green]: {result.events} events{start}, up to position "
        f"{result.head.position}; {result.checkpoints} checkpoint(s) agree.\n"
        f"Chain head ({CHAIN_ALGORITHM}) at position {result.head.position}: "
        f"{result.head.chain_hash.hex()}", soft_wrap=True)


def checkpoint() -> None:
    """Verify from the latest checkpoint, then record the chain head as a new checkpoint."""
    with _tally() as tally:
        with _positions("verifying since the last checkpoint") as progress:
            result = verify_chain(tally.recorder, from_checkpoint=True, progress=progress)
        if not result.ok:
            _report(result)
        point = tally.recorder.write_checkpoint()  # type: ignore[attr-defined]
    if point is None:
        console.print("The log is empty: nothing to checkpoint.")
        return
    console.print(f"[green]Checkpoint[/green] at position {point.position}, taken "
                  f"{point.taken_at:%Y-%m-%d %H:%M:%S} UTC: {point.chain_hash.hex()}",
                  soft_wrap=True)


def export_log_command(
    file: Annotated[Path, typer.Argument(help="Where to write (.jsonl, or .jsonl.gz)")],
) -> None:
    """Write the whole log, with record times and chain hashes, to a portable file."""
    with _tally() as tally, _positions(f"exporting to {file.name}") as progress:
        summary = export_log(tally.recorder, file, progress=progress)
    head = (f"chain head at position {summary.head.position}: {summary.head.chain_hash.hex()}"
            if summary.head else "an empty log")
    console.print(f"[green]Exported[/green] {summary.events} events to {file}; {head}",
                  soft_wrap=True)


def import_log_command(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False,
                                         help="A file written by tally export-log")],
) -> None:
    """Restore an exported log into an empty store, verifying its chain as it loads."""
    with _tally() as tally, _positions(f"restoring {file.name}") as progress:
        summary = import_log(tally.recorder, file, progress=progress)
    head = (f"chain head at position {summary.head.position}: {summary.head.chain_hash.hex()}"
            if summary.head else "an empty log")
    console.print(f"[green]Restored[/green] {summary.events} events; {head}. "
                  "Run `tally project` to build the read models.", soft_wrap=True)


def grant_app_role_command(
    name: Annotated[str, typer.Argument(help="The PostgreSQL role the application connects as")],
    password: Annotated[bool, typer.Option("--password", help="Ask for a login password")] = False,
) -> None:
    """Create a PostgreSQL role that may append to the log but never update, delete or
    truncate it (and may read and write the read models)."""
    secret = typer.prompt("Password", hide_input=True, confirmation_prompt=True) \
        if password else None
    created = grant_app_role(DatabaseSettings.from_environment(), name, secret)
    console.print(f"[green]{'Created' if created else 'Updated'}[/green] role {name}: "
                  "SELECT and INSERT on the log, its chain and checkpoints; read and write on "
                  "the read models. Connect the application as this role.", soft_wrap=True)


def register(app: typer.Typer, db_app: typer.Typer) -> None:
    """Mount these commands on the ``tally`` and ``tally db`` command groups."""
    app.command()(verify)
    app.command()(checkpoint)
    app.command("export-log")(export_log_command)
    app.command("import-log")(import_log_command)
    db_app.command("grant-app-role")(grant_app_role_command)
