"""Late reports: what goes to the late-events topic (see :mod:`.clock` for event time).

A report older than the event time already correlated minus ``allowed_s`` is late: it is
not correlated but sent to the late-events topic as a :class:`LateEvent`.
"""

from __future__ import annotations

from collections.abc import Sequence

from stream.correlation.evidence import Evidence, Heartbeat
from stream.models import LateEvent

Item = Evidence | Heartbeat


def late_event(ev: Evidence, watermark: float) -> LateEvent:
    return LateEvent(
        event_id=ev.report.event_id, topic=ev.topic, partition=ev.partition, offset=ev.offset,
        ts=ev.report.ts, watermark=watermark, lateness_s=round(watermark - ev.report.ts, 3),
    )


def split(items: Sequence[Item], wm: float, front: float | None, allowed: float
          ) -> tuple[list[Item], list[Item], list[LateEvent]]:
    """One message's reports judged against the clock as it stood before the message
    (watermark ``wm``, released up to ``front``): held for their step, backlog (after their
    moment, within the allowed lateness: correlated at once), and late events (older than
    ``wm - allowed``; a late health report is dropped)."""
    held: list[Item] = []
    backlog: list[Item] = []
    late: list[LateEvent] = []
    for it in items:
        ts = it.report.ts
        if ts < wm - allowed:
            if isinstance(it, Evidence):
                late.append(late_event(it, wm))
        elif front is None or ts >= front:
            held.append(it)
        else:
            backlog.append(it)
    return held, backlog, late
