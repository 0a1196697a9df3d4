"""Importing ledgers (导入台账) as a page: an administrator uploads a ledger's CSV files (or a
workbook) with its method, checks them (nothing written), then imports them all or nothing;
a refused import lists every problem by file, line and column and writes nothing."""

from __future__ import annotations

import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from api.ledger_export import export_ledgers
from api.ledger_import import ImportReport
from api.pages import imports as imports_page
from api.pages.rendering import MEDIA_TYPES
from api.services import Services
from api.web import create_app
from domain.application import Tally
from store.bootstrap import open_tally
from tests.api_office import BACKENDS, SESSION, SETUP
from tests.conftest import ModuleStores, event_count
from tests.web import csrf_of, log_in

LEDGERS = Path(__file__).parent / "data" / "ledgers"


class Desk:
    def __init__(self, tally: Tally, client: TestClient) -> None:
        self.tally, self.client = tally, client

    def upload(self, paths: list[Path], **form: str) -> Any:
        """The upload's answer: the run's page once the run has ended."""
        token = csrf_of(self.client.get("/imports").text)
        files = [("files", (path.name, path.read_bytes(), "application/octet-stream"))
                 for path in paths]
        answer = self.client.post("/imports", data={"csrf_token": token, **form}, files=files)
        return self.ended(answer)

    def import_checked(self, checked: Any) -> Any:
        """The answer to the button that imports a check's kept files, on its page."""
        action = checked.text.split('id="import-kept"')[0].rsplit('action="', 1)[1]
        return self.ended(self.client.post(action.split('"')[0],
                                           data={"csrf_token": csrf_of(checked.text)}))

    def ended(self, answer: Any) -> Any:
        while 'id="import-running"' in answer.text:
            time.sleep(0.05)
            answer = self.client.get(answer.url)
        return answer


