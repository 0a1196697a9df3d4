"""Importing existing ledgers (导入台账) as a page: an administrator uploads the CSV files a
ledger folder holds (or one .xlsx workbook with a sheet per file), with the scoring-method
file, checks them (every row checked and every command run, nothing written), and imports
them all or nothing; refusals list each problem by file, line and column. A check that found
no problem keeps its files for a day, so that they are imported as they were checked without
being chosen again."""

from __future__ import annotations

import logging
import shutil
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from api.deps import PagePrincipal, ServicesDep
from api.ledger_export import read_ledgers, workbook_bytes
from api.ledger_import import ImportReport, import_ledgers, new_run_id
from api.ledger_rows import FILES, RowError
from api.pages.common import CSRF, Field, as_of_day, today
from api.pages.rendering import MEDIA_TYPES, render
from api.policy import allow
from api.services import Services
from domain.errors import InvalidInputError, NotFoundError
from store.import_runs import KEEP_FILES

router = APIRouter(include_in_schema=False)

#: The most an upload may hold in all (a county's years of ledgers are a few megabytes).
MAX_BYTES = 64 * 1024 * 1024
SUFFIXES = (".csv", ".xlsx", ".toml")
#: How long an upload's answer waits for its run: a county's ledger is imported by then.
WAIT_SECONDS = 5.0
#: How often a run's progress is written for its page, at most.
PROGRESS_SECONDS = 1.0
#: A run with no progress for this long is shown as lost (its worker stopped; an import is
#: one transaction, so nothing of it was written unless it stopped after its commit).
LOST_AFTER = timedelta(minutes=15)
LOG = logging.getLogger(__name__)


def expected_files() -> list[dict[str, object]]:
    """Each file an import reads, in the order its facts rest on one another, with its
    columns (required ones first as the file declares them)."""
    return [{"name": name, "columns": [(column.name, column.required) for column in columns]}
            for name, columns in FILES.items()]


@router.get("/imports", response_class=HTMLResponse)
def import_form(request: Request, principal: PagePrincipal) -> Response:
    """The upload form, and the files and columns an import reads."""
    allow(principal, "import_ledgers")
    return render(request, "imports.html", {"user": principal, "files": expected_files(),
                                            "report": None})


