"""``tally rebuild``: every read model emptied and projected again (in parallel processes on
PostgreSQL) holds what catching up event by event built, row for row, on both backends."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import pytest

from domain.application import Tally
from projections.rebuild import groups
from projections.registry import open_projections
from projections.runner import catch_up, rebuild_together, tracking_name
from store.settings import DatabaseSettings
from tests.report_history import office_history
from tests.test_rebuild import snapshot


def test_tally_rebuild_equals_the_read_models_built_by_catching_up(
    app: Tally, database: DatabaseSettings
) -> None:
    office_history(app)
    projections = open_projections(database)
    for projection in projections.values():
        catch_up(app, projection)
    before = {name: snapshot(p.view) for name, p in projections.items()}
    for projection in projections.values():  # so that only the rebuild can fill them again
        projection.view.reset(tracking_name(projection))  # type: ignore[attr-defined]

    env = {**os.environ, "TALLY_DATABASE_URL": database.url, "COLUMNS": "200"}
    done = subprocess.run([sys.executable, "-m", "api", "rebuild"], env=env, capture_output=True,
                          text=True, timeout=300, check=False)

    assert done.returncode == 0, done.stderr
    for name in projections:
        assert f"rebuilding {name}" in done.stdout
    after: dict[str, Any] = {name: snapshot(p.view) for name, p in projections.items()}
    assert after == before


def test_the_processes_share_the_projections_by_their_cost() -> None:
    assert groups(["catalog", "ledger", "audit", "boards"], 2) == [
        ["ledger"], ["audit", "boards", "catalog"]]
    assert groups(["catalog", "ledger"], 8) == [["ledger"], ["catalog"]]
    assert groups(["audit"], 1) == [["audit"]]


def index_names(view: Any, backend: str) -> set[str]:
    sql = ("SELECT name FROM sqlite_master WHERE type = 'index'" if backend == "sqlite" else
           "SELECT indexname AS name FROM pg_indexes WHERE schemaname = current_schema()")
    return {row["name"] for row in view.query(sql)}


def test_a_rebuild_builds_the_indexes_it_drops_again_even_when_it_fails(
    app: Tally, database: DatabaseSettings
) -> None:
    office_history(app)
    projections = list(open_projections(database).values())
    view = projections[0].view
    wanted = {name for p in projections for name in p.view.indexes}  # type: ignore[attr-defined]
    assert wanted and wanted <= index_names(view, database.backend)

    def fail(events: int) -> None:
        raise RuntimeError("stopped mid-way")

    with pytest.raises(RuntimeError, match="stopped mid-way"):
        rebuild_together(app, projections, progress=fail)
    assert wanted <= index_names(view, database.backend)
    rebuild_together(app, projections)
    assert wanted <= index_names(view, database.backend)
