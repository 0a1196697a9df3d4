"""Period close: publish a period's bulletin pinned to the log position at close, grant the
money rewards of its adoptions, and at year end award the honours (``workflows.honours``).

The bulletin's content is computed by the score reports pinned to that position
(``ScoreReports.pinned``) as known at the close's moment, so re-issuing it later, however
much was recorded since, gives the same bytes and digest (``reissue``). Every decision has a
deterministic id (the bulletin from its kind and period, a reward from its ledger line), so
closing twice, or replaying the log, records each once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.projection import Projection
from eventsourcing.utils import get_topic

from domain.application import CommandMeta, Tally
from domain.bulletin import Bulletin
from domain.errors import AlreadyExistsError
from domain.period import Period
from domain.reward import Reward
from projections.bulletins import bulletin, canonical_bytes, digest
from projections.ledger import line_key, year_to
from projections.runner import refresh
from projections.scores import ScoreReports
from workflows.honours import award_honours


@dataclass(frozen=True)
class Issue:
    """A bulletin as published: its content, the bytes a digest is taken of, and the digest."""

    period: str
    position: int
    as_of: datetime
    content: dict[str, Any]
    data: bytes
    digest: str


def close_period(app: Tally, ledger: Projection[Any], period: str, *,
                 meta: CommandMeta) -> UUID:
    """Publish the period's bulletin as the log stands now (as known at ``meta.known_at``, or
    now), then grant the rewards of its money lines. Closing again changes nothing."""
    span = Period.parse(period)
    as_of = app._cause(meta).known_at or app.clock()
    if app.is_published(span.label):
        published = app.published_bulletin(span.label)
        grant_rewards(app, ledger, span.label, published["position"], published["as_of"],
                      meta)
        if span.is_year:
            award_honours(app, ledger, span.label, published["position"],
                          published["as_of"], meta)
        return UUID(published["id"])
    position = refresh(app, ledger)  # the ledger holds exactly the log up to here
    content = issue(app, ledger, span.label, position, as_of).content
    try:
        bulletin_id = app.publish_bulletin(span.label, position, as_of, digest(content),
                                           meta=meta)
    except AlreadyExistsError:  # another clerk closed it first: theirs is the bulletin
        bulletin_id = UUID(app.published_bulletin(span.label)["id"])
    published = app.published_bulletin(span.label)
    grant_rewards(app, ledger, span.label, published["position"], published["as_of"], meta)
    if span.is_year:
        award_honours(app, ledger, span.label, published["position"], published["as_of"], meta)
    return bulletin_id


def issue(app: Tally, ledger: Projection[Any], period: str, position: int,
          as_of: datetime) -> Issue:
    """The bulletin computed from the log at ``position``, carrying the chain hash there, so
    that anyone holding the printed bulletin can check it against the log."""
    reports = ScoreReports(ledger.view, app.zone).pinned(position)
    content = bulletin(reports, period, as_of)
    content["log"]["chain_head"] = chain_head_at(app, position)
    return Issue(period, position, as_of, content, canonical_bytes(content), digest(content))


def chain_head_at(app: Tally, position: int) -> str | None:
    """The hash chain's value at ``position`` (the last event at or before it), in hex."""
    select_link = getattr(app.recorder, "select_link", None)
    if select_link is None:
        return None
    link = select_link(position)
    return link.chain_hash.hex() if link is not None else None


@dataclass(frozen=True)
class BulletinCheck:
    period: str
    position: int
    published_digest: str
    recomputed_digest: str

    @property
    def ok(self) -> bool:
        return self.published_digest == self.recomputed_digest


def verify_bulletins(app: Tally, ledger: Projection[Any]) -> list[BulletinCheck]:
    """Every published bulletin recomputed from the log at its pinned position, digest against
    digest."""
    topic = get_topic(Bulletin.Published)
    checks = []
    position = 0
    while notifications := app.recorder.select_notifications(
            start=position, limit=500, topics=[topic], inclusive_of_start=False):
        for notification in notifications:
            published = app.mapper.to_domain_event(notification)
            again = reissue(app, ledger, published.period)
            checks.append(BulletinCheck(published.period, published.position,
                                        published.digest, again.digest))
        position = notifications[-1].id
    return checks


def reissue(app: Tally, ledger: Projection[Any], period: str) -> Issue:
    """The published bulletin of ``period`` computed again from the log at its pinned position."""
    published = app.published_bulletin(period)
    if (ledger.view.max_tracking_id(f"Tally/{ledger.name}") or 0) < published["position"]:
        refresh(app, ledger)
    return issue(app, ledger, published["period"], published["position"], published["as_of"])


def grant_rewards(app: Tally, ledger: Projection[Any], period: str, position: int,
                  as_of: datetime, meta: CommandMeta) -> list[UUID]:
    """One reward per money line of the period as published (a line rewarded by an earlier
    close is not rewarded again)."""
    span = Period.parse(period)
    reports = ScoreReports(ledger.view, app.zone).pinned(position)
    lines = ledger.view.lines(span.start, span.end, reports.moment(as_of), position)
    granted = []
    for line in lines:
        if line.money <= 0:
            continue
        key = line_key(line)
        if Reward.create_id(key) in app.repository:
            continue
        try:
            granted.append(app.grant_reward(
                key, span.label, line.officer_id, line.unit_id, line.item_id, line.ref,
                line.clause, line.valid_on, line.money,
                meta=CommandMeta(actor=meta.actor, correlation_id=meta.correlation_id,
                                 known_at=meta.known_at)))
        except AlreadyExistsError:
            continue
    return granted


__all__ = ["Issue", "close_period", "grant_rewards", "issue", "reissue", "year_to"]
