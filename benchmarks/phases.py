"""The measured phases of a benchmark run; each heavy phase runs in a child process of its own,
so that its peak memory (``ru_maxrss``) is its own."""

from __future__ import annotations

import cProfile
import os
import random
import resource
import time
from collections.abc import Iterator
from dataclasses import asdict
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from eventsourcing.persistence import ApplicationRecorder, InfrastructureFactory, StoredEvent
from eventsourcing.utils import Environment

from api.ledger_export import export_ledgers
from api.ledger_import import import_ledgers
from api.web import tune_collector
from benchmarks.province import ZONE, Scale, generate
from domain.application import CommandMeta
from domain.fold import FactFolder
from domain.period import Period
from domain.standings import standings
from domain.values import HolderKind
from projections import runner
from projections.rebuild import groups, rebuild_projections
from projections.registry import PROJECTIONS, open_projection, open_projections
from projections.scores import ScoreReports
from store.bootstrap import init_database, open_tally
from store.settings import DatabaseSettings

#: Notifications per page, for the raw reading and for the projections (the runner's batch).
PAGE = runner.BATCH
#: Events appended one per transaction for the single-append yardstick.
SINGLE_APPENDS = 1_000


def peak_rss_mb() -> float:
    """This process's peak resident set size, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def generate_ledgers(source_url: str, scale: dict[str, Any], folder: str) -> dict[str, Any]:
    """The workload, not measured: the generator writes the province's year through the domain
    into a scratch store, and ``api.ledger_export`` writes it out as a ledger folder."""
    settings = DatabaseSettings(source_url)
    init_database(settings)
    app = open_tally(settings)
    started = time.perf_counter()
    log = generate(app, Scale(**scale))
    generated = time.perf_counter() - started
    exported = export_ledgers(app, Path(folder))
    app.close()
    return {"events": log.events, "saves": log.saves, "seconds": generated,
            "export_seconds": time.perf_counter() - started - generated,
            "counts": log.counts, "rows": exported.rows,
            "not_exported": dict(exported.not_exported),
            "first_known": log.first_known.isoformat() if log.first_known else None,
            "last_known": log.last_known.isoformat() if log.last_known else None}


def import_log(url: str, folder: str, profile: str | None = None) -> dict[str, Any]:
    """Tally's bulk import, timed alone: ``import_ledgers`` of the folder into the empty store
    (reading, checking, the domain's commands, the chained append in one transaction)."""
    app = open_tally(DatabaseSettings(url))
    profiler = cProfile.Profile() if profile else None
    started = time.perf_counter()
    if profiler is not None:
        profiler.enable()
    report = import_ledgers(app, Path(folder))
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(profile)
    seconds = time.perf_counter() - started
    app.close()
    if not report.ok:
        raise RuntimeError(f"the import refused {len(report.errors)} rows, the first: "
                           f"{report.errors[0]}")
    return {"events": report.events, "seconds": seconds, "rate": report.events / seconds,
            "rows": sum(report.rows.values()), "commands": sum(report.commands.values()),
            "timings": report.timings, "rss_mb": peak_rss_mb()}


def raw_recorder(settings: DatabaseSettings, name: str = "BenchRaw", suffix: str = "raw"
                 ) -> ApplicationRecorder:
    """The library's own recorder (no record time, no chain) in a table of its own."""
    env = settings.eventsourcing_env(create_table=True)
    if settings.backend == "postgres":
        env["PERSISTENCE_MODULE"] = "eventsourcing.postgres"
    else:
        env["PERSISTENCE_MODULE"] = "eventsourcing.sqlite"
        env["SQLITE_DBNAME"] = f"{settings.sqlite_path}.{suffix}"
    factory = InfrastructureFactory.construct(Environment(name, env))
    return factory.application_recorder()


def _stored_pages(app: Any, size: int) -> Iterator[list[StoredEvent]]:
    position = 0
    while page := app.recorder.select_notifications(position, size, inclusive_of_start=False):
        position = page[-1].id
        yield [StoredEvent(n.originator_id, n.originator_version, n.topic, n.state)
               for n in page]


def raw_rates(url: str, batch: int) -> dict[str, Any]:
    """The library's yardsticks: batched ``insert_events`` of the very events Tally stored
    (same sizes, same batch size), then reading and decoding them all in pages."""
    settings = DatabaseSettings(url)
    app = open_tally(settings)
    recorder = raw_recorder(settings)
    appended, append_seconds, state_bytes = 0, 0.0, 0
    for page in _stored_pages(app, batch):
        started = time.perf_counter()
        recorder.insert_events(page)
        append_seconds += time.perf_counter() - started
        appended += len(page)
        state_bytes += sum(len(e.state) for e in page)
    # One event per transaction, one client: what a command's append costs at least (the
    # lock, the insert and the commit's flush to disk), the ceiling of sequential commands.
    one = raw_recorder(settings, "BenchOne", "one")
    singles = next(_stored_pages(app, SINGLE_APPENDS), [])
    started = time.perf_counter()
    for event in singles:
        one.insert_events([event])
    one_seconds = time.perf_counter() - started
    read, position = 0, 0
    started = time.perf_counter()
    while notifications := recorder.select_notifications(position, PAGE,
                                                         inclusive_of_start=False):
        for notification in notifications:
            app.mapper.to_domain_event(notification)
        read += len(notifications)
        position = notifications[-1].id
    read_seconds = time.perf_counter() - started
    app.close()
    return {"append": {"events": appended, "seconds": append_seconds,
                       "rate": appended / append_seconds, "batch": batch,
                       "mean_state_bytes": state_bytes / max(1, appended)},
            "append_one": {"events": len(singles), "seconds": one_seconds,
                           "rate": len(singles) / one_seconds if one_seconds else 0.0},
            "read_decode": {"events": read, "seconds": read_seconds,
                            "rate": read / read_seconds, "page": PAGE}}


def rebuild_all(url: str) -> dict[str, Any]:
    """Every projection of the registry emptied and projected again, as ``tally rebuild``
    does it (``projections.rebuild``: on PostgreSQL, groups of projections in parallel
    processes, each group reading the log once)."""
    settings = DatabaseSettings(url)
    projections = open_projections(settings)
    names = list(projections)
    for projection in projections.values():
        projection.view.datastore.close()  # type: ignore[attr-defined]
    started = time.perf_counter()
    position = rebuild_projections(settings, names)
    seconds = time.perf_counter() - started
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"events": position, "seconds": seconds, "rate": position / seconds,
            "projections": names, "processes": len(groups(names, os.cpu_count() or 1))
            if settings.backend == "postgres" else 1,
            "rss_mb": max(peak_rss_mb(), children)}


