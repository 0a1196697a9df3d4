"""Export and restore: the restored store has the same positions, record times, chain head and
read models; a file that was edited or cut short is refused and nothing is written."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from api.demo import generate_demo
from domain.application import Tally
from projections.registry import open_projections
from projections.runner import catch_up
from store.bootstrap import open_tally
from store.chain import RestoreRefusedError
from store.logfile import LogFileError, export_log, import_log
from store.settings import DatabaseSettings
from store.verify import verify_chain
from tests.conftest import fresh_store
from tests.test_integrity import record_units, tally_command
from tests.test_rebuild import snapshot


def read_models(app: Tally, settings: DatabaseSettings) -> dict[str, Any]:
    models = {}
    for name, projection in open_projections(settings).items():
        catch_up(app, projection)
        models[name] = snapshot(projection.view)
        projection.view.datastore.close()  # type: ignore[attr-defined]
    return models


def the_log(app: Tally) -> list[tuple[Any, ...]]:
    return [(n.id, n.recorded_at, n.originator_id, n.originator_version, n.topic, n.state)
            for n in app.recorder.select_notifications(start=1, limit=100_000)]


@pytest.fixture
def empty_store(database: DatabaseSettings, request: pytest.FixtureRequest,
                tmp_path: Path) -> Iterator[tuple[Tally, DatabaseSettings]]:
    """A second, empty store on the same backend."""
    (tmp_path / "restored").mkdir()
    with fresh_store(database.backend, request, tmp_path / "restored") as settings:
        app = open_tally(settings)
        yield app, settings
        app.close()


def test_a_restored_year_has_the_same_chain_head_and_read_models(
    app: Tally, database: DatabaseSettings, empty_store: tuple[Tally, DatabaseSettings],
    tmp_path: Path,
) -> None:
    generate_demo(app)
    app.recorder.write_checkpoint()
    path = tmp_path / "log.jsonl.gz"
    exported = export_log(app.recorder, path)
    restored, restored_settings = empty_store

    summary = import_log(restored.recorder, path)

    assert summary.events == exported.events > 2000
    assert summary.head == exported.head == app.recorder.chain_head()
    result = verify_chain(restored.recorder)
    assert result.ok, result.broken
    assert result.head == app.recorder.chain_head()
    assert restored.recorder.select_checkpoints() == app.recorder.select_checkpoints()
    assert the_log(restored) == the_log(app)
    assert read_models(restored, restored_settings) == read_models(app, database)


def test_appends_after_a_restore_continue_the_chain_and_the_clock(
    app: Tally, empty_store: tuple[Tally, DatabaseSettings], tmp_path: Path
) -> None:
    record_units(app, 5)
    path = tmp_path / "log.jsonl"
    export_log(app.recorder, path)
    restored, _ = empty_store
    import_log(restored.recorder, path)
    record_units(restored, 2, start=5)
    log = the_log(restored)
    assert [row[0] for row in log] == [1, 2, 3, 4, 5, 6, 7]
    assert log[5][1] >= log[4][1]
    assert verify_chain(restored.recorder).events == 7


@pytest.mark.postgres
def test_a_log_moves_between_backends_with_the_same_chain_head(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    heads = []
    source_dir, target_dir, back_dir = (tmp_path / name for name in ("a", "b", "c"))
    for folder in (source_dir, target_dir, back_dir):
        folder.mkdir()
    with fresh_store("sqlite", request, source_dir) as source, \
            fresh_store("postgres", request, target_dir) as target, \
            fresh_store("sqlite", request, back_dir) as back:
        first = open_tally(source)
        record_units(first, 6)
        export_log(first.recorder, tmp_path / "sqlite.jsonl.gz")
        heads.append(first.recorder.chain_head())
        second = open_tally(target)
        import_log(second.recorder, tmp_path / "sqlite.jsonl.gz")
        record_units(second, 3, start=6)  # microsecond record times, from PostgreSQL
        export_log(second.recorder, tmp_path / "postgres.jsonl.gz")
        heads.append(verify_chain(second.recorder).head)
        third = open_tally(back)
        import_log(third.recorder, tmp_path / "postgres.jsonl.gz")
        heads.append(verify_chain(third.recorder).head)
        assert the_log(third) == the_log(second)
        # The SQLite head at 6 is PostgreSQL's link at 6, and PostgreSQL's head is SQLite's.
        assert second.recorder.select_link(6) == heads[0] == third.recorder.select_link(6)
        for each in (first, second, third):
            each.close()
    assert heads[1] == heads[2] and heads[1].position == 9


# Refusals -----------------------------------------------------------------------------------


def test_a_store_that_holds_events_is_refused(app: Tally, tmp_path: Path) -> None:
    record_units(app, 3)
    path = tmp_path / "log.jsonl"
    export_log(app.recorder, path)
    with pytest.raises(RestoreRefusedError, match="empty store"):
        import_log(app.recorder, path)
    assert verify_chain(app.recorder).events == 3


def edit_lines(path: Path, edit: Callable[[list[str]], list[str]]) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(edit(lines)) + "\n", encoding="utf-8")


def test_an_edited_file_is_refused_at_the_edited_position_and_nothing_is_written(
    app: Tally, empty_store: tuple[Tally, DatabaseSettings], tmp_path: Path
) -> None:
    record_units(app, 5)
    path = tmp_path / "log.jsonl"
    export_log(app.recorder, path)

    def change_fourth_event(lines: list[str]) -> list[str]:
        row = json.loads(lines[4])
        row["topic"] = row["topic"].replace("Registered", "Renamed")
        lines[4] = json.dumps(row)
        return lines

    edit_lines(path, change_fourth_event)
    restored, _ = empty_store
    with pytest.raises(LogFileError, match="line 5, position 4: the event does not hash"):
        import_log(restored.recorder, path)
    assert restored.recorder.log_extent() == (0, 0)


@pytest.mark.parametrize(("edit", "message"), [
    (lambda lines: lines[:3] + lines[4:], "line 4, position 4: does not follow position 2"),
    (lambda lines: lines[:-1], "truncated"),
    (lambda lines: lines[:-2] + lines[-1:], "announces 5 events"),
])
def test_a_file_with_a_line_removed_or_cut_short_is_refused(
    edit: Any, message: str, app: Tally, empty_store: tuple[Tally, DatabaseSettings],
    tmp_path: Path,
) -> None:
    record_units(app, 5)
    path = tmp_path / "log.jsonl"
    export_log(app.recorder, path)
    edit_lines(path, edit)
    restored, _ = empty_store
    with pytest.raises(LogFileError, match=message):
        import_log(restored.recorder, path)
    assert restored.recorder.log_extent() == (0, 0)


def test_export_and_import_commands(app: Tally, database: DatabaseSettings,
                                    empty_store: tuple[Tally, DatabaseSettings],
                                    tmp_path: Path) -> None:
    record_units(app, 4)
    path = tmp_path / "office.jsonl.gz"
    exported = tally_command("export-log", str(path), url=database.url)
    assert exported.returncode == 0, exported.stdout + exported.stderr
    head = app.recorder.chain_head().chain_hash.hex()
    assert "Exported 4 events" in exported.stdout and head in exported.stdout
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        assert json.loads(next(lines))["format"] == "tally-log"
    _, restored_settings = empty_store
    imported = tally_command("import-log", str(path), url=restored_settings.url)
    assert imported.returncode == 0, imported.stdout + imported.stderr
    assert "Restored 4 events" in imported.stdout and head in imported.stdout
    again = tally_command("import-log", str(path), url=restored_settings.url)
    assert again.returncode == 1
    assert "RestoreRefusedError" in again.stderr and "Traceback" not in again.stderr
