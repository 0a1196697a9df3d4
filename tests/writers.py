"""Worker functions run in separate processes by the concurrency tests."""

from __future__ import annotations

from domain.application import CommandMeta
from domain.errors import ConflictError
from store.bootstrap import open_tally
from store.settings import DatabaseSettings


def register_units(url: str, writer: int, count: int) -> int:
    app = open_tally(DatabaseSettings(url))
    meta = CommandMeta(actor=f"writer-{writer}")
    for number in range(count):
        app.register_unit(f"w{writer}-{number}", f"单位{writer}-{number}", "A类", "2025-01-01",
                          meta=meta)
    app.close()
    return count


def record_instructions(url: str, writer: int, submission_id: str, count: int) -> list[object]:
    """Instructions on one shared item; each outcome is an instruction number or 'conflict'."""
    app = open_tally(DatabaseSettings(url))
    outcomes: list[object] = []
    for number in range(count):
        meta = CommandMeta(actor=f"writer-{writer}", correlation_id=f"w{writer}-{number}")
        try:
            outcomes.append(app.record_instruction(submission_id, "city", f"领导{writer}",
                                                   "2025-03-10", f"批示{writer}-{number}",
                                                   meta=meta))
        except ConflictError:
            outcomes.append("conflict")
    app.close()
    return outcomes
