"""The correlator worker's persisted state: every key it writes and how its value reads.

A worker mirrors the keys a batch changed into a changelogged table (a value ``None``
deletes the key) and hands them all back after a restart:

- ``inc:<incident id>``: an incident (:meth:`Incident.to_dict`)
- ``site:<sensor id>``: where a sensor stands, ``[lon, lat]``
- ``cam:<camera id>``: where a camera stands, ``[lon, lat]``
- ``zon:<alert id>``: zone stays of a tracked alert (the transition engine's state)
- ``buf:<step>:<chunk>``: reports the event clock holds back (:mod:`.held`)
- ``flt:<sensor id>``: the fault watch's data on one sensor (:meth:`.FaultWatch.sensor_dict`)
- ``meta``: the correlator's clocks and rate limiter (a whole fault watch in workers before
  ``flt:`` keys, still read); a worker keeps one per partition, ``meta:<partition>``
  (:func:`meta_for`), and a restart merges those it is given (:meth:`Meta.merge`)

>>> key(SITE, "s-1")
'site:s-1'
>>> saved = decode({"site:s-1": [1.0, 2.0], "cam:c-1": [3.0, 4.0], "zon:alr-1": None})
>>> saved.sites, saved.cameras, saved.zones
({'s-1': [1.0, 2.0]}, {'c-1': [3.0, 4.0]}, {})
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from stream.correlation.incidents import Incident

INC, SITE, CAM, ZON, BUF, FLT = "inc", "site", "cam", "zon", "buf", "flt"
META = "meta"


def meta_for(partition: int) -> str:
    """The key of the meta a worker keeps for one partition: ``meta:<partition>``."""
    return key(META, partition)


def key(kind: str, name: object) -> str:
    """The key of one ``name`` (incident, sensor, camera, alert id or step) of a kind."""
    return f"{kind}:{name}"


@dataclass(slots=True)
class Meta:
    """The correlator's clocks and rate limiter (``meta``; ``faults``: a whole fault watch,
    as workers before per-sensor keys wrote it)."""

    watermark: float = 0.0  # newest event time seen
    tclock: float = 0.0  # the last step boundary whose timers ran
    clock: dict[str, Any] = field(default_factory=dict)  # EventClock.to_dict
    faults: dict[str, Any] = field(default_factory=dict)  # FaultWatch.load reads it
    buckets: dict[str, list[float]] = field(default_factory=dict)  # RateLimiter.buckets

    def partition(self, p: int) -> Meta:
        """This meta as partition ``p`` keeps it: the clock's sources of that partition
        (``topic:p``) and its rate limits (``zone@p``) only.

        >>> m = Meta(1.0, clock={"sources": {"g:0": [1, 2], "g:1": [3, 4]}},
        ...          buckets={"z@0": [1.0], "z@1": [2.0]}).partition(1)
        >>> m.clock, m.buckets
        ({'sources': {'g:1': [3, 4]}}, {'z@1': [2.0]})
        """
        sources = {k: v for k, v in self.clock.get("sources", {}).items()
                   if k.rpartition(":")[2] == str(p)}
        buckets = {k: v for k, v in self.buckets.items() if k.rpartition("@")[2] == str(p)}
        return Meta(self.watermark, self.tclock, {**self.clock, "sources": sources},
                    self.faults, buckets)

    @classmethod
    def merge(cls, metas: list[Meta]) -> Meta:
        """The metas of several partitions as one worker's: every partition's clock
        sources, the newest watermark, and the earliest released step and timer run (a
        partition behind the others is released and timed from where it was; steps the
        others passed hold none of their reports any more, and a timer that ran finds its
        incident changed). Rate limits per zone: the alert times of all.

        >>> a = Meta(5.0, 4.0, {"sources": {"g:0": [5, 9]}, "frontier": 4.0}, buckets={"z": [1.0]})
        >>> b = Meta(7.0, 6.0, {"sources": {"g:1": [7, 9]}, "frontier": 6.0}, buckets={"z": [3.0]})
        >>> m = Meta.merge([a, b])
        >>> m.watermark, m.tclock, m.buckets
        (7.0, 4.0, {'z': [1.0, 3.0]})
        >>> m.clock
        {'sources': {'g:0': [5, 9], 'g:1': [7, 9]}, 'frontier': 4.0}
        """
        if len(metas) == 1:
            return metas[0]
        fronts: list[float | None] = [m.clock.get("frontier") for m in metas]
        sources: dict[str, Any] = {}
        buckets: dict[str, list[float]] = {}
        faults: dict[str, Any] = {}
        for m in metas:
            sources.update(m.clock.get("sources", {}))
            faults.update(m.faults)
            for zone, times in m.buckets.items():
                buckets[zone] = sorted({*buckets.get(zone, ()), *times})
        return cls(watermark=max(m.watermark for m in metas),
                   tclock=min(m.tclock for m in metas),
                   clock={"sources": sources,
                          "frontier": min((f for f in fronts if f is not None), default=None)
                          if None not in fronts else None},
                   faults=faults, buckets=buckets)

    def to_dict(self) -> dict[str, Any]:
        d = {"watermark": self.watermark, "tclock": self.tclock, "clock": self.clock,
             "buckets": self.buckets}
        return {**d, "faults": self.faults} if self.faults else d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Meta:
        return cls(watermark=float(d["watermark"]), tclock=float(d.get("tclock", 0.0)),
                   clock=d.get("clock", {}), faults=d.get("faults", {}),
                   buckets={k: list(v) for k, v in d["buckets"].items()})


@dataclass(slots=True)
class Saved:
    """Persisted state, decoded."""

    incidents: dict[str, Incident] = field(default_factory=dict)
    sites: dict[str, list[float]] = field(default_factory=dict)
    cameras: dict[str, list[float]] = field(default_factory=dict)
    zones: dict[str, Any] = field(default_factory=dict)
    held: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # by key
    faults: dict[str, dict[str, Any]] = field(default_factory=dict)  # by sensor
    meta: Meta | None = None


def decode(state: Mapping[str, Any]) -> Saved:
    """Read every key written earlier (deleted ones, ``None``, are skipped; unknown kinds
    too, so a newer worker's extra keys do not stop an older one)."""
    out = Saved()
    metas: list[Meta] = []
    for k, value in state.items():
        if value is None:
            continue
        kind, _, name = k.partition(":")
        if kind == INC:
            out.incidents[name] = Incident.from_dict(value)
        elif kind == SITE:
            out.sites[name] = list(value)
        elif kind == CAM:
            out.cameras[name] = list(value)
        elif kind == ZON:
            out.zones[name] = value
        elif kind == BUF:
            out.held[k] = list(value)
        elif kind == FLT:
            out.faults[name] = dict(value)
        elif kind == META:  # ``meta`` or ``meta:<partition>``
            metas.append(Meta.from_dict(value))
    if metas:
        out.meta = Meta.merge(metas)
    return out


def dumps(value: Any) -> bytes:
    """``value`` as JSON in bytes of its own length, fit to keep. orjson (from 3.12) hands
    back bytes that keep the buffer it wrote into: at least 4 KB, else the next power of
    two. A table value lives until its key is written again: the ``flt:`` and ``site:`` keys
    of 5,000 sensors (10,000 values of some 20-300 bytes) held 40 MB more than their JSON.

    Arrays (an incident's path) are written as the lists they hold.

    >>> import numpy as np
    >>> dumps({"x": [1.0, 2.0], "p": np.array([[1.0, 2.0, 3.0]])})
    b'{"x":[1.0,2.0],"p":[[1.0,2.0,3.0]]}'
    """
    return bytes(memoryview(orjson.dumps(value, option=orjson.OPT_SERIALIZE_NUMPY)))


def bytes_by_kind(writes: Mapping[str, bytes | None]) -> dict[str, int]:
    """Bytes of the values to write, by key kind (deletions count nothing).

    >>> bytes_by_kind({"inc:a": b"{}", "inc:b": b"[1]", "meta": b"{}", "site:s": None})
    {'inc': 5, 'meta': 2}
    """
    out: dict[str, int] = {}
    for k, v in writes.items():
        if v is not None:
            kind = k.split(":", 1)[0]
            out[kind] = out.get(kind, 0) + len(v)
    return out


def encode_changes(changed: Mapping[str, Any], limit: int
                   ) -> tuple[dict[str, bytes | None], list[tuple[str, int]]]:
    """The changed keys as table values (``None``: delete the key; each as :func:`dumps`
    writes it), and the keys left out with their size: a value over ``limit`` bytes the
    broker would refuse, and the failed send would stop the worker; without it the key
    keeps its last value.

    >>> encode_changes({"a": {"x": 1}, "b": None, "meta": "y" * 50}, limit=20)
    ({'a': b'{"x":1}', 'b': None}, [('meta', 52)])
    """
    out: dict[str, bytes | None] = {}
    refused: list[tuple[str, int]] = []
    for k, v in changed.items():
        raw = None if v is None else dumps(v)
        if raw is not None and len(raw) > limit:
            refused.append((k, len(raw)))
        else:
            out[k] = raw
    return out, refused


def in_two_phases(writes: Mapping[str, bytes | None]
                  ) -> tuple[dict[str, bytes], dict[str, bytes | None]]:
    """A batch's writes split in the order a worker lands them: first the new values, then,
    once those are durable, the clocks (``meta``) and the deletions.

    The keys spread over the changelog's partitions, so a crash mid-flush lands any part of
    one phase. Each part leaves state that the replay of the batch (its offsets are not
    committed yet) puts right: incidents that took reports the old clocks have not passed
    (the replay skips those reports), or released reports still held that an incident took
    (dropped on restore). A deletion of a released report without the incident that took
    it, or clocks past reports no incident took, would lose them.

    >>> in_two_phases({"inc:a": b"{}", "buf:3:0:0": None, "meta": b"{}", "meta:2": b"{}"})
    ({'inc:a': b'{}'}, {'buf:3:0:0': None, 'meta': b'{}', 'meta:2': b'{}'})
    """
    def clocks(k: str) -> bool:  # ``meta``, or a partition's ``meta:<p>``
        return k.partition(":")[0] == META

    first = {k: v for k, v in writes.items() if v is not None and not clocks(k)}
    then = {k: v for k, v in writes.items() if v is None or clocks(k)}
    return first, then
