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


def contend(url: str, writer: int, adopt: list[str], approve: list[str],
            rounds: int) -> list[tuple[str, str, str]]:
    """Race the other writers: adopt the same items by the same outlet, approve the same
    submitted items, and add instructions to the same items. Each outcome is (command, item,
    result): the acknowledged result, or the name of the error that refused it."""
    from api.errors import http_status
    from domain.errors import TallyError

    app = open_tally(DatabaseSettings(url))
    outcomes: list[tuple[str, str, str]] = []

    def attempt(command: str, item: str, call: object) -> None:
        try:
            result = call()  # type: ignore[operator]
        except TallyError as error:
            outcomes.append((command, item, f"{type(error).__name__}:{http_status(error)}"))
        else:
            outcomes.append((command, item, f"ok:{result}"))

    for number in range(rounds):
        meta = CommandMeta(actor=f"writer-{writer}", correlation_id=f"w{writer}-{number}")
        for item in adopt:
            attempt("adopt", item, lambda i=item, m=meta: app.record_adoption(
                i, "prov", "full", "2025-03-05", meta=m))
            attempt("instruct", item, lambda i=item, m=meta, n=number: app.record_instruction(
                i, "city", f"领导{writer}", "2025-03-10", f"批示{writer}-{n}", meta=m))
        for item in approve:
            attempt("approve", item, lambda i=item, m=meta: app.approve(
                i, "approver", "2025-03-02T09:00:00+08:00", meta=m))
    app.close()
    return outcomes
