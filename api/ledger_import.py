"""Import of existing ledgers (docs/import.md): a folder of CSV files or a workbook, recorded
all or nothing, each fact at the moment the office knew it and marked as imported.

First every row of every file is read and checked (types, choices, dates, references, duplicate
ids, shares); then the rows become service commands, run in the order of known time against a
staged store (``api.ledger_staging``), and the whole run's events are appended in one
transaction. Any refusal, in either phase, is reported with its file, line and column, and
nothing is written. ``import_ledgers`` is what the command line and the benchmark call."""

from __future__ import annotations

import secrets
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from eventsourcing.persistence import IntegrityError

from api.ledger_plan import Planner, Step
from api.ledger_rows import FILES, Cells, RowError, Source, parse_rows, read_source
from api.ledger_staging import StagedTally
from domain.application import CommandMeta, Tally
from domain.errors import TallyError
from domain.method import parse_method
from store.settings import DatabaseSettings

#: ``progress(stage, done, total)``: stage is "checking", "recording" or "writing".
Progress = Callable[[str, int, int], None]
ACTOR = "import"
MAX_ERRORS = 1000


@dataclass
class ImportReport:
    """What a run read, and what it wrote or why it wrote nothing."""

    run_id: str
    rows: dict[str, int] = field(default_factory=dict)
    commands: Counter[str] = field(default_factory=Counter)
    events: int = 0
    positions: tuple[int, int] | None = None
    methods_already_published: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)  # seconds per phase

    @property
    def ok(self) -> bool:
        return not self.errors


def new_run_id(now: datetime) -> str:
    return f"{now.strftime('%Y%m%dT%H%M%S')}-{secrets.token_hex(2)}"


def import_ledgers(target: Tally | DatabaseSettings, source: Path, *,
                   method: Path | None = None, progress: Progress | None = None,
                   run_id: str | None = None) -> ImportReport:
    """Record the ledgers in ``source`` into the store, all or nothing."""
    if isinstance(target, DatabaseSettings):
        from store.bootstrap import open_tally

        tally = open_tally(target)
        try:
            return import_ledgers(tally, source, method=method, progress=progress,
                                  run_id=run_id)
        finally:
            tally.close()
    started = time.perf_counter()
    now = target.clock()
    report = ImportReport(run_id or new_run_id(now.astimezone(target.zone)))
    read = read_source(source, method)
    report.rows = {name: len(rows) for name, rows in read.tables.items()}
    report.timings["read"] = time.perf_counter() - started
    staged = StagedTally(target)
    steps = check(read, staged, now, report, progress)
    del read  # the rows are planned: let the recording reuse their memory
    report.timings["check"] = time.perf_counter() - started - sum(report.timings.values())
    if report.ok:
        record(staged, steps, report, progress)
        report.timings["record"] = time.perf_counter() - started - sum(report.timings.values())
    if report.ok:
        write(staged, report, progress)
        report.timings["write"] = time.perf_counter() - started - sum(report.timings.values())
    report.seconds = time.perf_counter() - started
    return report


def check(read: Source, staged: StagedTally, now: datetime, report: ImportReport,
          progress: Progress | None) -> list[Step]:
    """The first phase: every row parsed and checked, and the commands planned."""
    rows = parse_rows(read, Cells(now, staged.zone))
    planner = Planner(rows, staged.stage, now, staged.zone)
    # The methods are known at the earliest moment of the run, before every other fact.
    steps = plan_methods(read, staged, planner, report) + planner.plan()
    report.errors = sorted(read.errors + planner.errors, key=file_order)
    if progress is not None:
        progress("checking", read.rows, read.rows)
    return steps


def file_order(error: RowError) -> tuple[int, int]:
    """Problems in the order of the files (as docs/import.md lists them), then of lines."""
    files = list(FILES)
    return (files.index(error.file) if error.file in files else -1, error.line)


def plan_methods(read: Source, staged: StagedTally, planner: Planner,
                 report: ImportReport) -> list[Step]:
    published = staged.method_sources()
    steps = []
    for where, text in read.methods:
        try:
            method = parse_method(text)
        except TallyError as error:
            read.errors.append(RowError(where, 0, error.field or "", error.message))
            continue
        if published.get(method.code) == text:
            report.methods_already_published.append(method.code)
            continue
        if method.code in published:
            read.errors.append(RowError(where, 0, "method.code",
                                        f"another method {method.code} is already published"))
            continue
        steps.append(Step(planner.start, 0, -1, where, 0, "publish_method", {"source": text}))
    return steps


def record(staged: StagedTally, steps: list[Step], report: ImportReport,
           progress: Progress | None) -> None:
    """The second phase: each command run against the staged store, in known order; a step
    is let go once run, so the staged events take the place of the planned commands."""
    for done in range(1, len(steps) + 1):
        step = steps[done - 1]
        steps[done - 1] = None  # type: ignore[call-overload]
        meta = CommandMeta(actor=ACTOR, correlation_id=f"import/{report.run_id}/{step.file}:"
                           f"{step.line}", known_at=step.known_at)
        command = getattr(staged, step.command if step.command != "resubmit" else "submit")
        try:
            staged.attempt(lambda c=command, s=step, m=meta: c(**s.kwargs, meta=m))
        except TallyError as error:
            report.errors.append(RowError(step.file, step.line, step.column(error.field),
                                          error.message))
            if len(report.errors) >= MAX_ERRORS:
                return
        else:
            report.commands[step.command] += 1
        if progress is not None and (done % 500 == 0 or done == len(steps)):
            progress("recording", done, len(steps))


def write(staged: StagedTally, report: ImportReport, progress: Progress | None) -> None:
    """The last phase: every staged event appended in one transaction."""
    total = len(staged.staged)
    try:
        positions = staged.commit()
    except IntegrityError:
        report.errors.append(RowError("", 0, "", "another writer changed the same records "
                                      "during the import; nothing was written, run it again"))
        return
    report.events = len(positions)
    if positions:
        report.positions = (positions[0], positions[-1])
    if progress is not None:
        progress("writing", total, total)
