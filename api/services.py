"""What every request works with: the write model, the read models, the credentials."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from api.auth import Authenticator
from projections.registry import open_projections
from projections.runner import refresh
from store.bootstrap import open_tally
from store.credentials import open_credentials
from store.import_runs import open_import_runs
from store.settings import DatabaseSettings


class Services:
    """The write model and the projections, kept current before each read on SQLite."""

    def __init__(self, settings: DatabaseSettings, tally: Any = None) -> None:
        self.settings = settings
        self.tally = tally or open_tally(settings)
        self.projections = open_projections(settings)
        self.credentials = open_credentials(settings)
        self.import_runs = open_import_runs(settings)
        self.auth = Authenticator(self.tally, self.credentials, clock=self.tally.clock)
        self._lock = threading.RLock()
        # Each read first catches the read models up with the log, so a page shows what its
        # user just recorded. Where projection workers (`tally project --follow`) keep them
        # current, TALLY_INLINE_PROJECTIONS=0 leaves it to the workers.
        self.inline = os.environ.get("TALLY_INLINE_PROJECTIONS", "1") not in ("0", "false", "no")

    def current(self) -> dict[str, Any]:
        """The projections, brought up to date with the log unless workers do it."""
        if self.inline:
            with self._lock:
                for projection in self.projections.values():
                    refresh(self.tally, projection)
        return self.projections

    @contextmanager
    def exclusive(self) -> Iterator[dict[str, Any]]:
        """The projections, current, held by this request alone: for work that drives a
        projection itself (closing a period catches the ledger up and reads it at a position)
        and must not interleave with another request's catch-up in this process."""
        with self._lock:
            yield self.current()

    def view(self, name: str) -> Any:
        return self.current()[name].view

    def close(self) -> None:
        self.tally.close()
