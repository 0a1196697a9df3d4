"""Every read model built incrementally, in bursts while the year is recorded, equals a rebuild
from the log, row for row, on both backends."""

from __future__ import annotations

from typing import Any

from api.demo import generate_demo
from domain.application import Tally
from projections.registry import open_projections
from projections.runner import catch_up, rebuild
from store.settings import DatabaseSettings


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
