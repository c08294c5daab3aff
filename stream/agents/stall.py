"""Noticing a worker whose consumer stopped delivering while its partitions hold messages.

Once, after the embedded broker restarted empty, a worker went on running, producing
ticks and serving metrics, and took no message again: nothing was logged, the lag grew.
Whatever the cause (a group membership or rebalance that never completed), a worker that
reads nothing while reports wait is the worst failure for a patrol: silence. The worker
therefore watches itself: when it has handed no batch to the pipeline for ``stall_s``
seconds while its assigned partitions hold messages its group has not committed, it says
so in one line, writes its whole state to the changelog, and starts again in the same
process (:func:`restart`): a fresh consumer joins the group and the state is restored from
the changelog, as after any restart.

:class:`StallWatch` decides when to look at the lag; it is armed by the first batch (the
changelog recovery of a starting worker is not a stall). A batch in hand may take three
times as long (its sends wait for the broker, ``send_timeout`` each), and the changelog
recovery after a rebalance five times, as long as it reads (one that read nothing for
``stall_s`` is stalled too: :func:`stream.agents.watchdog.reading_changelog`).

>>> w = StallWatch(after_s=60)
>>> w.due(now=1000.0)  # nothing delivered yet: a starting worker is not stalled
False
>>> w.begin(1000.0); w.end(1000.5)
>>> w.due(now=1030.0)
False
>>> w.due(now=1061.0)  # idle for 60 s: look at the lag (ticks arrive every few seconds)
True
>>> w.due(now=1061.0, recovering=True)  # reading the changelog: allowed 5 times as long
False
>>> w.begin(1100.0); w.due(now=1200.0)  # inside a long batch
False
>>> w.due(now=1280.0)  # ... a batch in hand for 3 x 60 s is stuck too
True
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping

from stream.rerun import run_again

#: How much longer than ``stall_s`` a worker may read its changelog (Faust's recovery after a
#: rebalance delivers no batch) before that too counts as a stall.
RECOVERY_FACTOR = 5
#: How much longer a batch in hand may take (its outputs and state wait for the broker).
BUSY_FACTOR = 3


class StallWatch:
    """When the consumer last handed over a batch, and whether one is in hand."""

    def __init__(self, after_s: float) -> None:
        self.after_s = after_s
        self.last: float | None = None  # when the last batch ended (monotonic s)
        self.idle = asyncio.Event()  # set while no batch is in hand
        self.idle.set()
        self.unjudged = False  # said that the lag could not be read, since the last batch

    def begin(self, now: float) -> None:
        """A batch was handed over."""
        self.idle.clear()
        self.last = now
        self.unjudged = False

    def end(self, now: float) -> None:
        """The batch is done (sent, or failed and counted)."""
        self.idle.set()
        self.last = now

    @property
    def busy(self) -> bool:
        """Whether a batch is in hand."""
        return not self.idle.is_set()

    def note_unjudged(self) -> bool:
        """The lag could not be read: True the first time since the last batch (say so
        once).

        >>> w = StallWatch(after_s=60); w.note_unjudged(), w.note_unjudged()
        (True, False)
        """
        first, self.unjudged = not self.unjudged, True
        return first

    def due(self, now: float, recovering: bool = False, times: float = 1.0) -> bool:
        """Whether no batch came for ``after_s`` s since the last one (then ask the broker);
        longer while a batch is in hand or the worker reads its changelog; ``times`` as
        long again when the broker cannot say whether messages wait.

        >>> w = StallWatch(after_s=60); w.begin(0.0); w.end(0.0)
        >>> w.due(now=61.0), w.due(now=61.0, times=2), w.due(now=121.0, times=2)
        (True, False, True)
        """
        factor = BUSY_FACTOR if self.busy else RECOVERY_FACTOR if recovering else 1
        return self.last is not None and now - self.last >= self.after_s * factor * times


def waiting(ranges: Mapping[tuple[str, int], tuple[int, int]]) -> int:
    """Messages between where the group reads from and each partition's end.

    >>> waiting({("t", 0): (4, 9), ("t", 1): (7, 7), ("u", 0): (9, 3)})
    5
    """
    return sum(max(0, end - start) for start, end in ranges.values())


def describe(ranges: Mapping[tuple[str, int], tuple[int, int]], limit: int = 4) -> str:
    """The partitions holding unread messages, most first, for the log line.

    >>> describe({("t", 0): (4, 9), ("t", 1): (7, 7), ("u", 0): (0, 12)})
    'u[0] 12, t[0] 5'
    """
    unread: Iterable[tuple[int, str]] = sorted(
        ((end - start, f"{t}[{p}]") for (t, p), (start, end) in ranges.items() if end > start),
        reverse=True)
    return ", ".join(f"{name} {n}" for n, name in list(unread)[:limit])


def restart() -> None:
    """Replace this process with a fresh run of the same command (same pid, same log)."""
    run_again()
