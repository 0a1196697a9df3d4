"""Importing existing ledgers (导入台账) as a page: an administrator uploads the CSV files a
ledger folder holds (or one .xlsx workbook with a sheet per file), with the scoring-method
file, checks them (every row checked and every command run, nothing written), and imports
them all or nothing; refusals list each problem by file, line and column."""

from __future__ import annotations

import tempfile
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile

from api.deps import PagePrincipal, ServicesDep
from api.ledger_export import read_ledgers, workbook_bytes
from api.ledger_import import ImportReport, import_ledgers
from api.ledger_rows import FILES
from api.pages.common import CSRF, Field, as_of_day, today
from api.pages.rendering import MEDIA_TYPES, render
from api.policy import allow
from domain import inputs
from domain.errors import InvalidInputError

router = APIRouter(include_in_schema=False)

#: The most an upload may hold in all (a county's years of ledgers are a few megabytes).
MAX_BYTES = 64 * 1024 * 1024
SUFFIXES = (".csv", ".xlsx", ".toml")


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
    tally = services.tally
    moment = None if day is None else inputs.instant("as_of", day, zone=tally.zone,
                                                     end_of_day=True)
    data = workbook_bytes(read_ledgers(tally, moment))
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
    """Check the uploaded ledgers (``check=yes``), or import them, all or nothing. A refused
    import answers 422 with every problem found, and nothing is written."""
    allow(principal, "import_ledgers")
    # read from the form itself: a file input left empty sends a part with no file in it
    files = [part for part in (await request.form()).getlist("files")
             if isinstance(part, UploadFile)]
    with tempfile.TemporaryDirectory(prefix="tally-import-") as folder:
        source, method = await saved(files, Path(folder))
        report: ImportReport = await run_in_threadpool(
            import_ledgers, services.tally, source, method=method, dry_run=bool(check))
    return render(request, "imports.html", {
        "user": principal, "files": expected_files(), "report": report},
        status_code=200 if report.ok else 422)
