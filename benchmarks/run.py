"""One benchmark run: a fresh store, the province log, every measurement, a table and a JSON
file. ``python -m benchmarks --events N --database URL`` or ``tally bench run ...``."""

from __future__ import annotations

import json
import multiprocessing
import os
import platform
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from rich.console import Console
from rich.table import Table

from benchmarks import http_load, phases
from benchmarks.province import Scale
from store.bootstrap import init_database, open_tally
from store.settings import DatabaseSettings

TARGETS = {
    "import_vs_raw_append": 0.8, "rebuild_vs_raw_read": 0.6, "as_of_p95_ms": 50.0,
    "as_of_speedup": 100.0, "http_rate": 300.0, "http_p95_ms": 50.0, "lag_p95_ms": 500.0,
    "rss_mb": 500.0,
}


class StoreNotEmptyError(RuntimeError):
    """The benchmark writes its own log and needs a store nobody uses."""


@dataclass(frozen=True)
class Options:
    database: str
    scale: Scale
    queries: int = 200
    naive_queries: int = 3
    http_seconds: float = 10.0
    http_workers: int = 2
    http_clients: int = 32
    out: Path | None = None
    drop_after: bool = False
    profile_import: str | None = None  # a cProfile file of the import phase


class PhaseFailedError(RuntimeError):
    """A phase's child process raised, or died."""


def _in_child(function: Callable[..., dict[str, Any]], *args: Any) -> dict[str, Any]:
    """Run ``function`` in a fresh process, so its peak memory is its own. The process is not
    a pool's daemon, so a phase may start processes of its own (the parallel rebuild does)."""
    context = multiprocessing.get_context("spawn")
    receiving, sending = context.Pipe(duplex=False)
    process = context.Process(target=_child_main, args=(sending, function, args))
    process.start()
    sending.close()
    try:
        outcome, value = receiving.recv()
    except EOFError:
        outcome, value = "error", "the phase's process died"
    process.join()
    if outcome != "ok":
        raise PhaseFailedError(f"{function.__name__}: {value}")
    return value  # type: ignore[no-any-return]


def _child_main(sending: Any, function: Callable[..., dict[str, Any]], args: tuple[Any, ...]
                ) -> None:
    try:
        sending.send(("ok", function(*args)))
    except BaseException:  # noqa: BLE001 (reported to the parent, which raises it)
        sending.send(("error", traceback.format_exc()))


def prepare_store(settings: DatabaseSettings) -> None:
    """Create the tables; refuse a store that already holds events."""
    init_database(settings)
    app = open_tally(settings)
    try:
        if app.recorder.max_notification_id():
            raise StoreNotEmptyError(
                "the benchmark needs an empty store: give a new ?schema= or SQLite file")
    finally:
        app.close()


def drop_store(settings: DatabaseSettings) -> None:
    if settings.backend == "sqlite":
        for suffix in ("", "-wal", "-shm", ".raw", ".raw-wal", ".raw-shm", ".one", ".one-wal",
                       ".one-shm"):
            Path(settings.sqlite_path + suffix).unlink(missing_ok=True)
        return
    from psycopg import sql

    with phases.server_connection(settings) as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(
            sql.Identifier(settings.eventsourcing_env()["POSTGRES_SCHEMA"])))


def machine() -> dict[str, Any]:
    memory = 0
    with open("/proc/meminfo", encoding="ascii") as meminfo:
        for line in meminfo:
            if line.startswith("MemTotal:"):
                memory = int(line.split()[1]) // 1024
    return {"nproc": os.cpu_count(), "memory_mb": memory, "python": platform.python_version(),
            "platform": platform.platform(), "cpu": _cpu_model()}


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def server_version(settings: DatabaseSettings) -> str:
    if settings.backend == "sqlite":
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version}"
    app = open_tally(settings)
    try:
        with app.recorder.datastore.get_connection() as conn:  # type: ignore[attr-defined]
            row = conn.execute("SHOW server_version").fetchone()
            return f"PostgreSQL {next(iter(row.values()))}"
    finally:
        app.close()


