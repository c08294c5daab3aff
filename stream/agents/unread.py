"""Which assigned sensor partitions this worker has not read yet: the event clock waits for
them (a fresh worker, or one after a rebalance, reads its partitions one after another, and
the one read last may hold the oldest reports; see ``docs/correlation.md``, Event time).

A partition counts from its assignment until it delivers its first message, as long as it
holds messages the worker has not read: where the group reads from is below its end
offset (at the assignment, or the high watermark the consumer's latest fetch saw). One
that has not delivered ``wait_s`` after it was first seen unread stops holding the clock
(logged once): a partition the consumer never gets to must not stall every alert.

>>> u = UnreadPartitions({"g", "h"}, wait_s=60.0)
>>> u.assign({("g", 0): (0, 40), ("h", 0): (0, 9), ("h", 1): (5, 5)}, now=0.0)
>>> sorted(u.unread(lambda t, p: None, now=1.0))
['g:0', 'h:0']
>>> u.read([("g", 0)]); sorted(u.unread(lambda t, p: 7 if p == 1 else None, now=2.0))
['h:0', 'h:1']
>>> sorted(u.unread(lambda t, p: None, now=61.5))  # h:0 waited too long; h:1 may still
['h:1']
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Iterable, Mapping

log = logging.getLogger(__name__)

#: Processing time an unread partition may hold the clock before the worker gives up on it.
WAIT_S = 120.0

Partition = tuple[str, int]


class UnreadPartitions:
    def __init__(self, topics: Collection[str], wait_s: float = WAIT_S) -> None:
        self.topics = set(topics)
        self.wait_s = wait_s
        #: partition -> (where the group reads from, end offset at the assignment)
        self.range: dict[Partition, tuple[int, int]] = {}
        self.since: dict[Partition, float] = {}  # when it was first seen unread

    def assign(self, ranges: Mapping[Partition, tuple[int, int]], now: float) -> None:
        """A new assignment: every sensor partition in it waits for its first message."""
        self.range = {tp: r for tp, r in ranges.items() if tp[0] in self.topics}
        self.since = {}
        self.unread(lambda t, p: None, now)

    def read(self, partitions: Iterable[Partition]) -> None:
        """These partitions delivered (whatever their messages held)."""
        for tp in partitions:
            self.range.pop(tp, None)
            self.since.pop(tp, None)

    def unread(self, highwater: Callable[[str, int], int | None], now: float) -> set[str]:
        """``topic:partition`` of the partitions that hold messages and delivered none;
        ``highwater``: the end the consumer's latest fetch saw (``None``: unknown)."""
        out: set[str] = set()
        for tp, (start, end) in list(self.range.items()):
            end = max(end, highwater(*tp) or 0)
            self.range[tp] = (start, end)
            if start >= end:
                continue
            first = self.since.setdefault(tp, now)
            if now - first > self.wait_s:
                log.warning("partition %s:%d delivered nothing in %.0f s although it holds "
                            "unread messages; the event clock no longer waits for it", *tp,
                            self.wait_s)
                self.read([tp])
                continue
            out.add(f"{tp[0]}:{tp[1]}")
        return out