def server_connection(settings: DatabaseSettings) -> Any:
    """A psycopg connection (autocommit) to the store's PostgreSQL database."""
    import psycopg

    env = settings.eventsourcing_env()
    return psycopg.connect(dbname=env["POSTGRES_DBNAME"], host=env["POSTGRES_HOST"],
                           port=env["POSTGRES_PORT"], user=env["POSTGRES_USER"],
                           password=env["POSTGRES_PASSWORD"], autocommit=True)


def write_floor(url: str) -> dict[str, Any]:
    """What writing the read models costs the server alone, whatever computes their rows:
    every row the projections' tables hold now (after a rebuild) is written again, in the
    server, into empty copies of the tables (``INSERT ... SELECT``: no client, no Python, no
    network), in one transaction, then their keys and indexes are built, as a rebuild into
    emptied tables does at best. A rebuild cannot be faster than this plus reading and
    decoding the log; PostgreSQL only."""
    settings = DatabaseSettings(url)
    if settings.backend != "postgres":
        return {"measured": False, "reason": "PostgreSQL only"}
    from psycopg import sql

    schema = settings.eventsourcing_env()["POSTGRES_SCHEMA"]
    scratch = f"{schema}_floor"[:63]
    tables = sorted({table for _, views in PROJECTIONS for table in views["postgres"].tables})
    app = open_tally(settings)
    events = app.recorder.max_notification_id() or 0
    app.close()
    with server_connection(settings) as conn:
        indexes = [row[0] for row in conn.execute(
            "SELECT indexdef FROM pg_indexes WHERE schemaname = %s AND tablename = ANY(%s)",
            (schema, tables))]
        rows = sum(conn.execute(sql.SQL("SELECT count(*) FROM {}.{}").format(
            sql.Identifier(schema), sql.Identifier(table))).fetchone()[0] for table in tables)
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {0} CASCADE; CREATE SCHEMA {0}").format(
            sql.Identifier(scratch)))
        try:
            for table in tables:
                conn.execute(sql.SQL("CREATE TABLE {}.{} (LIKE {}.{} INCLUDING DEFAULTS)").format(
                    sql.Identifier(scratch), sql.Identifier(table), sql.Identifier(schema),
                    sql.Identifier(table)))
            started = time.perf_counter()
            with conn.transaction():
                conn.execute("SET LOCAL synchronous_commit TO off")
                for table in tables:
                    conn.execute(sql.SQL("INSERT INTO {}.{} SELECT * FROM {}.{}").format(
                        sql.Identifier(scratch), sql.Identifier(table), sql.Identifier(schema),
                        sql.Identifier(table)))
                load = time.perf_counter() - started
                for index in indexes:  # pg_indexes names the table as schema.table
                    conn.execute(index.replace(f" ON {schema}.", f" ON {scratch}.", 1)
                                 .replace(f' ON "{schema}".', f' ON "{scratch}".', 1))
            seconds = time.perf_counter() - started
        finally:
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(
                sql.Identifier(scratch)))
    return {"measured": True, "events": events, "tables": len(tables), "rows": rows,
            "indexes": len(indexes), "load_seconds": load, "seconds": seconds}


