"""Every projection Tally keeps, with its view implementation per backend."""

from __future__ import annotations

from typing import Any

from eventsourcing.projection import Projection

from projections import audit, boards, catalog, ledger
from projections.runner import open_view
from projections.view import SQLView
from store.settings import DatabaseSettings

PROJECTIONS: list[tuple[type[Projection[Any]], dict[str, type[SQLView]]]] = [
    (catalog.CatalogProjection, catalog.VIEWS),
    (ledger.LedgerProjection, ledger.VIEWS),
    (audit.AuditProjection, audit.VIEWS),
    (boards.BoardsProjection, boards.VIEWS),
]


def open_projections(settings: DatabaseSettings) -> dict[str, Projection[Any]]:
    """One instance of each projection on its view, keyed by projection name."""
    return {
        projection_class.name: projection_class(open_view(settings, views))
        for projection_class, views in PROJECTIONS
    }


def open_projection(settings: DatabaseSettings, name: str) -> Projection[Any]:
    """One projection on its view, without opening the others."""
    for projection_class, views in PROJECTIONS:
        if projection_class.name == name:
            return projection_class(open_view(settings, views))
    raise KeyError(name)
