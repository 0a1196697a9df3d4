"""Every read model built incrementally, in bursts while the year is recorded, equals a rebuild
from the log, row for row, on both backends."""

from __future__ import annotations

import gc
from typing import Any

import pytest

from api.demo import generate_demo
from domain.application import Tally
from projections.collector import THRESHOLDS, infrequent_collections
from projections.ledger import _Authors, _ScopeLines
from projections.registry import open_projections
from projections.runner import catch_up, rebuild
from store.settings import DatabaseSettings
from tests.bulletin_office import METHOD
from tests.report_history import ADMIN, office_history


def snapshot(view: Any) -> dict[str, list[tuple[str, ...]]]:
    return {table: sorted(tuple(str(v) for v in row.values())
                          for row in view.query(f"SELECT * FROM {table}"))  # noqa: S608
            for table in view.tables}


def test_incremental_read_models_equal_a_rebuild_from_the_log(
    app: Tally, database: DatabaseSettings
) -> None:
    projections = open_projections(database)

    def catch_up_now_and_then(done: int, total: int) -> None:
        if done % 377 == 0:  # bursts of uneven size, so batches end mid-way through items
            for projection in projections.values():
                catch_up(app, projection)

    generate_demo(app, progress=catch_up_now_and_then)
    for projection in projections.values():
        catch_up(app, projection)
    incremental = {name: snapshot(p.view) for name, p in projections.items()}
    assert all(any(rows for rows in tables.values()) for tables in incremental.values())

    for name, projection in projections.items():
        rebuild(app, projection)
        assert snapshot(projection.view) == incremental[name], name
        rebuild(app, projection, page=97)  # pages that end mid-way through items, as a
        assert snapshot(projection.view) == incremental[name], name  # larger log's do


def test_the_ledger_remembering_each_scopes_lines_writes_the_rows_it_would_score_again(
    app: Tally, database: DatabaseSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The ledger takes a scope's lines before an event from those the scope's last event left
    (``_ScopeLines``): the rows must be those of scoring every scope again before each event,
    and of a memory too small to hold anything (every scope scored again)."""
    generate_demo(app)
    ledger = open_projections(database)["ledger"]
    catch_up(app, ledger)
    remembered = snapshot(ledger.view)
    assert remembered["ledger"] and remembered["holder_deltas"]
    monkeypatch.setattr(_ScopeLines, "take", lambda self, scope: None)  # never remembered
    rebuild(app, ledger)
    assert snapshot(ledger.view) == remembered
    monkeypatch.undo()
    monkeypatch.setattr(_ScopeLines, "SIZE", 3)  # forgets all but the last few scopes
    rebuild(app, ledger, page=97)
    assert snapshot(ledger.view) == remembered


def test_infrequent_collections_restore_the_collector_thresholds_even_after_an_error() -> None:
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), infrequent_collections():
        assert gc.get_threshold() == THRESHOLDS != before
        raise RuntimeError("a page failed")
    assert gc.get_threshold() == before


def test_the_ledger_finding_an_officers_items_by_author_writes_the_rows_of_reading_every_item(
    app: Tally, database: DatabaseSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A transfer dated back changes the unit of the officer's lines since: the ledger finds
    the officer's items through ``_Authors`` (told of each item drafted after it was made),
    and must write the rows of reading every item for each officer's event."""
    office_history(app)  # o2's transfer makes the index; item C (o1) is drafted after it
    app.publish_method(METHOD, meta=ADMIN)
    app.transfer_officer("o1", "u2", "2025-02-01", "补录调动", meta=ADMIN)
    ledger = open_projections(database)["ledger"]
    catch_up(app, ledger)
    found = snapshot(ledger.view)
    moved = ledger.view.query("SELECT DISTINCT item_id FROM ledger WHERE position = ?",
                              [app.recorder.max_notification_id()])
    assert len(moved) == 2  # items A and C: their lines now count for 城关镇
    monkeypatch.setattr(_Authors, "of", classmethod(lambda cls, folder: cls(folder.facts)))
    rebuild(app, ledger)  # every item read again for each officer's event
    assert snapshot(ledger.view) == found
    monkeypatch.setattr(_Authors, "saw", classmethod(lambda cls, folder, event: None))
    monkeypatch.setattr(_Authors, "of", classmethod(  # an index never told of item C
        lambda cls, folder: cls._folders.setdefault(folder, cls(folder.facts))))
    rebuild(app, ledger)
    assert snapshot(ledger.view) != found
