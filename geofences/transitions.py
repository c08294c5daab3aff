"""Per-object geofence transitions: enter, exit, inside and dwell, with a hysteresis band.

Pure (no Kafka): give it positions, get transitions back. Usage::

    engine = TransitionEngine(hysteresis_m=25.0, dwell_s=300.0)
    events = engine.update(fences, object_ids, lon, lat, ts)   # one batch, any order
    for e in events:
        e.kind, e.object_id, e.zone_id, e.ts, e.since, e.initial, e.version

``update(fences, ids, lon, lat, ts)`` takes parallel sequences (one entry per position;
an object may appear several times) and returns :class:`Transition` s in time order.
Rules, per (object, zone):

* **enter** when a position lies in or on the zone and the object was outside it.
* **exit** only when a position lies more than the hysteresis band (``hysteresis_m``,
  in metres, measured in the set's metric CRS; a zone's ``hysteresis_m`` property
  overrides it) outside the zone. Positions inside the band keep the object inside, so
  a track wobbling on a boundary gives one enter and no flapping.
* **inside** for every position while inside (``emit_inside=False`` turns these off).
  ``initial=True`` marks a stay the engine did not see begin: the object's first
  position, a zone that is new in a reloaded set, or a time window that just opened.
  These never produce an ``enter`` (``enter_on_first_sight=True`` makes an object's
  very first position count as an enter).
* **dwell** once per stay, at the first position ``dwell_s`` seconds (zone property
  ``dwell_s`` overrides it) or more after the stay began.
* Zones are matched across set versions by id: a stay survives a reload of its zone.
  A zone that disappears, or whose time window closes, ends the stay silently.
* A position older than the object's last one is ignored and counted in ``stale``.

State is per object id (:meth:`inside_of`, :meth:`forget`, :meth:`expire`), and can be
saved and resumed as JSON-native data (:meth:`state`, :meth:`resume`), e.g. through a
changelog, so a restarted consumer neither repeats a dwell nor misses an exit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np
import numpy.typing as npt

from geofences.index import GeofenceSet


class Kind(StrEnum):
    ENTER = "enter"
    EXIT = "exit"
    INSIDE = "inside"
    DWELL = "dwell"


@dataclass(frozen=True, slots=True)
class Transition:
    kind: Kind
    object_id: str
    zone_id: str
    zone_type: str
    ts: float
    since: float  # when the stay began (the enter, or first sight)
    lon: float
    lat: float
    version: str  # geofence set version the position was judged against
    position: int  # index of the position in the update's input
    initial: bool = False


@dataclass(slots=True)
class _Stay:
    since: float
    dwelt: bool = False


@dataclass(slots=True)
class _Object:
    last_ts: float = -np.inf
    known: frozenset[str] = frozenset()  # zone ids in force at the last position
    stays: dict[str, _Stay] = field(default_factory=dict)


class TransitionEngine:
    """Keeps per-object zone state; see the module docstring for the rules."""

    def __init__(
        self,
        *,
        hysteresis_m: float = 20.0,
        dwell_s: float = 300.0,
        emit_inside: bool = True,
        enter_on_first_sight: bool = False,
    ) -> None:
        if hysteresis_m < 0 or dwell_s < 0:
            raise ValueError("hysteresis_m and dwell_s must be >= 0")
        self.hysteresis_m = hysteresis_m
        self.dwell_s = dwell_s
        self.emit_inside = emit_inside
        self.enter_on_first_sight = enter_on_first_sight
        self.objects: dict[str, _Object] = {}
        self.stale = 0

    def update(
        self,
        fences: GeofenceSet,
        object_ids: Sequence[str],
        lon: npt.ArrayLike,
        lat: npt.ArrayLike,
        ts: npt.ArrayLike,
    ) -> list[Transition]:
        x = np.asarray(lon, float).reshape(-1)
        y = np.asarray(lat, float).reshape(-1)
        t = np.asarray(ts, float).reshape(-1)
        if not (len(object_ids) == len(x) == len(y) == len(t)):
            raise ValueError("object_ids, lon, lat and ts must have the same length")
        pts, zones = fences.locate(x, y, at=t)
        bounds = np.searchsorted(pts, np.arange(len(x) + 1))
        out: list[Transition] = []
        for p in np.argsort(t, kind="stable").tolist():
            hits = zones[bounds[p]:bounds[p + 1]].tolist()
            out.extend(self._step(fences, str(object_ids[p]), p, x[p], y[p], t[p], hits))
        return out

    def _step(
        self, fences: GeofenceSet, oid: str, p: int, x: float, y: float, ts: float,
        hits: list[int],
    ) -> list[Transition]:
        obj = self.objects.get(oid)
        first_sight = obj is None
        if obj is None:
            obj = self.objects[oid] = _Object()
        elif ts < obj.last_ts:
            self.stale += 1
            return []
        events: list[Transition] = []

        def emit(kind: Kind, zi: int, since: float, initial: bool = False) -> None:
            z = fences.zones[zi]
            events.append(Transition(kind, oid, z.id, z.zone_type, float(ts), since, float(x),
                                     float(y), fences.version, p, initial))

        hit_ids = {fences.zones[zi].id: zi for zi in hits}
        for zid in list(obj.stays):
            zi = fences.ids.get(zid)
            if zi is None or not fences.in_force(zi, ts):
                del obj.stays[zid]  # zone removed or its window closed: no exit
            elif zid not in hit_ids:
                band = fences.zones[zi].number("hysteresis_m", self.hysteresis_m)
                if fences.distance_m(zi, x, y) > band:
                    emit(Kind.EXIT, zi, obj.stays.pop(zid).since)
        started: set[str] = set()
        for zid, zi in hit_ids.items():
            if zid not in obj.stays:
                stay = obj.stays[zid] = _Stay(float(ts))
                started.add(zid)
                seen_begin = zid in obj.known or (first_sight and self.enter_on_first_sight)
                if seen_begin:
                    emit(Kind.ENTER, zi, stay.since)
                elif self.emit_inside:
                    emit(Kind.INSIDE, zi, stay.since, initial=True)
        for zid, stay in obj.stays.items():
            zi = fences.ids[zid]
            if self.emit_inside and zid not in started:  # still inside, or in the band
                emit(Kind.INSIDE, zi, stay.since)
            dwell_s = fences.zones[zi].number("dwell_s", self.dwell_s)
            if not stay.dwelt and ts - stay.since >= dwell_s:
                stay.dwelt = True
                emit(Kind.DWELL, zi, stay.since)
        obj.last_ts = float(ts)
        obj.known = _in_force_ids(fences, ts)
        return events

    def inside_of(self, object_id: str) -> dict[str, float]:
        """Zone id -> start of the stay, for every zone the object is inside."""
        obj = self.objects.get(object_id)
        return {} if obj is None else {z: s.since for z, s in obj.stays.items()}

    def state(self, object_id: str) -> dict[str, Any] | None:
        """The object's state as JSON-native data; ``None`` for an unknown object."""
        obj = self.objects.get(object_id)
        if obj is None:
            return None
        return {"last_ts": obj.last_ts, "known": sorted(obj.known),
                "stays": {z: [s.since, s.dwelt] for z, s in obj.stays.items()}}

    def resume(self, object_id: str, state: Mapping[str, Any]) -> None:
        """Take up an object's state saved by :meth:`state`."""
        stays = {z: _Stay(float(v[0]), bool(v[1])) for z, v in state["stays"].items()}
        self.objects[object_id] = _Object(float(state["last_ts"]), frozenset(state["known"]),
                                          stays)

    def forget(self, object_id: str) -> None:
        self.objects.pop(object_id, None)

    def expire(self, older_than: float) -> list[str]:
        """Drop objects last seen before ``older_than``; returns their ids."""
        gone = [o for o, s in self.objects.items() if s.last_ts < older_than]
        for o in gone:
            del self.objects[o]
        return gone


def _in_force_ids(fences: GeofenceSet, ts: float) -> frozenset[str]:
    if not fences.windowed:
        return fences.id_set
    return frozenset(z.id for i, z in enumerate(fences.zones) if fences.in_force(i, ts))
