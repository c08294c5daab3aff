"""The correlator's clock: event time only, so alerts are a function of the event stream.

* Every source (topic and partition) has a watermark: the newest event time it delivered.
  The stream's watermark is the lowest of the sources that delivered within ``idle_s`` of
  processing time (a partition read minutes ahead of another waits for it; a silent one
  does not hold the others back). With every source idle, it is the newest event time.
  Processing time never moves event time: sensor heartbeats keep it going when nothing
  crosses (letting silent processing time count would make the answer depend on when a
  batch happened to be delivered).
* Reports wait in a buffer until the watermark is ``hold_s`` past them, then are released
  in event-time order, in whole steps of ``step_s`` on a fixed grid: however the stream
  was cut into batches, and however it was reordered within ``hold_s``, each step is
  correlated with the same reports, and timers fire on the same grid.
* A source the worker is assigned but has not read yet (``unread``: a fresh worker, or one
  after a rebalance, reads its partitions one after another, and a partition read last
  may hold the oldest reports) holds everything back until it delivered: the adapter
  knows the assignment and the end offsets and says which sources still have reports
  the worker has not read; the clock never asks Kafka.
* ``frontier`` is the end of the last step released. A report older than it arrived after
  its moment was correlated: older than ``frontier - allowed_s`` it is late (late-events
  topic), else it is correlated at once as a backlog report (it may extend an incident
  but opens no alert).

Processing time (``now``) only tells which sources are idle; it never changes an alert.

>>> c = EventClock(hold_s=1.0, step_s=1.0, idle_s=5.0)
>>> c.observe("g:0", 100.4, now=0.0); c.observe("c:0", 103.2, now=0.0)
>>> c.release_to(now=1.0)  # the camera partition waits for the ground one
99.0
>>> c.release_to(now=5.0)  # both idle: everything seen is released
104.0
>>> c.release_to(now=65.0)  # silence lets no event time pass
104.0
>>> f = EventClock(hold_s=1.0, step_s=1.0, idle_s=5.0)
>>> f.observe("g:0", 200.0, now=0.0)
>>> print(f.release_to(now=9.0, unread={"h:0"}))  # an assigned partition not read yet
None
>>> f.observe("h:0", 150.0, now=9.5); f.release_to(now=9.5)
149.0
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class EventClock:
    hold_s: float
    step_s: float
    idle_s: float
    #: source -> [newest event time, processing time it last delivered]
    sources: dict[str, list[float]] = field(default_factory=dict)
    frontier: float | None = None
    #: the sources unread at the last batch (not persisted: the worker says it again)
    unread: set[str] = field(default_factory=set)

    def observe(self, source: str, ts: float, now: float) -> None:
        s = self.sources.get(source)
        if s is None:
            self.sources[source] = [ts, now]
        else:
            s[0] = max(s[0], ts)
            s[1] = max(s[1], now)

    def progress(self, source: str) -> float:
        """Newest event time a source (topic and partition) delivered."""
        s = self.sources.get(source)
        return s[0] if s is not None else -math.inf

    @property
    def newest(self) -> float | None:
        return max((s[0] for s in self.sources.values()), default=None)

    def watermark(self, now: float, unread: Collection[str] = ()) -> float | None:
        """The lowest watermark of the active sources; the newest if all are idle.

        ``unread``: sources assigned to this worker that still hold reports it has not
        read. One that never delivered could hold any event time: ``None`` (nothing is
        released, nothing is late); one that did is active, however long ago that was."""
        if any(u not in self.sources for u in unread):
            return None
        active = [s[0] for k, s in self.sources.items() if now - s[1] < self.idle_s or k in unread]
        return min(active) if active else self.newest

    def release_to(self, now: float, unread: Collection[str] = ()) -> float | None:
        """Where the next release ends (a step boundary, exclusive); ``None``: nothing yet."""
        wm = self.watermark(now, unread)
        if wm is None:
            return self.frontier
        last = max(s[1] for s in self.sources.values())
        if now - last >= self.idle_s and not unread:  # all idle: flush what was seen
            to = (math.floor(wm / self.step_s) + 1) * self.step_s
        else:
            to = math.floor((wm - self.hold_s) / self.step_s) * self.step_s
        if self.frontier is not None and to <= self.frontier:
            return self.frontier
        return to

    def cell(self, ts: float) -> int:
        return math.floor(ts / self.step_s)

    def to_dict(self) -> dict[str, Any]:
        return {"sources": self.sources, "frontier": self.frontier}

    def load(self, d: dict[str, Any]) -> None:
        self.sources = {k: list(v) for k, v in d.get("sources", {}).items()}
        self.frontier = d.get("frontier")
