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

* A source whose reports reach the correlator through another worker (a placed copy,
  ``docs/architecture.md`` "Scaling") is judged by its reader, not by this clock: the
  route agent reading it sends :class:`Mark` s (its newest event time, and whether it
  went idle, judged where it is read). Once a source has a mark, only a mark makes it
  idle: a reader that stalls holds the clock back instead of letting it pass its
  reports. A clock that is ``led`` (a worker's) counts a source without a mark yet as
  active; one with a mark but no event time yet (a reader that has read nothing of it)
  holds everything back. A source nobody said anything of for ``GONE_S`` of processing
  time (its topic deleted, say) stops holding the clock, as an unread partition does.

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
>>> m = EventClock(hold_s=1.0, step_s=1.0, idle_s=5.0)
>>> m.observe("g:0", 100.4, now=0.0); m.observe("g:1", 103.2, now=0.0)
>>> m.mark(Mark("g:0", 100.4, idle=False), now=0.0)
>>> m.release_to(now=60.0)  # its reader says it is not idle: it holds the clock
99.0
>>> m.observe("g:1", 103.2, now=60.0)  # g:1 still delivers
>>> m.mark(Mark("g:0", None, idle=True), now=60.0); m.release_to(now=60.0)
102.0
>>> m.mark(Mark("g:2", None, idle=False), now=61.0)  # read, nothing of it seen yet
>>> print(m.watermark(now=61.0))
None
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

#: processing time a source of a led clock may go unmarked before it stops holding it
GONE_S = 120.0


@dataclass(frozen=True, slots=True)
class Mark:
    """What the reader of a source says of it: the newest event time it read (``None``:
    none yet) and whether it went idle (``None``: no word on that; idleness is judged by
    processing time as for any source)."""

    source: str
    ts: float | None
    idle: bool | None = None


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
    #: source -> idle, as its reader's last mark said
    marked: dict[str, bool] = field(default_factory=dict)
    #: sources are judged by their readers' marks only (once one said whether it is idle):
    #: one without a mark yet is active
    led: bool = False

    def observe(self, source: str, ts: float, now: float) -> None:
        s = self.sources.get(source)
        if s is None:
            self.sources[source] = [ts, now]
        else:
            s[0] = max(s[0], ts)
            s[1] = max(s[1], now)
        if source in self.marked:  # it delivered: active until its reader says otherwise
            self.marked[source] = False

    def mark(self, m: Mark, now: float) -> None:
        """What a source's reader says of it (after every report of it this clock gets
        from before the mark)."""
        if m.ts is not None:
            self.observe(m.source, m.ts, now)
        if m.idle is not None:
            self.marked[m.source] = m.idle
            self.led = True

    def _active(self, source: str, last: float, now: float) -> bool:
        idle = self.marked.get(source)
        if idle is None and not self.led:
            return now - last < self.idle_s
        return not idle and now - last < GONE_S

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
        if any(not idle and k not in self.sources for k, idle in self.marked.items()):
            return None  # read, but nothing of it seen yet: it could hold any event time
        active = [s[0] for k, s in self.sources.items()
                  if k in unread or self._active(k, s[1], now)]
        return min(active) if active else self.newest

    def release_to(self, now: float, unread: Collection[str] = ()) -> float | None:
        """Where the next release ends (a step boundary, exclusive); ``None``: nothing yet."""
        wm = self.watermark(now, unread)
        if wm is None:
            return self.frontier
        if not unread and not any(self._active(k, s[1], now)
                                  for k, s in self.sources.items()):  # all idle: flush
            to = (math.floor(wm / self.step_s) + 1) * self.step_s
        else:
            to = math.floor((wm - self.hold_s) / self.step_s) * self.step_s
        if self.frontier is not None and to <= self.frontier:
            return self.frontier
        return to

    def cell(self, ts: float) -> int:
        return math.floor(ts / self.step_s)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"sources": self.sources, "frontier": self.frontier}
        if self.led:  # as of the last batch whose offsets its state goes with
            out |= {"marked": self.marked, "led": True}
        return out

    def load(self, d: dict[str, Any]) -> None:
        self.sources = {k: list(v) for k, v in d.get("sources", {}).items()}
        self.frontier = d.get("frontier")
        self.marked = {k: bool(v) for k, v in d.get("marked", {}).items()}
        self.led = bool(d.get("led", False))
