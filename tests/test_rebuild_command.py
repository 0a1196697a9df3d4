"""``tally rebuild``: every read model emptied and projected again (in parallel processes on
PostgreSQL) holds what catching up event by event built, row for row, on both backends."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

from domain.application import Tally
from projections.rebuild import groups
from projections.registry import open_projections
from projections.runner import catch_up, tracking_name
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
        ["ledger", "catalog"], ["audit", "boards"]]
    assert groups(["catalog", "ledger"], 8) == [["ledger"], ["catalog"]]
    assert groups(["audit"], 1) == [["audit"]]
