"""The benchmark command: ``tally bench`` and ``python -m benchmarks`` are the same."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from benchmarks.province import Scale
from benchmarks.run import Options, StoreNotEmptyError, print_results, run_benchmark

app = typer.Typer(help="Performance at province scale, against the library's raw rates.")


@app.callback(invoke_without_command=True)
def run(
    events: Annotated[int, typer.Option(help="about how many events to generate")] = 100_000,
    database: Annotated[str, typer.Option(
        help="an empty store: postgresql://...?schema=NAME or sqlite:////path.db")] = "",
    units: Annotated[int, typer.Option()] = 150,
    officers: Annotated[int, typer.Option()] = 3_000,
    years: Annotated[int, typer.Option()] = 1,
    seed: Annotated[int, typer.Option()] = 2025,
    batch: Annotated[int, typer.Option(help="events per save")] = 2_000,
    queries: Annotated[int, typer.Option(help="as-of ranking queries")] = 200,
    naive: Annotated[int, typer.Option(help="as-of queries answered by replay")] = 3,
    http_seconds: Annotated[float, typer.Option(help="seconds of HTTP load")] = 10.0,
    http_workers: Annotated[int, typer.Option(help="uvicorn worker processes")] = 2,
    http_clients: Annotated[int, typer.Option(help="concurrent HTTP clients")] = 32,
    out: Annotated[Path, typer.Option(help="where to write the JSON results")] = Path(
        "bench-results.json"),
    drop_after: Annotated[bool, typer.Option(help="drop the schema or file afterwards")] = False,
    profile_import: Annotated[str, typer.Option(
        help="write a cProfile file of the import phase here")] = "",
) -> None:
    """Generate a province's log into an empty store and measure it; print a table, write JSON."""
    if not database:
        raise typer.BadParameter("give --database URL of an empty store", param_hint="--database")
    options = Options(database, Scale(events=events, units=units, officers=officers,
                                      years=years, seed=seed, batch=batch),
                      queries=queries, naive_queries=naive, http_seconds=http_seconds,
                      http_workers=http_workers, http_clients=http_clients, out=out,
                      drop_after=drop_after, profile_import=profile_import or None)
    try:
        results = run_benchmark(options, say=lambda text: typer.echo(text, err=True))
    except StoreNotEmptyError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from None
    print_results(results)
    typer.echo(f"results written to {out}")


def main() -> None:
    app(prog_name="python -m benchmarks")