PERIOD_KINDS = ("year", "half", "quarter", "month")


def query_pairs(first: datetime, last: datetime, years: int, first_year: int, count: int,
                seed: int) -> list[tuple[str, datetime]]:
    """Random (period, as-of) pairs: a period of a generated year, known at a random moment
    between its start and the end of the log."""
    rng = random.Random(seed)
    pairs = []
    for _ in range(count):
        year = first_year + rng.randrange(years)
        kind = rng.choice(PERIOD_KINDS)
        label = {"year": f"{year}", "half": f"{year}-H{rng.randint(1, 2)}",
                 "quarter": f"{year}-Q{rng.randint(1, 4)}",
                 "month": f"{year}-{rng.randint(1, 12):02d}"}[kind]
        start = datetime.combine(Period.parse(label).start, datetime.min.time(), ZONE)
        span = (last - start).total_seconds()
        pairs.append((label, start + timedelta(seconds=rng.uniform(0, span))))
    return pairs


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def _summary(key: str, standings_list: list[Any]) -> list[tuple[str, str, int]]:
    return [(s.code, f"{s.points:.2f}", s.rank) for s in standings_list]


def as_of_queries(url: str, pairs: list[tuple[str, str]], naive_count: int) -> dict[str, Any]:
    """The as-of ranking from the points ledger for every pair, then the first
    ``naive_count`` pairs again by replaying the log and folding it; both must agree."""
    settings = DatabaseSettings(url)
    app = open_tally(settings)
    ledger = open_projection(settings, "ledger")
    reports = ScoreReports(ledger.view, ZONE)
    reports.ranking("2025", as_of=pairs[0][1])  # connect and prepare before timing
    tune_collector()  # as the server process that answers the ranking page has it
    times, answers = [], []
    for period, as_of in pairs:
        started = time.perf_counter()
        # the ranking report's own path: each holder's sums from the database (detail=False)
        answer = reports.standings(period, "officer", as_of, detail=False)
        times.append(time.perf_counter() - started)
        answers.append(_summary("", answer))  # kept small: whole standings held GBs
    holders = len(answers[0]) if answers else 0
    naive_times, agree = [], True
    for (period, as_of), projected in zip(pairs[:naive_count], answers, strict=False):
        started = time.perf_counter()
        replayed = replay_standings(app, period, datetime.fromisoformat(as_of))
        naive_times.append(time.perf_counter() - started)
        agree = agree and _summary("", replayed) == projected
    app.close()
    return {
        "queries": len(times), "p50_ms": percentile(times, 50) * 1000,
        "p95_ms": percentile(times, 95) * 1000, "max_ms": max(times) * 1000,
        "holders": holders,
        "naive": {"queries": len(naive_times),
                  "p50_ms": percentile(naive_times, 50) * 1000,
                  "mean_ms": sum(naive_times) / max(1, len(naive_times)) * 1000,
                  "agree": agree},
        "rss_mb": peak_rss_mb(),
    }


