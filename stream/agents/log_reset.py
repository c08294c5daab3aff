"""Noticing that the broker lost a log the worker had already read.

A broker that restarts empty (the embedded broker keeps topics in memory) or a topic that
is deleted and recreated hands the worker offsets it has already passed: the consumer
resets to the start of the new log and the worker's state, built from the old one, no
longer matches what the broker holds (its changelog included). :class:`LogReset` notices
it: a partition's offset goes back to or below one this worker processed, while the
broker's end of that partition is at or below it too (a replay after a rebalance goes
back as well, but the broker still holds the log, so its end is higher; a bounce makes
the worker rejoin its group too, so the history is kept across assignments).

>>> watch = LogReset()
>>> watch.check([("t", 0, 41), ("t", 1, 7)], highwater=lambda t, p: 50)
>>> watch.check([("t", 0, 3)], highwater=lambda t, p: 4)  # the new log ends at 4
Reset(topic='t', partition=0, before=41, now=3, end=4)
>>> watch.check([("t", 1, 2)], highwater=lambda t, p: 3)  # same bounce: reported once
>>> watch.check([("t", 0, 2)], highwater=lambda t, p: 90)  # the broker still has it all
>>> watch.check([("t", 0, 1)], highwater=lambda t, p: None)  # end unknown: no evidence
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import NamedTuple


class Reset(NamedTuple):
    topic: str
    partition: int
    before: int  # highest offset this worker had processed
    now: int  # offset it was handed
    end: int  # the broker's end of the partition now (high watermark)


class LogReset:
    """Per partition, the highest offset this worker processed."""

    def __init__(self) -> None:
        self.last: dict[tuple[str, int], int] = {}

    def check(
        self,
        offsets: Iterable[tuple[str, int, int]],
        highwater: Callable[[str, int], int | None],
    ) -> Reset | None:
        """Record a batch's ``(topic, partition, offset)``; the first reset in it, if any.

        After a reset every other partition's history is dropped too (they went through
        the same bounce), so one bounce is reported once.
        """
        found: Reset | None = None
        for topic, partition, offset in offsets:
            before = self.last.get((topic, partition))
            if found is None and before is not None and offset <= before:
                end = highwater(topic, partition)
                if end is not None and end <= before:
                    found = Reset(topic, partition, before, offset, end)
                    self.last.clear()
            previous = self.last.get((topic, partition), -1)
            self.last[(topic, partition)] = max(previous, offset)
        return found
