"""Late facts → errata: a process manager that follows the log with its own tracking position.

After an adoption, a leader instruction or a retraction is recorded whose valid date falls in a
period already published, it issues an erratum to that period's bulletin: the fact, why, the
ledger lines it changed, and each officer's and unit's result as published and as it stands
with the fact. The published bulletin itself never changes. A fact recorded before the close
but known only after the bulletin's as-of moment (imported history, a notice entered with the
day it arrived) was left out of the bulletin as well: when the follower reaches the
publication it issues those errata too.

Run it like a projection (``catch_up(app, errata)`` or ``follow``); ``workflows.runner`` opens
it. The erratum id is derived from the bulletin and the fact's event (id and version), and
every number is pinned to the fact's log position, so reading the log again (a crash before
the tracking position was written, a rebuild, a replay into a fresh store) issues nothing
twice and the same erratum every time. A retraction also revokes the rewards of the lines
it reverses, and the honours of a closed year it leaves no longer earned.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection
from eventsourcing.utils import get_topic

from domain.application import CommandMeta, Tally
from domain.bulletin import Bulletin, erratum_id
from domain.errors import AlreadyExistsError, WrongStateError
from domain.period import Period
from domain.reward import Reward
from domain.submission import Submission
from domain.values import HolderKind
from projections.ledger import decode_fact_rows, time_key
from projections.runner import RecordedTracking, refresh, tracking_name
from projections.scores import ScoreReports
from projections.view import PostgresView, SQLiteView, SQLView
from workflows.honours import revise_honours

ACTOR = "workflow:errata"
REASONS = {
    Submission.Adopted: "通报发布后收到的采用通知",
    Submission.InstructionRecorded: "通报发布后收到的领导批示",
}


class ErrataView(SQLView):
    """Only a tracking position: the decisions are events in the log."""


class ErrataSQLiteView(ErrataView, SQLiteView):
    pass


class ErrataPostgresView(ErrataView, PostgresView):
    pass


VIEWS: dict[str, type[SQLView]] = {"sqlite": ErrataSQLiteView,
                                   "postgres": ErrataPostgresView}


def periods_of(day: date) -> list[str]:
    """Every period label a day belongs to: its year, half, quarter and month."""
    return [f"{day.year}", f"{day.year}-H{1 if day.month <= 6 else 2}",
            f"{day.year}-Q{(day.month + 2) // 3}", f"{day.year}-{day.month:02d}"]


class ErrataWorkflow(Projection[ErrataView]):
    name = "errata"
    batchable = True  # it never reads its own view

    def __init__(self, view: ErrataView, app: Tally, ledger: Projection[Any]) -> None:
        super().__init__(view)
        self.app = app
        self.ledger = ledger

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        self.view.write(tracking, [])

    @process_event.register
    def adopted(self, domain_event: Submission.Adopted, tracking: Tracking) -> None:
        self.late_fact(domain_event, tracking, REASONS[Submission.Adopted],
                       {domain_event.adopted_on})

    @process_event.register
    def instruction_recorded(self, domain_event: Submission.InstructionRecorded,
                             tracking: Tracking) -> None:
        self.late_fact(domain_event, tracking, REASONS[Submission.InstructionRecorded],
                       {domain_event.instructed_on})

    @process_event.register
    def adoption_retracted(self, domain_event: Submission.AdoptionRetracted,
                           tracking: Tracking) -> None:
        reason = f"撤销采用：{domain_event.reason}"
        rows = self.rows_at(tracking.notification_id)
        self.revoke_rewards(domain_event, rows, reason)
        self.revise_honours(domain_event, tracking, rows, reason)
        self.late_fact(domain_event, tracking, reason, set(), rows)

    # Decisions -----------------------------------------------------------------------

    def late_fact(self, event: Any, tracking: Tracking, reason: str, days: set[date],
                  rows: list[dict[str, Any]] | None = None) -> None:
        position = tracking.notification_id
        if rows is None:
            rows = self.rows_at(position)
        days = days | {date.fromisoformat(row["valid_on"]) for row in rows}
        known = event.cause.known_at or getattr(tracking, "recorded_at", None)
        labels = sorted({label for day in days for label in periods_of(day)})
        for label in labels:
            if not self.app.is_published(label):
                continue
            published = self.app.published_bulletin(label)
            if published["position"] >= position:
                continue  # recorded before the close: see ``published``
            self.issue(published, event, position, position, known, reason, rows)
        self.view.write(tracking, [])

    @process_event.register
    def published(self, domain_event: Bulletin.Published, tracking: Tracking) -> None:
        """Facts recorded before the close but known only after its as-of moment (imported
        history, or a notice entered with the day it arrived) were left out of the bulletin
        too: each gets its erratum, pinned to the bulletin's position."""
        self.rows_at(tracking.notification_id)
        span = Period.parse(domain_event.period)
        topics = [get_topic(cls) for cls in REASONS] + [get_topic(
            Submission.AdoptionRetracted)]
        facts = self.ledger.view.query(
            "SELECT * FROM fact_log WHERE position <= ? AND known_at > ? "  # noqa: S608
            f"AND topic IN ({', '.join('?' * len(topics))}) AND position IN (SELECT position "
            "FROM ledger WHERE valid_on >= ? AND valid_on <= ?) ORDER BY position",
            [domain_event.position, time_key(domain_event.as_of), *topics,
             span.start.isoformat(), span.end.isoformat()])
        published = None
        for row, event in zip(facts, decode_fact_rows(facts), strict=True):
            published = published or self.app.published_bulletin(domain_event.period)
            reason = (f"撤销采用：{event.reason}"
                      if isinstance(event, Submission.AdoptionRetracted)
                      else REASONS[type(event)])
            self.issue(published, event, row["position"], domain_event.position,
                       event.cause.known_at, reason, self.rows_at(row["position"]))
        self.view.write(tracking, [])

    def issue(self, published: dict[str, Any], event: Any, position: int, pin: int,
              known: datetime | None, reason: str, rows: list[dict[str, Any]]) -> None:
        """The erratum of one fact (recorded at ``position``) to a published bulletin; its
        results as they stand with the fact are read from the log up to ``pin``."""
        the_id = erratum_id(UUID(published["id"]), event.originator_id,
                            event.originator_version)
        if any(e["id"] == str(the_id) for e in published["errata"]):
            return
        label = published["period"]
        fact = self.fact(event, position, known, rows, Period.parse(label))
        lines = fact.pop("lines")
        holders = self.holders(published, pin, known)
        try:
            self.app.issue_erratum(
                label, the_id, fact, reason, holders, lines,
                meta=CommandMeta(actor=ACTOR, correlation_id=event.cause.correlation_id))
        except AlreadyExistsError:
            pass  # another follower issued it first

    def revoke_rewards(self, event: Any, rows: list[dict[str, Any]], reason: str) -> None:
        for row in rows:
            if int(row["money_cents"]) >= 0 or int(row["presence"]) >= 0:
                continue
            reward = self.app.reward(row["line_key"])
            if reward is None or reward["revoked_reason"] is not None:
                continue
            try:
                self.app.revoke_reward(
                    Reward.create_id(row["line_key"]), reason,
                    meta=CommandMeta(actor=ACTOR, correlation_id=event.cause.correlation_id))
            except WrongStateError:
                continue

    def revise_honours(self, event: Any, tracking: Tracking, rows: list[dict[str, Any]],
                       reason: str) -> None:
        """The honours of each closed year the retraction's lines fall in, computed again
        with it (``workflows.honours.revise_honours``)."""
        position = tracking.notification_id
        known = event.cause.known_at or getattr(tracking, "recorded_at", None)
        for year in sorted({row["valid_on"][:4] for row in rows}):
            if not self.app.is_published(year):
                continue
            published = self.app.published_bulletin(year)
            if published["position"] >= position:
                continue  # the year closed with the retraction: its honours left it out
            as_of = max(published["as_of"], known) if known is not None else published["as_of"]
            revise_honours(self.app, self.ledger, year, position, as_of, reason,
                           CommandMeta(actor=ACTOR, correlation_id=event.cause.correlation_id))

    # Reading the ledger, pinned to the fact's position -------------------------------

    def rows_at(self, position: int) -> list[dict[str, Any]]:
        """The ledger rows the event at ``position`` wrote (the ledger is caught up first)."""
        if (self.ledger.view.max_tracking_id(tracking_name(self.ledger)) or 0) < position:
            refresh(self.app, self.ledger)
        return self.ledger.view.query(
            "SELECT * FROM ledger WHERE position = ? ORDER BY seq", [position])

    def fact(self, event: Any, position: int, known: datetime | None,
             rows: list[dict[str, Any]], span: Period) -> dict[str, Any]:
        lines = [{"fact": row["fact"], "clause": row["clause"], "valid_on": row["valid_on"],
                  "officer_id": row["officer_id"], "unit_id": row["unit_id"],
                  "points": f"{Decimal(int(row['points_cents'])) / 100:.2f}",
                  "money": f"{Decimal(int(row['money_cents'])) / 100:.2f}"}
                 for row in rows
                 if span.start.isoformat() <= row["valid_on"] <= span.end.isoformat()]
        return {"event": type(event).__qualname__, "item_id": str(event.originator_id),
                "version": event.originator_version, "position": position,
                "known_at": known.astimezone(self.app.zone).isoformat() if known else None,
                "described": sorted({line["fact"] for line in lines}), "lines": lines}

    def holders(self, published: dict[str, Any], position: int,
                known: datetime | None) -> list[dict[str, Any]]:
        """Each officer's and unit's result as published, and as it stands with the fact."""
        reports = ScoreReports(self.ledger.view, self.app.zone)
        as_of = published["as_of"]
        after = max(as_of, known) if known is not None else as_of
        changed = []
        for kind in (HolderKind.UNIT, HolderKind.OFFICER):
            before = {s.holder_id: s for s in reports.pinned(published["position"]).standings(
                published["period"], kind.value, as_of)}
            for now in reports.pinned(position).standings(published["period"], kind.value,
                                                          after):
                old = before.get(now.holder_id)
                old_points = old.points if old else Decimal(0)
                if now.points == old_points and old is not None and old.rank == now.rank:
                    continue
                changed.append({
                    "by": kind.value, "id": now.code, "name": now.name,
                    "before": f"{old_points:.2f}", "after": f"{now.points:.2f}",
                    "change": f"{now.points - old_points:.2f}",
                    "rank_before": old.rank if old else None, "rank_after": now.rank})
        return changed


__all__ = ["VIEWS", "ErrataWorkflow", "RecordedTracking", "periods_of"]