def replay_standings(app: Any, period: str, as_of: datetime) -> list[Any]:
    """The naive answer: read the log from the start, fold every fact known at ``as_of``,
    score the folded facts. It stops at the first page holding nothing known by then (the
    generator records in known-time order, batch by batch, so nothing later is)."""
    folder = FactFolder()
    position = 0
    while page := app.recorder.select_notifications(position, 5 * PAGE,
                                                    inclusive_of_start=False):
        position = page[-1].id
        any_known = False
        for notification in page:
            event = app.mapper.to_domain_event(notification)
            cause = getattr(event, "cause", None)
            known = (cause.known_at if cause is not None and cause.known_at
                     else notification.recorded_at)
            if known <= as_of:
                any_known = True
                folder.apply(event)
        if not any_known:
            break
    return standings(folder.facts, Period.parse(period), HolderKind.OFFICER)


def record_history(app: Any, first_day: str, facts: int) -> None:
    """``facts`` facts of an old register known through the log's first month, in the order
    they were known, as an import of history records them: the year before the log's, a unit,
    then four officers of it, each enrolled and then leaving before the log's first day (so
    the log's rankings list the same officers after the history as before it)."""
    start = datetime.fromisoformat(f"{first_day}T08:00:00")
    step = timedelta(days=28) / max(1, facts)
    year = int(first_day[:4]) - 1
    for number in range(facts):
        meta = CommandMeta(actor="bench", known_at=(start + number * step).isoformat())
        unit, place = f"HISTORY-{number // 9:04d}", number % 9
        officer = f"{unit}-{(place + 1) // 2}"
        if place == 0:
            app.register_unit(unit, f"历史台账单位{number // 9}", "县直单位", f"{year}-01-01",
                              meta=meta)
        elif place % 2:
            app.enrol_officer(officer, f"历史人员{number}", unit, f"{year}-01-01", meta=meta)
        else:
            app.record_leaving(officer, f"{year}-12-31", "调离", meta=meta)


def history_rewind(url: str, first_day: str, facts: int, pairs: list[tuple[str, str]]
                   ) -> dict[str, Any]:
    """History into a live store: ``facts`` facts known in the log's first month (units and
    officers of an old register) recorded after the whole log make the ledger rewind over
    everything known after them. Timed: the ledger catching up; then rankings of random
    moments again, over the rewound rows (the peak RSS is read before them: it is the
    catch-up's)."""
    settings = DatabaseSettings(url)
    app = open_tally(settings)
    ledger = open_projection(settings, "ledger")
    runner.catch_up(app, ledger)  # current before the history comes (the load's commands)
    view: Any = ledger.view
    before = int(view.query("SELECT COUNT(*) AS n FROM fact_log")[0]["n"])
    record_history(app, first_day, facts)
    started = time.perf_counter()
    runner.catch_up(app, ledger)
    seconds = time.perf_counter() - started
    rewinds = view.query("SELECT COUNT(*) AS n, MIN(known_at) AS known_at FROM ledger_rewinds")[0]
    rss = peak_rss_mb()
    view.datastore.close()
    app.close()
    rankings = as_of_queries(url, pairs, 0)
    return {"facts": before, "history": facts, "seconds": seconds,
            "rewinds": int(rewinds["n"]), "rewound_from": rewinds["known_at"], "rss_mb": rss,
            "as_of": ranking_figures(rankings)}


def ranking_figures(rankings: dict[str, Any]) -> dict[str, Any]:
    """What the rewind phase keeps of ``as_of_queries``' answer (no replays, no RSS)."""
    return {key: rankings[key] for key in ("queries", "p50_ms", "p95_ms", "max_ms", "holders")}


def describe(value: Any) -> Any:
    return asdict(value) if hasattr(value, "__dataclass_fields__") else value


__all__ = ["as_of_queries", "date", "generate_ledgers", "history_rewind", "import_log",
           "ranking_figures", "raw_rates", "rebuild_all", "record_history"]
