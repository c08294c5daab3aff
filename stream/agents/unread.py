"""Which assigned sensor partitions this worker is behind on: the event clock waits for them
(a fresh worker, or one after a rebalance, reads its partitions one after another, and the
one read last may hold the oldest reports; a busy worker's fetches can leave one partition
unread for seconds while another runs ahead; see ``docs/correlation.md``, Event time).

A partition counts while it holds messages the worker has not been handed: the next
offset to deliver (where the group reads from at the assignment, then one past the last
message handed over) is below its end (the end offset at the assignment, or the high
watermark the consumer's latest fetch saw). One that delivers nothing for ``wait_s`` while
it is behind stops holding the clock until it delivers again (logged): a partition the
consumer never gets to must not stall every alert.

>>> u = UnreadPartitions({"g", "h"}, wait_s=60.0)
>>> u.assign({("g", 0): (0, 40), ("h", 0): (0, 9), ("h", 1): (5, 5)}, now=0.0)
>>> sorted(u.unread(lambda t, p: None, now=1.0))
['g:0', 'h:0']
>>> _ = u.read([("g", 0, 39)]); sorted(u.unread(lambda t, p: 7 if p == 1 else None, now=2.0))
['h:0', 'h:1']
>>> _ = u.read([("h", 0, 3)]); sorted(u.unread(lambda t, p: None, now=3.0))  # still behind
['h:0', 'h:1']
>>> sorted(u.unread(lambda t, p: None, now=62.5))  # h:1 waited too long; h:0 may still
['h:0']
>>> _ = u.read([("h", 1, 5)]); sorted(u.unread(lambda t, p: None, now=63.0))  # it delivers again
['h:0', 'h:1']
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Iterable, Mapping

log = logging.getLogger(__name__)

#: Processing time a partition may hold the clock without delivering before the worker
#: stops waiting for it.
WAIT_S = 120.0

Partition = tuple[str, int]


class UnreadPartitions:
    def __init__(self, topics: Collection[str], wait_s: float = WAIT_S) -> None:
        self.topics = set(topics)
        self.wait_s = wait_s
        #: partition -> (next offset to deliver, end offset seen)
        self.range: dict[Partition, tuple[int, int]] = {}
        self.since: dict[Partition, float] = {}  # behind without delivering since
        self.given_up: set[Partition] = set()

    def assign(self, ranges: Mapping[Partition, tuple[int, int]], now: float) -> None:
        """A new assignment: where the group reads each sensor partition from, where it ends."""
        self.range = {tp: r for tp, r in ranges.items() if tp[0] in self.topics}
        self.since, self.given_up = {}, set()
        self.unread(lambda t, p: None, now)

    def read(self, delivered: Iterable[tuple[str, int, int]]) -> list[tuple[Partition, int, int]]:
        """These messages (topic, partition, offset) were handed to the worker; returns the
        skips: (partition, next offset expected, offset handed over) where the consumer
        handed over a message beyond the next one it owed (messages it never delivered).

        >>> u = UnreadPartitions({"g"}); u.assign({("g", 0): (10, 40)}, now=0.0)
        >>> u.read([("g", 0, 10), ("g", 0, 11)]), u.read([("g", 0, 15)])
        ([], [(('g', 0), 12, 15)])
        """
        skips = []
        for topic, partition, offset in delivered:
            if topic not in self.topics:
                continue
            tp = (topic, partition)
            start, end = self.range.get(tp, (0, 0))
            if tp in self.range and offset > start:
                skips.append((tp, start, offset))
            self.range[tp] = (max(start, offset + 1), max(end, offset + 1))
            self.since.pop(tp, None)
            self.given_up.discard(tp)
        return skips

    def unread(self, highwater: Callable[[str, int], int | None], now: float) -> set[str]:
        """``topic:partition`` of the partitions that hold messages not handed over yet;
        ``highwater``: the end the consumer's latest fetch saw (``None``: unknown)."""
        out: set[str] = set()
        for tp, (start, end) in self.range.items():
            end = max(end, highwater(*tp) or 0)
            self.range[tp] = (start, end)
            if start >= end:
                self.since.pop(tp, None)
                continue
            if tp in self.given_up:
                continue
            first = self.since.setdefault(tp, now)
            if now - first > self.wait_s:
                log.warning("partition %s:%d delivered nothing in %.0f s although it holds "
                            "unread messages; the event clock no longer waits for it", *tp,
                            self.wait_s)
                self.given_up.add(tp)
                continue
            out.add(f"{tp[0]}:{tp[1]}")
        return out
