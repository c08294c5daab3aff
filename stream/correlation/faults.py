"""Sensor faults the worker sees for itself, in event time: a sensor that chatters (far
more hits in a minute than any target gives one sensor), one stuck firing identical
periodic reports, one that stopped its heartbeats (dead), and what heartbeats report
themselves (the fault flag of a failed self-test).

A faulted sensor gets one health alert (its own incident kind and rule, see
:mod:`.engine`); its detections stop joining incidents until it recovers.

>>> w = FaultWatch(FaultPolicy())
>>> [w.hit("s-1", 100.0 + 2.0 * k) for k in range(9)][-2:]  # every 2 s, like clockwork
[None, <Fault.STUCK: 'stuck'>]

A hit seen again (a replay after a crash) counts once:

>>> w = FaultWatch(FaultPolicy())
>>> first = [w.hit("s-2", 100.0 + 3.0 * k) for k in range(5)]
>>> again = [w.hit("s-2", 100.0 + 3.0 * k) for k in range(5)]
>>> again, len(w.hits["s-2"])
([None, None, None, None, None], 5)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from enum import StrEnum
from typing import Any

import numpy as np

from stream.correlation.policies import FaultPolicy


class Fault(StrEnum):
    CHATTERING = "chattering"
    STUCK = "stuck"
    DEAD = "dead"
    SELF_TEST = "self-test"


class FaultWatch:
    """Recent hit times and heartbeat rhythm per sensor (plain data, persisted in meta)."""

    def __init__(self, policy: FaultPolicy) -> None:
        self.policy = policy
        self.hits: dict[str, list[float]] = {}
        #: sensor -> [last heartbeat time, interval between its last two heartbeats]
        self.beats: dict[str, list[float]] = {}
        self.source: dict[str, str] = {}  # sensor -> the partition its heartbeats come on

    def hit(self, sensor: str, ts: float) -> Fault | None:
        """Record a detection; the fault it reveals, if any. A sensor reports one detection
        at a time, so a hit at a time already recorded is a replay and changes nothing."""
        pol = self.policy
        h = self.hits.setdefault(sensor, [])
        if ts in h:
            return None
        h.append(ts)
        h.sort()
        keep = max(pol.max_hits_per_window, pol.periodic_hits) + 1
        while h and (h[-1] - h[0] > pol.window_s or len(h) > keep):
            del h[0]
        if len(h) >= pol.max_hits_per_window:
            return Fault.CHATTERING
        if len(h) > pol.periodic_hits:
            gaps = np.diff(np.array(h[-pol.periodic_hits - 1:]))
            mean = float(gaps.mean())
            if mean > 0 and float(gaps.std()) <= pol.periodic_cv * mean:
                return Fault.STUCK
        return None

    def forget_hits(self, sensor: str) -> None:
        self.hits.pop(sensor, None)

    def beat(self, sensor: str, ts: float, source: str = "") -> None:
        self.source[sensor] = source
        b = self.beats.get(sensor)
        if b is None:
            self.beats[sensor] = [ts, 0.0]
        elif ts > b[0]:
            b[1], b[0] = ts - b[0], ts

    def dead(self, now: float, known: set[str],
             progress: Callable[[str], float] = lambda _: math.inf) -> list[str]:
        """Sensors (not in ``known``) whose heartbeats stopped: ``dead_after_beats`` of
        their own interval missed, and at least ``min_silence_s`` — by the clock and by
        the partition their heartbeats come on (one read late is not a dead sensor)."""
        pol = self.policy
        out = []
        for s, (last, gap) in self.beats.items():
            due = last + max(pol.dead_after_beats * gap, pol.min_silence_s)
            if gap > 0 and s not in known and now > due and progress(self.source.get(s, "")) > due:
                out.append(s)
        return sorted(out)

    def prune(self, now: float) -> None:
        for s in [s for s, h in self.hits.items() if not h or now - h[-1] > self.policy.window_s]:
            del self.hits[s]

    def to_dict(self) -> dict[str, Any]:
        return {"hits": self.hits, "beats": self.beats, "source": self.source}

    def load(self, d: dict[str, Any]) -> None:
        self.hits = {k: list(v) for k, v in d.get("hits", {}).items()}
        self.beats = {k: list(v) for k, v in d.get("beats", {}).items()}
        self.source = dict(d.get("source", {}))
