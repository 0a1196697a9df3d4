"""Every projection Tally keeps, with its view implementation per backend."""

from __future__ import annotations

from typing import Any

from eventsourcing.projection import Projection

from projections import catalog, facts
from projections.runner import open_view
from projections.view import SQLView
from store.settings import DatabaseSettings

PROJECTIONS: list[tuple[type[Projection[Any]], dict[str, type[SQLView]]]] = [
    (catalog.CatalogProjection, catalog.VIEWS),
    (facts.FactsProjection, facts.VIEWS),
]


def open_projections(settings: DatabaseSettings) -> dict[str, Projection[Any]]:
    """One instance of each projection on its view, keyed by projection name."""
    return {
        projection_class.name: projection_class(open_view(settings, views))
        for projection_class, views in PROJECTIONS
    }
