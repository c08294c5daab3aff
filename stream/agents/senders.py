"""What the route agent says of the sensor partitions it reads: a
:class:`~stream.correlation.clock.Mark` per partition (the newest event time it routed,
and whether it went idle), so each correlator's clock waits for a gateway partition as
long as the worker reading it has not said it went idle (``docs/correlation.md``, Event
time). Idle is judged here, where the partition is read, as a correlator reading it
directly would: no message for ``idle_s`` of processing time while nothing is left
unread on it.

>>> s = Senders({"g"}, idle_s=5.0)
>>> s.assign({("g", 0): (0, 2), ("g", 1): (0, 0)}, now=0.0)
>>> s.routed(("g", 0), 0, 100.0, now=1.0)
>>> s.marks(lambda t, p: None, now=4.0)
{'g': [Mark(source='g:0', ts=100.0, idle=False), Mark(source='g:1', ts=None, idle=False)]}
>>> s.marks(lambda t, p: None, now=8.0)  # g:0 still holds an unread message
{'g': [Mark(source='g:0', ts=100.0, idle=False), Mark(source='g:1', ts=None, idle=True)]}
>>> s.routed(("g", 0), 1, 99.0, now=9.0); s.marks(lambda t, p: None, now=14.5)["g"][0]
Mark(source='g:0', ts=100.0, idle=True)
>>> s.due(lambda t, p: None, now=15.0)  # nothing changed since it was said
{}
>>> s.due(lambda t, p: None, now=15.0 + REFRESH_S)["g"][1]  # said again now and then
Mark(source='g:1', ts=None, idle=True)
>>> s.revoke(); s.marks(lambda t, p: None, now=16.0)
{}
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping

from stream.agents.unread import UnreadPartitions
from stream.correlation.clock import Mark

Partition = tuple[str, int]

#: seconds after which the timer says every mark again, changed or not (a correlator
#: gives up on a source nobody spoke of for ``clock.GONE_S``)
REFRESH_S = 30.0


class Senders:
    def __init__(self, topics: Collection[str], idle_s: float) -> None:
        self.topics = set(topics)
        self.idle_s = idle_s
        self.unread = UnreadPartitions(self.topics)
        self.held: set[Partition] = set()
        self.newest: dict[Partition, float] = {}  # kept: event time only moves on
        self.last: dict[Partition, float] = {}  # processing time it last delivered
        self.said: dict[str, Mark] = {}  # the last mark sent of each partition
        self.refreshed = -REFRESH_S  # when every mark was last said

    def assign(self, ranges: Mapping[Partition, tuple[int, int]], now: float) -> None:
        """The sensor partitions held now and (where read from, where they end)."""
        self.held = {tp for tp in ranges if tp[0] in self.topics}
        self.unread.assign(ranges, now)
        self.last = {tp: now for tp in self.held}
        self.refreshed = now  # marks not said yet are due anyway

    def revoke(self) -> None:
        """Nothing held any more (a rebalance began): say nothing of any partition."""
        self.held = set()

    def routed(self, tp: Partition, offset: int, ts: float | None, now: float) -> None:
        """A message of ``tp`` is on its placed partitions (``ts``: its newest report's
        event time, ``None`` if it has none)."""
        self.unread.read([(tp[0], tp[1], offset)])
        self.last[tp] = now
        if ts is not None:
            self.newest[tp] = max(ts, self.newest.get(tp, ts))

    def marks(self, highwater: Callable[[str, int], int | None], now: float,
              only: Iterable[Partition] | None = None) -> dict[str, list[Mark]]:
        """Sensor topic -> the marks of its partitions held (``only``: of these)."""
        unread = self.unread.unread(highwater, now)
        out: dict[str, list[Mark]] = {}
        for tp in sorted(self.held if only is None else set(only) & self.held):
            name = f"{tp[0]}:{tp[1]}"
            idle = name not in unread and now - self.last.get(tp, now) >= self.idle_s
            out.setdefault(tp[0], []).append(mark := Mark(name, self.newest.get(tp), idle))
            self.said[name] = mark
        return out

    def due(self, highwater: Callable[[str, int], int | None],
            now: float) -> dict[str, list[Mark]]:
        """The marks the timer sends: those that changed since they were said; all of them
        every :data:`REFRESH_S`."""
        said = dict(self.said)
        full = now - self.refreshed >= REFRESH_S
        if full:
            self.refreshed = now
        out = {}
        for topic, marks in self.marks(highwater, now).items():
            if changed := [m for m in marks if full or said.get(m.source) != m]:
                out[topic] = changed
        return out
