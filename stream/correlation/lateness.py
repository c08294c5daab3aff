"""Late reports: what goes to the late-events topic (see :mod:`.clock` for event time).

A report older than the event time already correlated minus ``allowed_s`` is late: it is
not correlated but sent to the late-events topic as a :class:`LateEvent`.
"""

from __future__ import annotations

from stream.correlation.evidence import Evidence
from stream.models import LateEvent


def late_event(ev: Evidence, watermark: float) -> LateEvent:
    return LateEvent(
        event_id=ev.report.event_id, topic=ev.topic, partition=ev.partition, offset=ev.offset,
        ts=ev.report.ts, watermark=watermark, lateness_s=round(watermark - ev.report.ts, 3),
    )
