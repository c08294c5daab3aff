"""Event-time helpers: watermark, allowed lateness and the backlog guard."""

from __future__ import annotations

import numpy as np

from stream.correlation.lateness import FUTURE_S, advance, backlog_mask, late_event, late_mask
from tests.unit.correlation_builders import T0, ground


def test_watermark_only_moves_forward_and_not_past_now() -> None:
    assert advance(100.0, np.array([90.0, 120.0]), None) == 120.0
    assert advance(100.0, np.array([90.0]), None) == 100.0
    assert advance(100.0, np.array([]), None) == 100.0
    assert advance(100.0, np.array([10_000.0]), now=200.0) == 200.0 + FUTURE_S


def test_late_and_backlog_masks() -> None:
    ts = np.array([10.0, 39.0, 40.0, 100.0])
    assert late_mask(ts, 100.0, 60.0).tolist() == [True, True, False, False]
    assert backlog_mask(ts, now=400.0, backlog_s=300.0).tolist() == [True, True, True, False]
    assert not backlog_mask(ts, now=None, backlog_s=300.0).any()


def test_late_event_keeps_provenance() -> None:
    ev = ground("s-1", 9, 10, 0, 10)
    le = late_event(ev, T0 + 100)
    assert (le.event_id, le.topic, le.offset, le.lateness_s) == ("s-1:9", ev.topic, ev.offset,
                                                                90.0)
