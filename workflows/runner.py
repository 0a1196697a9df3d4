"""Opening the workflows that follow the log, and catching them up (``tally workflows run``)."""

from __future__ import annotations

from typing import Any

from eventsourcing.projection import Projection

from domain.application import Tally
from projections.registry import open_projection
from projections.runner import catch_up, open_view
from store.settings import DatabaseSettings
from workflows import errata


def open_errata(settings: DatabaseSettings, app: Tally,
                ledger: Projection[Any] | None = None) -> errata.ErrataWorkflow:
    """The errata process manager on its own tracking position, reading the ledger."""
    ledger = ledger or open_projection(settings, "ledger")
    return errata.ErrataWorkflow(open_view(settings, errata.VIEWS), app, ledger)


def run_workflows(app: Tally, settings: DatabaseSettings) -> dict[str, int]:
    """Catch every log-following workflow up; returns each one's position."""
    ledger = open_projection(settings, "ledger")
    catch_up(app, ledger)
    follower = open_errata(settings, app, ledger)
    return {follower.name: catch_up(app, follower)}
