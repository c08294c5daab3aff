"""Event time: the clock's watermark over sources, its hold and its step grid; late reports."""

from __future__ import annotations

from stream.correlation.clock import EventClock
from stream.correlation.lateness import late_event
from tests.unit.correlation_builders import T0, ground


def test_a_partition_read_ahead_waits_for_the_others_until_they_go_idle() -> None:
    c = EventClock(hold_s=1.0, step_s=1.0, idle_s=5.0)
    c.observe("ground:0", 100.0, now=0.0)
    c.observe("ground:1", 400.0, now=0.0)
    assert c.release_to(now=1.0) == 99.0
    c.observe("ground:0", 300.5, now=2.0)
    assert c.release_to(now=3.0) == 299.0
    assert c.release_to(now=6.0) == 299.0  # ground:1 went idle first; ground:0 still holds
    assert c.release_to(now=7.0) == 401.0  # all idle: everything seen
    assert c.release_to(now=67.0) == 401.0  # silence moves no event time


def test_the_release_never_goes_back() -> None:
    c = EventClock(hold_s=1.0, step_s=1.0, idle_s=5.0)
    c.observe("a:0", 50.0, now=0.0)
    c.frontier = 60.0
    assert c.release_to(now=1.0) == 60.0
    assert EventClock(1.0, 1.0, 5.0).release_to(now=0.0) is None


def test_late_event_keeps_provenance() -> None:
    ev = ground("s-1", 9, 10, 0, 10)
    le = late_event(ev, T0 + 100)
    assert (le.event_id, le.topic, le.offset, le.lateness_s) == ("s-1:9", ev.topic, ev.offset,
                                                                90.0)