@pytest.fixture(scope="module", params=BACKENDS)
def desk(request: pytest.FixtureRequest,
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    """An administrator's session on an empty store (the office's first import)."""
    if request.param == "postgres" and not request.getfixturevalue("postgres_available"):
        pytest.skip("PostgreSQL is not reachable (it never skips with CI=true)")
    stores = ModuleStores(tmp_path_factory.mktemp("imports"), "imports")
    settings = stores.fresh(request.param)
    tally = open_tally(settings)
    tally.open_account("admin", "吴管理", ["administrator"], meta=SETUP)
    services = Services(settings, tally)
    client = TestClient(create_app(services=services, session=SESSION))
    log_in(client, "admin")
    yield Desk(tally, client)
    client.close()
    services.close()
    stores.close()


def small() -> list[Path]:
    return sorted((LEDGERS / "small").iterdir())


def test_a_ledger_is_checked_then_imported_once(desk: Desk) -> None:
    """The check keeps its files: its page's button imports them without choosing them
    again, once; a new upload of the same files is refused as existing."""
    before = event_count(desk.tally)
    checked = desk.upload(small(), check="yes")
    assert checked.status_code == 200, checked.text[-800:]
    assert 'id="import-checked"' in checked.text and 'id="import-kept"' in checked.text
    assert event_count(desk.tally) == before  # a check writes nothing
    would = int(checked.text.split('id="import-checked">')[1].split("将记录 ")[1].split(" ")[0])

    imported = desk.import_checked(checked)
    assert imported.status_code == 200 and 'id="import-done"' in imported.text
    assert imported.url != checked.url  # a run of its own
    assert event_count(desk.tally) == before + would
    # once imported, the check's files are no longer kept
    assert 'id="import-kept"' not in desk.client.get(checked.url).text
    gone = desk.import_checked(checked)
    assert gone.status_code == 404 and 'id="error-field">run_id<' in gone.text
    assert "的文件已不再保留" in gone.text
    assert event_count(desk.tally) == before + would
    rows = imported.text.split('<table id="import-rows">')[1].split("</table>")[0]
    assert "<td>units.csv</td><td class=\"num\">2</td>" in rows
    # the office's pages read what was imported
    directory = desk.client.get("/directory").text
    assert "城关镇" in directory

    again = desk.upload(small())  # the same units, officers and items exist now
    assert again.status_code == 422 and 'id="import-refused"' in again.text
    errors = again.text.split('<table id="import-errors">')[1].split("</table>")[0]
    assert "<td>units.csv</td>" in errors
    assert event_count(desk.tally) == before + would


def test_a_workbook_imports_like_its_folder(desk: Desk, tmp_path: Path) -> None:
    """The store's own ledger exported as a workbook, checked against itself: every row is
    refused as existing, which shows the workbook was read sheet by sheet."""
    desk.upload(small())  # unless an earlier test imported it (then refused as existing)
    workbook = tmp_path / "ledger.xlsx"
    export_ledgers(desk.tally, workbook)
    events = event_count(desk.tally)
    refused = desk.upload([workbook], check="yes")
    assert refused.status_code == 422
    assert "<td>units.csv</td>" in refused.text.split('<table id="import-errors">')[1]
    assert event_count(desk.tally) == events


@pytest.mark.parametrize(("paths", "field"), [
    ([], "files"),
    ([Path(__file__)], "files"),  # a .py file
    ([LEDGERS / "small" / "units.csv", Path("ledger.xlsx")], "files"),
])
def test_bad_uploads_are_named_and_write_nothing(desk: Desk, paths: list[Path], field: str,
                                                 tmp_path: Path) -> None:
    made = []
    for path in paths:
        if not path.exists():
            made.append(tmp_path / path.name)
            made[-1].write_bytes(b"PK\x03\x04")
        else:
            made.append(path)
    events = event_count(desk.tally)
    if made:
        refused = desk.upload(made)
    else:
        token = csrf_of(desk.client.get("/imports").text)
        refused = desk.client.post("/imports", data={"csrf_token": token},
                                   files=[("files", ("", b"", "application/octet-stream"))])
    assert refused.status_code == 422, refused.text[-500:]
    assert f'id="error-field">{field}<' in refused.text
    assert event_count(desk.tally) == events


def test_malformed_rows_are_listed_by_file_line_and_column(desk: Desk) -> None:
    events = event_count(desk.tally)
    refused = desk.upload(sorted((LEDGERS / "malformed").iterdir()), check="yes")
    assert refused.status_code == 422
    errors = refused.text.split('<table id="import-errors">')[1].split("</table>")[0]
    assert errors.count("<tr>") >= 3
    assert "<td>submissions.csv</td>" in errors
    assert event_count(desk.tally) == events


def test_the_ledgers_download_as_a_workbook_an_import_reads_again(
        desk: Desk, tmp_path: Path) -> None:
    """The store's facts as one workbook of the files an import reads (the round trip is
    tests/test_ledger_import.py's); with a date, only the facts known by its end."""
    desk.upload(small())  # unless an earlier test imported it (then refused as existing)
    assert "城关镇" in desk.client.get("/directory").text
    everything = desk.client.get("/imports/ledgers.xlsx")
    assert everything.status_code == 200
    assert everything.headers["content-type"].startswith(MEDIA_TYPES["xlsx"])
    assert 'filename="tally-ledgers-' in everything.headers["content-disposition"]
    workbook = tmp_path / "all.xlsx"
    workbook.write_bytes(everything.content)
    sheets = load_workbook(workbook, read_only=True).sheetnames
    assert {"units", "officers", "submissions", "adoptions", "method"} <= set(sheets)

    early = desk.client.get("/imports/ledgers.xlsx", params={"as_of": "2025-03-01"})
    assert early.status_code == 200
    (tmp_path / "early.xlsx").write_bytes(early.content)
    adopted = load_workbook(tmp_path / "early.xlsx", read_only=True)["adoptions"]
    # of the small ledger's two adoptions, the one known on 12 March is left out
    assert [row[0] for row in adopted.iter_rows(min_row=2, values_only=True)] == ["s1"]

    refused = desk.client.get("/imports/ledgers.xlsx", params={"as_of": "2025-02-30"})
    assert refused.status_code == 422 and 'id="error-field">as_of<' in refused.text


def test_a_long_run_answers_with_its_progress_and_its_page_follows_it_to_the_end(
        desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    """The upload answers once the run ends or after a few seconds: a run still going shows
    its progress on a page that reloads itself, then its report."""
    release = threading.Event()
    real = imports_page.import_ledgers

    def slow(*args: Any, progress: Any, **kwargs: Any) -> Any:
        progress("recording", 3, 10)
        release.wait(10)
        return real(*args, progress=progress, **kwargs)

    monkeypatch.setattr(imports_page, "import_ledgers", slow)
    monkeypatch.setattr(imports_page, "WAIT_SECONDS", 0.2)
    monkeypatch.setattr(imports_page, "PROGRESS_SECONDS", 0.0)
    token = csrf_of(desk.client.get("/imports").text)
    running = desk.client.post("/imports", data={"csrf_token": token, "check": "yes"},
                               files=[("files", ("units.csv", (LEDGERS / "small" / "units.csv")
                                                 .read_bytes(), "text/csv"))])
    assert running.status_code == 200 and 'id="import-running"' in running.text
    assert '<meta http-equiv="refresh" content="2">' in running.text
    assert "3 / 10" in running.text or "3 of 10" in running.text
    assert "/imports/runs/" in str(running.url)

    release.set()
    answer = running
    for _ in range(200):
        answer = desk.client.get(running.url)
        if 'id="import-running"' not in answer.text:
            break
        time.sleep(0.05)
    assert 'http-equiv="refresh"' not in answer.text
    assert 'id="import-checked"' in answer.text or 'id="import-refused"' in answer.text


def test_a_run_whose_worker_stopped_is_shown_as_lost_and_an_unknown_run_is_named(
        desk: Desk) -> None:
    runs = desk.client.app.state.services.import_runs  # type: ignore[attr-defined]
    runs.start("20250101T000000-dead", "admin", False,
               desk.tally.clock() - imports_page.LOST_AFTER - timedelta(minutes=1))

    lost = desk.client.get("/imports/runs/20250101T000000-dead")
    assert lost.status_code == 200 and 'id="import-lost"' in lost.text
    assert 'http-equiv="refresh"' not in lost.text

    unknown = desk.client.get("/imports/runs/no-such-run")
    assert unknown.status_code == 404 and 'id="error-field">run_id<' in unknown.text


def test_a_refused_check_keeps_no_files_and_a_check_keeps_them_for_a_day(desk: Desk) -> None:
    refused = desk.upload([LEDGERS / "small" / "units.csv"], check="yes")  # units exist now
    assert refused.status_code == 422 and 'id="import-kept"' not in refused.text

    runs = desk.client.app.state.services.import_runs  # type: ignore[attr-defined]
    old = "20250101T000000-old-check"
    runs.start(old, "admin", True, desk.tally.clock() - timedelta(hours=25))
    units = "unit_id,name,class\nu9,新设单位,B类\n".encode()
    runs.keep_files(old, {"units.csv": units})
    runs.finish(old, "done", ImportReport(old, dry_run=True).to_json(), desk.tally.clock())
    assert 'id="import-kept"' in desk.client.get(f"/imports/runs/{old}").text
    assert runs.kept_files(old) == {"units.csv": units}

    desk.upload([LEDGERS / "small" / "units.csv"], check="yes")  # any run starting forgets it
    assert runs.kept_files(old) == {}
    assert 'id="import-kept"' not in desk.client.get(f"/imports/runs/{old}").text


def test_kept_files_that_are_no_import_are_refused_and_leave_no_folder(
        desk: Desk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Kept files an import cannot take (a workbook beside CSV files: no check keeps such
    files, but the table may hold anything) are refused naming the files, and the folder
    they were written to is removed."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    runs = desk.client.app.state.services.import_runs  # type: ignore[attr-defined]
    run = "20250102T000000-odd-check"
    runs.start(run, "admin", True, desk.tally.clock())
    runs.keep_files(run, {"units.csv": b"unit_id,name,class\n", "book.xlsx": b"PK"})
    runs.finish(run, "done", ImportReport(run, dry_run=True).to_json(), desk.tally.clock())
    before = event_count(desk.tally)

    page = desk.client.get(f"/imports/runs/{run}")
    answer = desk.import_checked(page)

    assert answer.status_code == 422 and 'id="error-field">files<' in answer.text
    assert list(tmp_path.glob("tally-import-*")) == []
    assert event_count(desk.tally) == before
