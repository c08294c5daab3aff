"""Sensor faults the worker sees for itself, in event time: a sensor that chatters (far
more hits in a minute than any target gives one sensor), one stuck firing identical
periodic reports, one that stopped its heartbeats (dead), and what heartbeats report
themselves (the fault flag of a failed self-test).

A faulted sensor gets one health alert (its own incident kind and rule, see
:mod:`.engine`); its detections stop joining incidents until it recovers.

>>> w = FaultWatch(FaultPolicy())
>>> [w.hit("s-1", 100.0 + 2.0 * k) for k in range(9)][-2:]  # every 2 s, like clockwork
[None, <Fault.STUCK: 'stuck'>]

A target lingering by a sensor is reported as regularly (the sensor re-arms), but what it
reports varies (strength, signature): only identical reports are a faulty sensor's own.

>>> [w.hit("s-3", 100.0 + 2.0 * k, report=f"0.{k}/person") for k in range(9)][-1] is None
True

A hit seen again (a replay after a crash) counts once:

>>> w = FaultWatch(FaultPolicy())
>>> first = [w.hit("s-2", 100.0 + 3.0 * k) for k in range(5)]
>>> again = [w.hit("s-2", 100.0 + 3.0 * k) for k in range(5)]
>>> again, len(w.hits["s-2"])
([None, None, None, None, None], 5)
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Callable, Iterable
from enum import StrEnum
from itertools import pairwise
from typing import Any

import numpy as np

from stream.correlation.policies import FaultPolicy


def _bounds(pol: FaultPolicy) -> tuple[int, float]:
    """How many hits, and how far back, a sensor's record must keep for every rule."""
    return (max(pol.max_hits_per_window, pol.periodic_hits + 1, pol.sustained_hits),
            max(pol.window_s, pol.periodic_window_s, pol.sustained_window_s))


def _since(hits: list[float], t: float) -> int:
    """How many of the sorted ``hits`` came after ``t``."""
    return len(hits) - bisect_left(hits, t)


class Fault(StrEnum):
    CHATTERING = "chattering"
    STUCK = "stuck"
    DEAD = "dead"
    SELF_TEST = "self-test"
    CLOCK = "clock"


