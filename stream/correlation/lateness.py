"""Event time: a watermark, allowed lateness, and the store-and-forward guard.

* The watermark is the newest event time seen (never ahead of processing time plus
  ``future_s``, so one broken clock cannot make everything late).
* A detection older than ``watermark - allowed_s`` is late: it is not correlated but sent
  to the late-events topic as a :class:`LateEvent`.
* A detection older than ``now - backlog_s`` (a gateway uploading what it stored while
  offline, a worker catching up) may still extend an open incident, but never opens a
  new alert: the incidents it starts are marked ``backlog``.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from stream.correlation.evidence import Evidence
from stream.models import LateEvent

FUTURE_S = 5.0
Times = npt.NDArray[np.float64]
Mask = npt.NDArray[np.bool_]


def advance(watermark: float, ts: npt.NDArray[np.float64], now: float | None) -> float:
    """The watermark after seeing ``ts``."""
    if ts.size == 0:
        return watermark
    newest = float(ts.max())
    if now is not None:
        newest = min(newest, now + FUTURE_S)
    return max(watermark, newest)


def late_mask(ts: Times, watermark: float, allowed_s: float) -> Mask:
    return ts < watermark - allowed_s


def backlog_mask(ts: Times, now: float | None, backlog_s: float) -> Mask:
    if now is None:
        return np.zeros(ts.size, dtype=bool)
    return ts < now - backlog_s


def late_event(ev: Evidence, watermark: float) -> LateEvent:
    return LateEvent(
        event_id=ev.report.event_id, topic=ev.topic, partition=ev.partition, offset=ev.offset,
        ts=ev.report.ts, watermark=watermark, lateness_s=round(watermark - ev.report.ts, 3),
    )