def run_benchmark(options: Options, say: Callable[[str], None] = print) -> dict[str, Any]:
    settings = DatabaseSettings(options.database)
    prepare_store(settings)
    tell = say

    def say(text: str) -> None:  # noqa: F811 (each phase's start, with the time of day)
        tell(f"[{time.strftime('%H:%M:%S')}] {text}")

    scale = asdict(options.scale)
    results: dict[str, Any] = {
        "command": command_line(options), "revision": git_revision(),
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "backend": settings.backend, "server": server_version(settings),
        "machine": machine(), "scale": scale, "targets": TARGETS,
    }
    try:
        say(f"workload: generating about {options.scale.events:,} events through the domain "
            "into a scratch store and exporting them as a ledger folder")
        with tempfile.TemporaryDirectory(prefix="tally-bench-") as folder:
            source = source_url(settings)
            try:
                results["workload"] = _in_child(phases.generate_ledgers, source, scale,
                                                folder)
            finally:
                drop_store(DatabaseSettings(source))
            say(f"import: import_ledgers of the folder "
                f"({sum(results['workload']['rows'].values()):,} rows) into the empty store")
            results["import"] = _in_child(phases.import_log, options.database, folder,
                                          options.profile_import)
        results["import"]["path"] = ("api.ledger_import.import_ledgers of the generated year "
                                     "exported as a ledger folder, into an empty store")
        save(options, results)
        say(f"raw: the library's batched append and read-and-decode of "
            f"{results['import']['events']:,} events")
        results["raw"] = _in_child(phases.raw_rates, options.database, options.scale.batch)
        save(options, results)
        say("rebuild: every projection of the registry")
        results["rebuild"] = _in_child(phases.rebuild_all, options.database)
        save(options, results)
        say(f"as-of: {options.queries} ranking queries, {options.naive_queries} by replay")
        first = datetime.fromisoformat(results["workload"]["first_known"])
        last = datetime.fromisoformat(results["workload"]["last_known"])
        pairs = [(period, moment.isoformat()) for period, moment in phases.query_pairs(
            first, last, options.scale.years, options.scale.first_year, options.queries,
            options.scale.seed)]
        results["as_of"] = _in_child(phases.as_of_queries, options.database, pairs,
                                     options.naive_queries)
        save(options, results)
        say("http: commands against the API")
        results["http"] = http_load.measure(options.database, seconds=options.http_seconds,
                                            workers=options.http_workers,
                                            clients=options.http_clients)
        save(options, results)
        history = history_facts(options.scale.events)
        rewind_pairs = pairs[:max(1, options.queries // 2)]
        # the same pairs just before the history, to compare the rewound ledger like with like
        # (in a process of its own: the rewind phase's peak RSS is the catch-up's alone)
        before = _in_child(phases.as_of_queries, options.database, rewind_pairs, 0)
        say(f"rewind: {history:,} facts known in the log's first month recorded after it, "
            "then the ledger catches up")
        results["rewind"] = _in_child(phases.history_rewind, options.database,
                                      f"{options.scale.first_year}-01-01", history,
                                      rewind_pairs)
        results["rewind"]["as_of_before"] = phases.ranking_figures(before)
        save(options, results)
        say("rebuild again: every projection, over the log with the history recorded after it")
        results["rebuild_after_history"] = _in_child(phases.rebuild_all, options.database)
        save(options, results)
        say("write floor: the read models' rows written again in the server, then indexed")
        results["write_floor"] = _in_child(phases.write_floor, options.database)
        results["ratios"] = ratios(results)
        results["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
    finally:
        if options.drop_after:
            drop_store(settings)
    save(options, results)
    return results


def history_facts(events: int) -> int:
    """The history the rewind phase records into the live store: about 2 % of the log, at
    most 4,995 facts (ten pages of a catch-up at least, at 100k and more), in whole groups of
    nine (a unit and four officers who came and left: ``phases.record_history``)."""
    return 9 * max(2, min(555, events // 450))


def save(options: Options, results: dict[str, Any]) -> None:
    """Write the figures measured so far (after every phase: a stopped run keeps them)."""
    if options.out is not None:
        options.out.parent.mkdir(parents=True, exist_ok=True)
        options.out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n",
                               encoding="utf-8")


def command_line(options: Options) -> str:
    """The command that reproduces this run."""
    scale, default = options.scale, Scale()
    parts = ["tally bench", f"--events {scale.events}", f"--database '{options.database}'"]
    for name in ("units", "officers", "years", "seed", "batch"):
        if getattr(scale, name) != getattr(default, name):
            parts.append(f"--{name} {getattr(scale, name)}")
    parts += [f"--queries {options.queries}", f"--naive {options.naive_queries}"]
    if options.out is not None:
        parts.append(f"--out {options.out}")
    return " ".join(parts)


def source_url(settings: DatabaseSettings) -> str:
    """The scratch store the generator writes the workload into, beside the measured one."""
    if settings.backend == "sqlite":
        return f"sqlite:///{settings.sqlite_path}.source"
    parts = urlsplit(settings.url)
    query = parse_qs(parts.query)
    query["schema"] = [query.get("schema", ["public"])[0] + "_source"]
    return urlunsplit(parts._replace(query=urlencode(query, doseq=True)))


def ratios(results: dict[str, Any]) -> dict[str, float | None]:
    raw = results["raw"]
    naive = results["as_of"]["naive"]
    return {
        "import_vs_raw_append": results["import"]["rate"] / raw["append"]["rate"],
        "rebuild_vs_raw_read": results["rebuild"]["rate"] / raw["read_decode"]["rate"],
        "as_of_speedup": (naive["p50_ms"] / results["as_of"]["p50_ms"]
                          if naive["queries"] else None),
    }


def _verdict(value: float | None, target: float, *, below: bool = False) -> str:
    if value is None:
        return "not measured"
    met = value < target if below else value >= target
    return "[green]met[/green]" if met else "[red]missed[/red]"


def print_results(results: dict[str, Any], console: Console | None = None) -> None:
    # Wide enough for the figures when the output is a file (a nohup log, a CI job).
    console = console or Console(width=None if sys.stdout.isatty() else 160)
    table = Table(title=f"Tally at province scale: {results['import']['events']:,} events, "
                        f"{results['server']}, {results['machine']['nproc']} cores")
    table.add_column("measure", no_wrap=True)
    for column in ("figure", "target", ""):
        table.add_column(column)
    imp, raw, reb, q, http = (results[k] for k in ("import", "raw", "rebuild", "as_of", "http"))
    r = results["ratios"]
    table.add_row("raw batched append (library)",
                  f"{raw['append']['rate']:,.0f} events/s "
                  f"(batches of {raw['append']['batch']}, "
                  f"{raw['append']['mean_state_bytes']:.0f} B/event)", "yardstick", "")
    if "append_one" in raw:
        table.add_row("raw append, one event per transaction (library)",
                      f"{raw['append_one']['rate']:,.0f} events/s "
                      f"({raw['append_one']['events']:,} events, one client)",
                      "yardstick", "")
    table.add_row("raw read + decode (library)",
                  f"{raw['read_decode']['rate']:,.0f} events/s "
                  f"(pages of {raw['read_decode']['page']})", "yardstick", "")
    table.add_row("import (import_ledgers of a ledger folder)",
                  f"{imp['rate']:,.0f} events/s = {r['import_vs_raw_append']:.2f}x raw append "
                  f"({imp['events']:,} events, {imp['seconds']:.1f} s)",
                  "≥ 0.8x", _verdict(r["import_vs_raw_append"], 0.8))
    table.add_row("rebuild, all projections",
                  f"{reb['rate']:,.0f} events/s = {r['rebuild_vs_raw_read']:.2f}x raw read "
                  f"({reb['seconds']:.1f} s; {', '.join(reb['projections'])}; "
                  f"{reb.get('processes', 1)} processes, as tally rebuild)",
                  "≥ 0.6x", _verdict(r["rebuild_vs_raw_read"], 0.6))
    table.add_row("as-of ranking (ledger)",
                  f"p50 {q['p50_ms']:.1f} ms, p95 {q['p95_ms']:.1f} ms "
                  f"({q['queries']} queries, {q['holders']} officers)",
                  "p95 < 50 ms", _verdict(q["p95_ms"], 50, below=True))
    naive = q["naive"]
    speed = r["as_of_speedup"]
    table.add_row("as-of ranking by replay",
                  f"p50 {naive['p50_ms']:,.0f} ms ({naive['queries']} queries; "
                  f"{'agrees' if naive['agree'] else 'DISAGREES'}); "
                  + (f"ledger {speed:,.0f}x faster" if speed else ""),
                  "≥ 100x", _verdict(speed, 100))
    if http.get("measured"):
        table.add_row("HTTP commands",
                      f"{http['rate']:,.0f}/s, p50 {http['p50_ms']:.1f} ms, "
                      f"p95 {http['p95_ms']:.1f} ms, p99 {http['p99_ms']:.1f} ms",
                      "≥ 300/s, p95 < 50 ms",
                      _verdict(http["rate"], 300) + " " + _verdict(http["p95_ms"], 50,
                                                                 below=True))
        table.add_row("projection lag under load", f"p95 {http['lag_p95_ms']:.0f} ms",
                      "< 500 ms", _verdict(http["lag_p95_ms"], 500, below=True))
    else:
        table.add_row("HTTP commands", f"not measured: {http['reason']}", "≥ 300/s", "")
        table.add_row("projection lag under load", "not measured",
                      "< 500 ms", "")
    if "rewind" in results:
        rewind = results["rewind"]
        table.add_row("history into the live store (the ledger rewinds)",
                      f"{rewind['history']:,} facts before {rewind['facts']:,}: "
                      f"{rewind['rewinds']} rewind{'s' if rewind['rewinds'] != 1 else ''} in "
                      f"{rewind['seconds']:.1f} s, peak RSS {rewind['rss_mb']:.0f} MB; rankings "
                      f"after it ({rewind['as_of'].get('holders', 0):,} officers) p50 "
                      f"{rewind['as_of']['p50_ms']:.1f} ms, p95 {rewind['as_of']['p95_ms']:.1f} ms"
                      + (f" (just before the history: p50 {before['p50_ms']:.1f} ms, p95 "
                         f"{before['p95_ms']:.1f} ms)"
                         if (before := rewind.get("as_of_before")) else ""),
                      "< 500 MB", _verdict(rewind["rss_mb"], 500, below=True))
    if "rebuild_after_history" in results:
        again = results["rebuild_after_history"]
        table.add_row("rebuild after the history (every projection)",
                      f"{again['events']:,} events in {again['seconds']:.1f} s = "
                      f"{again['rate']:,.0f} events/s, peak RSS {again['rss_mb']:.0f} MB",
                      "< 500 MB", _verdict(again["rss_mb"], 500, below=True))
    floor = results.get("write_floor")
    if floor and floor["measured"]:
        # the whole rebuild of these events at 0.6x the library's read and decode
        allowed = floor["events"] / (0.6 * raw["read_decode"]["rate"])
        reading = floor["events"] / raw["read_decode"]["rate"]
        table.add_row("write floor of a rebuild (the views' rows alone, in the server)",
                      f"{floor['rows']:,} rows of {floor['events']:,} events: "
                      f"{floor['seconds']:.1f} s ({floor['load_seconds']:.1f} s the rows, then "
                      f"{floor['indexes']} keys and indexes) = "
                      f"{floor['seconds'] / allowed:.0%} of the {allowed:.1f} s the 0.6x "
                      f"target allows the whole rebuild, which also reads and decodes the "
                      f"log ({reading:.1f} s at the library's rate)", "analysis", "")
    elif floor:
        table.add_row("write floor of a rebuild", f"not measured: {floor['reason']}",
                      "analysis", "")
    table.add_row("peak RSS", f"import {imp['rss_mb']:.0f} MB, rebuild {reb['rss_mb']:.0f} MB, "
                  f"queries {q['rss_mb']:.0f} MB", "< 500 MB",
                  _verdict(max(imp["rss_mb"], reb["rss_mb"]), 500, below=True))
    console.print(table)
    work = results["workload"]
    console.print(f"workload: {work['events']:,} events generated in {work['saves']:,} saves; "
                  + ", ".join(f"{k} {v:,}" for k, v in work["counts"].items()))
    console.print("import phases (s): " + ", ".join(
        f"{k} {v:.1f}" for k, v in imp["timings"].items()))


def git_revision() -> str:
    """The commit measured: ``TALLY_BENCH_REVISION`` when run from an export of one (``git
    archive``, so that nobody's uncommitted work is measured), else the checkout's HEAD."""
    if os.environ.get("TALLY_BENCH_REVISION"):
        return os.environ["TALLY_BENCH_REVISION"]
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, check=False).stdout.strip()
    except OSError:
        return ""


def timestamp() -> str:
    return time.strftime("%Y%m%d-%H%M%S")