@router.get("/imports/ledgers.xlsx")
def export_workbook(principal: PagePrincipal, services: ServicesDep,
                    as_of: str | None = None) -> Response:
    """Every fact of the store (or those the office knew at the end of ``as_of``) as one
    workbook of the files an import reads, a sheet per file, with the method versions."""
    allow(principal, "export_ledgers")
    day = as_of_day(as_of)
    data = workbook_bytes(read_ledgers(services.tally, day))
    name = f"tally-ledgers-{day or today(services).isoformat()}.xlsx"
    return Response(data, media_type=MEDIA_TYPES["xlsx"],
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


async def saved(files: list[UploadFile], folder: Path) -> tuple[Path, Path | None]:
    """The uploaded files written into ``folder``: the source to import (the folder, or the
    workbook) and the method file given beside a workbook."""
    uploads = [upload for upload in files if upload.filename]
    if not uploads:
        raise InvalidInputError("choose the ledger files to import", field="files")
    total = 0
    for upload in uploads:
        name = Path(upload.filename or "").name
        if not name or Path(name).suffix.lower() not in SUFFIXES:
            raise InvalidInputError(f"{name or upload.filename}: must be a .csv, .xlsx or "
                                    ".toml file", field="files")
        data = await upload.read(MAX_BYTES - total + 1)
        total += len(data)
        if total > MAX_BYTES:
            raise InvalidInputError(f"must be at most {MAX_BYTES // (1024 * 1024)} MB in all",
                                    field="files")
        (folder / name).write_bytes(data)
    return ledger_source(folder)


def ledger_source(folder: Path) -> tuple[Path, Path | None]:
    """What ``folder``'s files are to an import: the source (the folder, or its workbook) and
    the method file given beside a workbook."""
    workbooks = sorted(folder.glob("*.xlsx"))
    if not workbooks:
        return folder, None
    if len(workbooks) > 1 or any(path.suffix.lower() == ".csv" for path in folder.iterdir()):
        raise InvalidInputError("give one .xlsx workbook, or the .csv files, not both",
                                field="files")
    methods = sorted(folder.glob("*.toml"))
    if len(methods) > 1:
        raise InvalidInputError("give one method file beside a workbook", field="files")
    return workbooks[0], methods[0] if methods else None


@router.post("/imports", dependencies=CSRF)
async def import_files(request: Request, principal: PagePrincipal, services: ServicesDep,
                       check: Field = "") -> Response:
    """Check the uploaded ledgers (``check=yes``), or import them, all or nothing, in a run
    of its own: the answer is the run's page, once the run has ended or after a few seconds
    (a large ledger goes on in the background, and its page follows its progress)."""
    allow(principal, "import_ledgers")
    # read from the form itself: a file input left empty sends a part with no file in it
    files = [part for part in (await request.form()).getlist("files")
             if isinstance(part, UploadFile)]
    folder = Path(tempfile.mkdtemp(prefix="tally-import-"))
    try:
        source, method = await saved(files, folder)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return await started(services, principal.username, folder, source, method, bool(check))


@router.post("/imports/runs/{run_id}/import", dependencies=CSRF)
async def import_checked(principal: PagePrincipal, services: ServicesDep,
                         run_id: str) -> Response:
    """Import the files a check found no problem in, as they were checked (kept for a day),
    in a run of its own; once they are imported, they are no longer kept."""
    allow(principal, "import_ledgers")
    run = services.import_runs.get(run_id)
    if run is None:
        raise NotFoundError(f"no import run {run_id}", field="run_id")
    kept = services.import_runs.kept_files(run_id)
    if not kept:
        raise NotFoundError(f"the files of run {run_id} are not kept: choose them again",
                            field="run_id")
    folder = Path(tempfile.mkdtemp(prefix="tally-import-"))
    try:
        for name, content in kept.items():
            (folder / Path(name).name).write_bytes(content)
        source, method = ledger_source(folder)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return await started(services, principal.username, folder, source, method, False,
                         checked=run_id)


async def started(services: Services, username: str, folder: Path, source: Path,
                  method: Path | None, dry_run: bool, checked: str | None = None) -> Response:
    """A run started in a thread of its own, which removes ``folder`` when it ends (or
    removed here if the run cannot start); the answer is its page, once it has ended or
    after ``WAIT_SECONDS``."""
    tally = services.tally
    run_id = new_run_id(tally.clock().astimezone(tally.zone))
    try:
        services.import_runs.start(run_id, username, dry_run, tally.clock())
        worker = threading.Thread(target=run_import, name=f"import-{run_id}", daemon=True,
                                  args=(services, run_id, folder, source, method, dry_run,
                                        checked))
        worker.start()
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    await run_in_threadpool(worker.join, WAIT_SECONDS)
    return RedirectResponse(f"/imports/runs/{run_id}", status_code=303)


def run_import(services: Services, run_id: str, folder: Path, source: Path,
               method: Path | None, dry_run: bool, checked: str | None = None) -> None:
    """One run, in a thread: its progress and its report kept for its page; the files
    removed at the end. A check that found no problem keeps its files for an import of
    them; the import of a check's files (``checked``) forgets them once it is written."""
    runs, clock = services.import_runs, services.tally.clock
    reported = 0.0

    def progress(stage: str, done: int, total: int) -> None:
        nonlocal reported
        if time.monotonic() - reported >= PROGRESS_SECONDS or done == total:
            reported = time.monotonic()
            try:
                runs.progress(run_id, stage, done, total, clock())
            except Exception:  # the page's figures may lag; the import goes on
                LOG.warning("import run %s: its progress was not written", run_id,
                            exc_info=True)

    try:
        report = import_ledgers(services.tally, source, method=method, progress=progress,
                                run_id=run_id, dry_run=dry_run)
        if report.ok and dry_run:
            runs.keep_files(run_id, {path.name: path.read_bytes()
                                     for path in sorted(folder.iterdir())})
        elif report.ok and checked is not None:
            runs.forget_files(checked)
        runs.finish(run_id, "done" if report.ok else "refused", report.to_json(), clock())
    except Exception as error:  # the run's page says it failed; nothing was written
        LOG.exception("import run %s failed", run_id)
        runs.finish(run_id, "failed", ImportReport(
            run_id, errors=[RowError("", 0, "", str(error))], dry_run=dry_run).to_json(),
            clock())
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@router.get("/imports/runs/{run_id}", response_class=HTMLResponse)
def import_run(request: Request, principal: PagePrincipal, services: ServicesDep,
               run_id: str) -> Response:
    """A run's page: its progress while it runs (the page reloads itself), then its report;
    a refused or failed run answers 422, as the upload of a refused ledger did."""
    allow(principal, "import_ledgers")
    run = services.import_runs.get(run_id)
    if run is None:
        raise NotFoundError(f"no import run {run_id}", field="run_id")
    report = ImportReport.from_json(run["report"]) if run["report"] else None
    zone = services.tally.zone
    quiet = services.tally.clock() - run["updated_at"]
    return render(request, "imports.html", {
        "user": principal, "files": expected_files(), "report": report, "run": run,
        "lost": run["state"] == "running" and quiet > LOST_AFTER,
        "since": run["updated_at"].astimezone(zone).strftime("%Y-%m-%d %H:%M"),
        "kept_until": (run["started_at"] + KEEP_FILES).astimezone(zone).strftime(
            "%Y-%m-%d %H:%M")},
        status_code=422 if run["state"] in ("refused", "failed") else 200)
