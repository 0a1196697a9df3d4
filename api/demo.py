"""The demo year: a county bureau's 2025, recorded only through the ``Tally`` service commands.

The year is planned first (``api.demo_plan``), then replayed command by command in the order the
office learned each fact, so two runs record the same facts in the same order.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from api import demo_data as data
from api.demo_plan import LATE_NOTICE_AT, YEAR, IdOf, Step, plan_year
from domain.application import CommandMeta, Tally
from domain.period import Period
from store.settings import DatabaseSettings

Progress = Callable[[int, int], None]
CORRELATION_PREFIX = f"demo-{YEAR}/"

SUMMARY_NAMES = {
    "register_unit": "units", "enrol_officer": "officers", "open_account": "accounts",
    "register_outlet": "outlets", "set_target": "targets", "issue_commission": "commissions",
    "record_lapse": "lapses", "transfer_officer": "transfers",
    "draft_submission": "submissions", "return_submission": "returned", "withdraw": "withdrawn",
    "approve": "approvals", "send_to_outlet": "sends", "record_adoption": "adoptions",
    "record_decline": "declines", "retract_adoption": "retractions",
    "record_instruction": "instructions", "record_feedback": "feedback",
}


def generate_demo(tally: Tally, progress: Progress | None = None) -> dict[str, int]:
    """Record the demo year through the service; ``progress(done, total)`` after each command."""
    if tally.today() < LATE_NOTICE_AT.date():
        raise ValueError(f"the demo year ends with a notice received on "
                         f"{LATE_NOTICE_AT.date().isoformat()}; today is {tally.today()}")
    steps = plan_year()
    results: dict[str, Any] = {}
    for done, step in enumerate(steps, 1):
        result = run_step(tally, step, results)
        if step.result_key is not None:
            results[step.result_key] = result
        if progress is not None:
            progress(done, len(steps))
    return summarise(steps)


def demo_periods() -> list[str]:
    """The year's periods, by the day each ends: a month before the quarter, the quarter
    before the half, the half before the year that end with it."""
    labels = ([f"{YEAR}-{month:02d}" for month in range(1, 13)]
              + [f"{YEAR}-Q{quarter}" for quarter in range(1, 5)]
              + [f"{YEAR}-H1", f"{YEAR}-H2", str(YEAR)])
    return sorted(labels, key=lambda label: (Period.parse(label).end, -len(label)))


def publish_demo_bulletins(tally: Tally, settings: DatabaseSettings,
                           progress: Progress | None = None) -> dict[str, int]:
    """The office published each of the year's bulletins five days after its period ended,
    as the log stood then: each close pins its bulletin and grants its rewards (the year's
    also its honours). Facts learned after a close (the late notice of January, and what
    came in after a month was published) are then issued as errata by the workflows."""
    from projections.registry import open_projection
    from workflows.publication import close_period
    from workflows.runner import run_workflows

    ledger = open_projection(settings, "ledger")
    periods = demo_periods()
    try:
        for done, label in enumerate(periods, 1):
            known = (Period.parse(label).end + timedelta(days=5)).isoformat()
            close_period(tally, ledger, label, meta=CommandMeta(
                actor="editor", correlation_id=f"{CORRELATION_PREFIX}close-{label}",
                known_at=f"{known}T17:00"))
            if progress is not None:
                progress(done, len(periods))
        run_workflows(tally, settings)
    finally:
        ledger.view.datastore.close()  # type: ignore[attr-defined]
    return {"bulletins": len(periods),
            "errata": sum(len(tally.published_bulletin(label)["errata"]) for label in periods)}


def run_step(tally: Tally, step: Step, results: dict[str, Any]) -> Any:
    kwargs = {name: str(results[value.key]) if isinstance(value, IdOf) else value
              for name, value in step.kwargs.items()}
    meta = CommandMeta(actor=step.actor, correlation_id=f"{CORRELATION_PREFIX}{step.label}",
                       known_at=step.known_at)
    return getattr(tally, step.command)(**kwargs, meta=meta)


def is_demo_store(tally: Tally) -> bool:
    """Whether the store's first fact was recorded by ``generate_demo``."""
    first = tally.recorder.select_notifications(start=1, limit=1)
    if not first:
        return False
    cause = getattr(tally.mapper.to_domain_event(first[0]), "cause", None)
    return cause is not None and cause.correlation_id.startswith(CORRELATION_PREFIX)


def summarise(steps: list[Step]) -> dict[str, int]:
    counts = Counter(SUMMARY_NAMES.get(step.command, step.command) for step in steps)
    summary = {name: counts.get(name, 0) for name in SUMMARY_NAMES.values()}
    summary["late_notices"] = sum(1 for step in steps if step.known_at.year > YEAR)
    summary["commands"] = len(steps)
    return summary


#: The password of every demo account; a real office sets its own (`tally account password`).
DEMO_PASSWORD = "tally-2025"


def set_demo_passwords(auth: Any) -> int:
    """Give every demo account the demo password; return how many."""
    logins = demo_logins()
    for _role, username, _name in logins:
        auth.set_password(username, DEMO_PASSWORD)
    return len(logins)


def demo_logins() -> list[tuple[str, str, str]]:
    """(role, username, name and unit at the end of the year) of every demo account."""
    unit_names = {unit.code: unit.name for unit in data.UNITS}
    moved, to_unit, _, _ = data.TRANSFER
    logins = [(role, username, name) for username, name, role in data.STAFF]
    logins += [("approver", f"approver-{unit.code}", f"{unit.approver}（{unit.name}）")
               for unit in data.UNITS]
    for code, name, unit in data.OFFICERS:
        unit_name = unit_names[to_unit if code == moved else unit]
        logins.append(("officer", code, f"{name}（{unit_name}）"))
    return logins
