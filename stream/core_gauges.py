"""The correlator's gauges (event time, open sensor faults) for one pipeline or for the
pipelines of several placed partitions together.

Several clocks show as one: ``seen`` the newest report any of them saw; ``released`` the
event time up to which all of them correlated what they saw: the lowest clock still
holding reports back, or once none does, the highest. ``released > seen`` thus still
says that every report seen was correlated. Clocks that saw no report count only when
none did.

>>> combined([(100.0, 90.0), (50.0, 60.0)])  # the first still holds reports back
(100.0, 90.0)
>>> combined([(100.0, 105.0), (50.0, 60.0), (0.0, None)])  # all released
(100.0, 105.0)
>>> combined([(0.0, None)])
(0.0, None)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from stream.metrics import Metrics

Clock = tuple[float, float | None]  # (newest event time seen, released up to)


def combined(clocks: Sequence[Clock]) -> Clock:
    """One (seen, released) for several correlators' clocks."""
    active = [(w, f) for w, f in clocks if w] or list(clocks)
    if not active:
        return 0.0, None
    seen = max(w for w, _ in active)
    holding = [f if f is not None else -float("inf") for w, f in active
               if f is None or f <= w]
    released = [f for _, f in active if f is not None]
    if holding and any(w for w, _ in active):
        low = min(holding)
        return seen, (low if low != -float("inf") else None)
    return seen, (max(released) if released else None)


class CoreGauges:
    """Sets the event-time and sensor-fault gauges; a fault series that closed shows 0."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics
        self._series: set[tuple[str, str]] = set()

    def show(self, clocks: Sequence[Clock], faults: Counter[tuple[str, str]]) -> None:
        seen, released = combined(clocks)
        # seen before released: a scrape between the two never shows released > seen early
        self.metrics.event_time.labels(clock="seen").set(seen)
        if released is not None:
            self.metrics.event_time.labels(clock="released").set(released)
        for (sector, fault), n in faults.items():
            self.metrics.sensor_faults.labels(sector=sector, fault=fault).set(n)
        for sector, fault in self._series - faults.keys():
            self.metrics.sensor_faults.labels(sector=sector, fault=fault).set(0)
        self._series |= faults.keys()