class FaultWatch:
    """Recent hit times and heartbeat rhythm per sensor (plain data, persisted one key per
    sensor: :meth:`changed` gives the sensors whose data changed since it was last asked).

    >>> w = FaultWatch(FaultPolicy())
    >>> _ = w.beat("s-1", 100.0, "h:0"); w.hit("s-1", 101.0, report="0.5/person")
    >>> w.changed()
    {'s-1': {'h': [101.0], 'r': ['0.5/person'], 'b': [100.0, 0.0], 's': 'h:0', 't': 100.0}}
    >>> w.changed()  # nothing new
    {}
    >>> v = FaultWatch(FaultPolicy()); v.load_sensor("s-1", w.sensor_dict("s-1"))
    >>> v.hits, v.beats
    ({'s-1': [101.0]}, {'s-1': [100.0, 0.0]})
    >>> w.prune(200.0); w.changed()  # its hits are old: only the heartbeat rhythm is left
    {'s-1': {'b': [100.0, 0.0], 's': 'h:0', 't': 100.0}}
    """

    def __init__(self, policy: FaultPolicy) -> None:
        self.policy = policy
        self.hits: dict[str, list[float]] = {}
        #: sensor -> what each of its hits said ("strength/signature"), as ``hits``
        self.said: dict[str, list[str]] = {}
        #: sensor -> [last heartbeat time, interval between its last two heartbeats]; an
        #: interval of -1: never heard, expected since its gateway was (:meth:`expect`)
        self.beats: dict[str, list[float]] = {}
        self.source: dict[str, str] = {}  # sensor -> the partition its heartbeats come on
        #: sensor -> time of its newest heartbeat (detections do not move it)
        self.newest: dict[str, float] = {}
        #: stuck sensor -> the report it repeats ("strength/signature"); others are targets
        self.repeats: dict[str, str] = {}
        self.dirty: set[str] = set()  # sensors changed since :meth:`changed`
        #: the policy and the :func:`_bounds` of it (computed once a policy, not once a hit)
        self._bounds: tuple[FaultPolicy | None, int, float] = (None, 0, 0.0)

    def hit(self, sensor: str, ts: float,
            peers: Callable[[], Iterable[str]] = tuple, report: str = "") -> Fault | None:
        """Record a detection; the fault it reveals, if any (``peers``: the sensors around
        it; ``report``: what it said, see :func:`.sensor_faults.repeated`). A sensor
        reports one detection at a time, so a hit at a time already recorded is a replay
        and changes nothing. Stuck, and chattering in bursts, are judged on the hits that
        said exactly what this one said: a sensor firing by itself repeats one report,
        a target it senses does not."""
        pol = self.policy
        h = self.hits.setdefault(sensor, [])
        i = bisect_left(h, ts)
        if i < len(h) and h[i] == ts:
            return None
        said = self.said.setdefault(sensor, [])
        if len(said) != len(h):  # hits recorded before reports were
            said[:] = [""] * len(h)
        self.dirty.add(sensor)
        h.insert(i, ts)
        said.insert(i, report)
        if self._bounds[0] is not pol:
            self._bounds = (pol, *_bounds(pol))
        _, keep, horizon = self._bounds
        while h and (h[-1] - h[0] > horizon or len(h) > keep):
            del h[0], said[0]
        if _since(h, h[-1] - pol.window_s) >= pol.max_hits_per_window:
            return Fault.CHATTERING
        if said.count(report) <= min(pol.periodic_hits, pol.sustained_hits - 1):
            return None  # too few alike to be stuck or chattering in bursts (the usual case)
        same = [t for t, r in zip(h, said, strict=True) if r == report]
        if self._above_peers(same, peers):
            return Fault.CHATTERING
        same = [t for t in same if t >= same[-1] - pol.periodic_window_s]
        if len(same) > pol.periodic_hits:
            gaps = [b - a for a, b in pairwise(same[-pol.periodic_hits - 1:])]
            mean = sum(gaps) / len(gaps)  # (a few values: plain Python beats numpy here)
            spread = math.sqrt(sum((g - mean) ** 2 for g in gaps) / len(gaps))
            if mean > 0 and spread <= pol.periodic_cv * mean:
                return Fault.STUCK
        return None

    def _above_peers(self, h: list[float], peers: Callable[[], Iterable[str]]) -> bool:
        """``sustained_hits`` (``h``: the sensor's identical ones) in
        ``sustained_window_s``, ``peer_ratio`` times as many as any sensor around it (at
        least one) had: a sensor chattering in bursts, which no target passing, nor
        weather, makes one sensor of a neighbourhood do (a target lingering by it is
        reported unlike each time)."""
        pol = self.policy
        since = h[-1] - pol.sustained_window_s
        own = _since(h, since)
        if own < pol.sustained_hits:
            return False
        around = [_since(self.hits.get(p, []), since) for p in peers()]
        return bool(around) and own >= pol.peer_ratio * max(max(around), 1)

    def repeat(self, sensor: str, report: str) -> None:
        """``sensor`` is stuck repeating ``report``."""
        self.repeats[sensor] = report
        self.dirty.add(sensor)

    def forget_hits(self, sensor: str) -> None:
        self.dirty.add(sensor)
        self.hits.pop(sensor, None)
        self.said.pop(sensor, None)
        self.repeats.pop(sensor, None)

    def beat(self, sensor: str, ts: float, source: str = "") -> bool:
        """Record a heartbeat; True when it is the sensor's newest so far (what it says of
        the sensor's self-test is then its state now; an older one delivered late, from a
        gateway's upload, says only that the sensor was alive then).

        >>> w = FaultWatch(FaultPolicy())
        >>> [w.beat("s-1", t) for t in (100.0, 160.0, 130.0, 160.0)]
        [True, True, False, True]
        """
        self.dirty.add(sensor)
        self.source[sensor] = source
        newest = ts >= self.newest.get(sensor, -math.inf)
        if newest:
            self.newest[sensor] = ts
        b = self.beats.get(sensor)
        if b is None or b[1] < 0:
            self.beats[sensor] = [ts, 0.0]
        elif ts > b[0]:
            b[1], b[0] = ts - b[0], ts
        return newest

    def expect(self, sensor: str, ts: float, source: str) -> None:
        """A sensor the inventory puts on a gateway heard at ``ts`` on ``source``: one
        never heard is due from the earliest such time, judged dead like one heard once.

        >>> w = FaultWatch(FaultPolicy(min_silence_s=120.0))
        >>> _ = w.beat("s-1", 100.0, "h:0"); _ = w.beat("s-1", 160.0, "h:0")
        >>> w.expect("s-2", 160.0, "h:0"); w.expect("s-2", 100.0, "h:0"); w.beats["s-2"]
        [100.0, -1.0]
        >>> w.dead(279.0, set()), w.dead(281.0, set())
        ([], [('s-2', 280.0)])
        >>> _ = w.beat("s-2", 300.0, "h:0"); w.beats["s-2"]  # heard at last
        [300.0, 0.0]
        """
        b = self.beats.get(sensor)
        if b is None or (b[1] < 0 and ts < b[0]):
            self.beats[sensor] = [ts, -1.0]
            self.source[sensor] = source
            self.dirty.add(sensor)

    def alive(self, sensor: str, ts: float) -> None:
        """The sensor spoke at ``ts`` (a detection, however late it was delivered): its
        silence counts from then, its heartbeat interval unchanged."""
        b = self.beats.get(sensor)
        if b is not None and (ts > b[0] or b[1] < 0):
            b[0], b[1] = max(ts, b[0]), max(b[1], 0.0)  # (an expected one: heard now)
            self.dirty.add(sensor)

    def dead(self, now: float, known: set[str],
             progress: Callable[[str], float] = lambda _: math.inf) -> list[tuple[str, float]]:
        """Sensors (not in ``known``) whose heartbeats stopped, each with the moment it
        became dead: ``dead_after_beats`` of their own interval missed (their peers' usual
        one if heard once or never), and at least ``min_silence_s`` — by the clock and by
        the partition their heartbeats come on (one read late is not a dead sensor). That
        moment, not ``now``, names the fault: however often a correlator looks, the same."""
        pol = self.policy
        out = []
        gaps = [g for _, g in self.beats.values() if g > 0]
        usual = float(np.median(gaps)) if gaps else 0.0
        for s, (last, own) in self.beats.items():
            gap = own if own > 0 else usual
            due = last + max(pol.dead_after_beats * gap, pol.min_silence_s)
            if gap > 0 and s not in known and now > due and progress(self.source.get(s, "")) > due:
                out.append((s, due))
        return sorted(out)

    def partition_of(self, sensor: str) -> int | None:
        """The partition a sensor's heartbeats come on (or its gateway's, if never heard).

        >>> w = FaultWatch(FaultPolicy()); w.expect("s-2", 1.0, "health:3")
        >>> w.partition_of("s-2"), w.partition_of("s-9")
        (3, None)
        """
        source = self.source.get(sensor)
        return int(source.rsplit(":", 1)[1]) if source and ":" in source else None

    def prune(self, now: float) -> None:
        for s in [s for s, h in self.hits.items() if not h or now - h[-1] > self.policy.window_s]:
            del self.hits[s]
            self.said.pop(s, None)
            self.dirty.add(s)

    def sensor_dict(self, sensor: str) -> dict[str, Any] | None:
        """One sensor's data (``None``: nothing kept about it)."""
        d = {"h": self.hits.get(sensor), "r": self.said.get(sensor),
             "b": self.beats.get(sensor), "s": self.source.get(sensor),
             "p": self.repeats.get(sensor), "t": self.newest.get(sensor)}
        return {k: v for k, v in d.items() if v is not None} or None

    def state(self) -> dict[str, dict[str, Any] | None]:
        """Every sensor's data."""
        return {s: self.sensor_dict(s)
                for s in sorted({*self.hits, *self.beats, *self.source, *self.repeats,
                                 *self.newest})}

    def changed(self) -> dict[str, dict[str, Any] | None]:
        """The data of each sensor changed since the last call (``None``: forget it)."""
        out = {s: self.sensor_dict(s) for s in sorted(self.dirty)}
        self.dirty.clear()
        return out

    def load_sensor(self, sensor: str, d: dict[str, Any]) -> None:
        """Resume one sensor from :meth:`sensor_dict`."""
        for attr, k in (("hits", "h"), ("said", "r"), ("beats", "b")):
            if k in d:
                getattr(self, attr)[sensor] = list(d[k])
        if "s" in d:
            self.source[sensor] = d["s"]
        if "p" in d:
            self.repeats[sensor] = d["p"]
        if "t" in d:
            self.newest[sensor] = d["t"]

    def load(self, d: dict[str, Any]) -> None:
        """Resume from the whole watch as workers before per-sensor keys wrote it."""
        self.hits = {k: list(v) for k, v in d.get("hits", {}).items()}
        self.said = {k: list(v) for k, v in d.get("said", {}).items()}
        self.beats = {k: list(v) for k, v in d.get("beats", {}).items()}
        self.source = dict(d.get("source", {}))
        self.repeats = dict(d.get("repeats", {}))
        self.dirty = {*self.hits, *self.beats, *self.source, *self.repeats}  # rewrite as keys
