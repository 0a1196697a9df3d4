"""Where the log's order and the order the office learned its facts part: the earliest known
time of a fact recorded after a fact known later (imported history, a command with an earlier
``known_at``). A rebuild of the ledger reads it before the log, and leaves the facts known from
that time on to be scored once, in known order, when it has read them all
(``projections.ledger``), instead of scoring them in the log's order first and again when the
history is met.

The known time of a fact is its cause's ``known_at`` or, without one, the time it was recorded.
The cause's is read from a few bytes of each stored event, where the transcoder wrote them
(``domain.transcodings``), not by decoding every event: where they are not as expected (a
compressed or encrypted state, another transcoder) the answer is that the order cannot be told,
and the ledger scores in the log's order as it would without this look."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime

from eventsourcing.utils import get_topic

from domain.fold import FACT_EVENTS
from store.recorded import RecordTimeRecorder, as_utc

FACT_TOPICS = tuple(get_topic(cls) for cls in FACT_EVENTS)

#: Events read at a time.
PAGE = 20_000

#: What follows the cause's known time in a stored event's JSON, as the transcoder writes it
#: (``CauseAsDict``): null, a datetime in ISO form, or the ISO text its decoder also takes. A
#: quotation mark inside a string is escaped there, so the marker cannot be part of a title or
#: any other value, and no event has another field of that name.
MARKER = b'"known_at":'
_KNOWN_AT = re.compile(rb'null|\{"_type_":"datetime_iso","_data_":"([^"\\]+)"\}|"([^"\\]+)"')
_EXCERPT = 80  # bytes: the longest form above, with microseconds and an offset, is 70


class UnknownOrderError(ValueError):
    """An event's known time could not be read from its stored bytes."""


def earliest_late(recorder: RecordTimeRecorder, upto: int | None = None) -> datetime | None:
    """The earliest known time of a fact event recorded after one known later than it, among
    those recorded at or before position ``upto``; None if the log holds its facts in known
    order, or if that cannot be told."""
    latest: datetime | None = None
    earliest: datetime | None = None
    try:
        for known in known_times(recorder, upto):
            if latest is not None and known < latest:
                if earliest is None or known < earliest:
                    earliest = known
            else:
                latest = known
    except UnknownOrderError:
        return None
    return earliest


def known_times(recorder: RecordTimeRecorder, upto: int | None = None) -> Iterator[datetime]:
    """The known time of every fact event, in the log's order."""
    after = 0
    while excerpts := recorder.select_excerpts(after, PAGE, FACT_TOPICS, MARKER, _EXCERPT):
        for position, recorded_at, excerpt in excerpts:
            if upto is not None and position > upto:
                return
            match = _KNOWN_AT.match(excerpt) if excerpt is not None else None
            if match is None:
                raise UnknownOrderError(f"the known time of event {position} is not readable")
            text = match[1] or match[2]
            try:  # naive: UTC, as the ledger takes it (``time_key``)
                known = as_utc(datetime.fromisoformat(text.decode())) if text else recorded_at
            except ValueError as error:
                raise UnknownOrderError(f"event {position}: {error}") from error
            yield known
        after = excerpts[-1].position
