"""Import of existing ledgers (docs/import.md): a folder of CSV files or a workbook, recorded
all or nothing, each fact at the moment the office knew it and marked as imported.

First every row of every file is read and checked (types, choices, dates, references, duplicate
ids, shares); then the rows become service commands, run in the order of known time against a
staged store (``api.ledger_staging``), and the run's events are appended chunk by chunk in
one transaction, committed at the end. Any refusal, in either phase, is reported with its
file, line and column, and nothing is written. ``import_ledgers`` is what the command line and
the benchmark call."""

from __future__ import annotations

import json
import secrets
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from pathlib import Path

from eventsourcing.persistence import IntegrityError

from api.ledger_plan import Planner, Step
from api.ledger_rows import FILES, Cells, RowError, Rows, Source, read_source
from api.ledger_staging import StagedTally
from domain.application import CommandMeta, Tally
from domain.errors import TallyError
from domain.method import parse_method
from projections.collector import infrequent_collections
from store.settings import DatabaseSettings

#: Steps ranked apart (``api.ledger_plan.RANKS``) that run the same command.
ALIASES = {"resubmit": "submit", "revise_draft": "revise_submission"}
#: ``progress(stage, done, total)``: stage is "checking", "recording" or "writing".
Progress = Callable[[str, int, int], None]
ACTOR = "import"
MAX_ERRORS = 1000
OVERTAKEN = RowError("", 0, "", "another writer changed the same records during the import; "
                     "nothing was written, run it again")


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
    dry_run: bool = False  # checked and run, nothing written

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_json(self) -> str:
        data = asdict(replace(self, commands=Counter()))  # asdict rebuilds a Counter wrongly
        return json.dumps({**data, "commands": dict(self.commands)}, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> ImportReport:
        data = json.loads(text)
        data["commands"] = Counter(data["commands"])
        data["positions"] = tuple(data["positions"]) if data["positions"] else None
        data["errors"] = [RowError(**error) for error in data["errors"]]
        return cls(**data)


def new_run_id(now: datetime) -> str:
    return f"{now.strftime('%Y%m%dT%H%M%S')}-{secrets.token_hex(2)}"


@infrequent_collections()
def import_ledgers(target: Tally | DatabaseSettings, source: Path, *,
                   method: Path | None = None, progress: Progress | None = None,
                   run_id: str | None = None, dry_run: bool = False) -> ImportReport:
    """Record the ledgers in ``source`` into the store, all or nothing. A dry run checks
    every row and runs every command, then writes nothing: ``events`` counts the events the
    import would have recorded."""
    if isinstance(target, DatabaseSettings):
        from store.bootstrap import open_tally

        tally = open_tally(target)
        try:
            return import_ledgers(tally, source, method=method, progress=progress,
                                  run_id=run_id, dry_run=dry_run)
        finally:
            tally.close()
    started = time.perf_counter()
    now = target.clock()
    report = ImportReport(run_id or new_run_id(now.astimezone(target.zone)), dry_run=dry_run)
    read = read_source(source, method)
    report.timings["read"] = time.perf_counter() - started
    staged = StagedTally(target)
    steps, total = check(read, staged, now, report, progress)
    report.rows = {name: table.count or 0 for name, table in read.tables.items()}
    del read
    report.timings["check"] = time.perf_counter() - started - sum(report.timings.values())
    if report.ok:
        recording = time.perf_counter()
        with staged.appending():
            record(staged, steps, total, report, progress)
            if report.ok and dry_run:  # the transaction is rolled back: nothing was written
                report.events = staged.appended + len(staged.staged)
            elif report.ok:
                write(staged, report, progress)
        # the appends run chunk by chunk during the recording: "write" is their time
        report.timings["record"] = time.perf_counter() - recording - staged.write_seconds
        report.timings["write"] = staged.write_seconds
    report.seconds = time.perf_counter() - started
    return report


def check(read: Source, staged: StagedTally, now: datetime, report: ImportReport,
          progress: Progress | None) -> tuple[Iterator[Step], int]:
    """The first phase: every row parsed and checked, and the commands planned; the steps
    come in known order, with their number."""
    planner = Planner(Rows(read, Cells(now, staged.zone)), staged.stage, now, staged.zone)
    plan_methods(read, staged, planner, report)
    steps = planner.plan()
    report.errors = sorted(read.errors + planner.errors, key=file_order)
    if progress is not None:
        progress("checking", read.rows, read.rows)
    return steps, planner.count


def file_order(error: RowError) -> tuple[int, int]:
    """Problems in the order of the files (as docs/import.md lists them), then of lines."""
    files = list(FILES)
    return (files.index(error.file) if error.file in files else -1, error.line)


def plan_methods(read: Source, staged: StagedTally, planner: Planner,
                 report: ImportReport) -> None:
    """The method files checked: each parsed, and one already published with the same text
    skipped; then planned with method_changes.csv (``Planner.plan_methods``)."""
    published = staged.method_sources()
    files = []
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
        files.append((where, method.code, text))
    planner.plan_methods(files, set(published))


def record(staged: StagedTally, steps: Iterator[Step], total: int, report: ImportReport,
           progress: Progress | None) -> None:
    """The second phase: each command run against the staged store, in known order."""
    for done, step in enumerate(steps, 1):
        meta = CommandMeta(actor=ACTOR, correlation_id=f"import/{report.run_id}/{step.file}:"
                           f"{step.line}", known_at=step.known_at)
        command = getattr(staged, ALIASES.get(step.command, step.command))
        try:
            staged.attempt(lambda c=command, s=step, m=meta: c(**s.kwargs, meta=m))
        except TallyError as error:
            report.errors.append(RowError(step.file, step.line, step.column(error.field),
                                          error.message))
            if len(report.errors) >= MAX_ERRORS:
                return
        else:
            report.commands[step.command] += 1
        try:
            staged.flush_when_full()
        except IntegrityError:
            report.errors.append(OVERTAKEN)
            return
        if progress is not None and (done % 500 == 0 or done == total):
            progress("recording", done, total)


def write(staged: StagedTally, report: ImportReport, progress: Progress | None) -> None:
    """The last phase: the rest of the staged events appended, and the one transaction
    committed."""
    try:
        staged.commit()
    except IntegrityError:
        report.errors.append(OVERTAKEN)
        return
    report.events = staged.appended
    if staged.first_position is not None and staged.last_position is not None:
        report.positions = (staged.first_position, staged.last_position)
    if progress is not None:
        progress("writing", report.events, report.events)
