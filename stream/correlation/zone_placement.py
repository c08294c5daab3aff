"""Where detections are, in policy terms: for a batch of points (one vectorised geofence
query) the governing zone (the highest-priority zone type that has a policy), whether it
is a boundary zone, and the patrol sector (the one covering it, else the nearest:
:mod:`.sectors`).

A point in no zone with a policy, at most ``approach_m`` from the boundary on its far
side (the set's frame measures it), lies in the synthetic ``approach`` zone (when the
policies define one): people a camera sees walking up to the line."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely

from geofences.index import GeofenceSet, Zone
from stream.correlation.exits import Exits
from stream.correlation.policies import Policies
from stream.correlation.sectors import SectorMap

#: points :meth:`ZonePlacement.point` remembers (one per site: 100,000 sensors)
MAX_POINTS = 100_000

#: the zone of a point in none: id, type, name
UNLOCATED = ("unlocated", "unknown", "position unknown")

APPROACH = Zone(id="approach", name="approach to the boundary", zone_type="approach",
                geometry=shapely.Point(0.0, 0.0))


@dataclass(frozen=True, slots=True)
class Placement:
    priority: npt.NDArray[np.int64]  # -1: in no zone with a policy
    zone: list[Zone | None]
    boundary: npt.NDArray[np.bool_]
    sector: list[str | None]  # covering, else nearest (None: the set has no sectors)
    covered: npt.NDArray[np.bool_]  # whether a sector polygon covers the point
    sectors: SectorMap


@dataclass(frozen=True, slots=True)
class PointPlace:
    """Where one point is: metric position, governing zone (``unlocated`` when in none),
    patrol sector."""

    x: float
    y: float
    zone: tuple[str, str, str]  # id, type, name
    sector: str | None


class ZonePlacement:
    def __init__(self, fences: GeofenceSet, policies: Policies) -> None:
        self.fences = fences
        pols = [policies.zone(z.zone_type) for z in fences.zones]
        self.prio = np.array([p.priority if p else -1 for p in pols], np.int64)
        self.boundary = np.array([bool(p and p.boundary) for p in pols], bool)
        self.sector = [z.sector if z.zone_type == "patrol_sector" else None for z in fences.zones]
        approach = policies.zone(APPROACH.zone_type)
        self.approach_m = policies.approach_m if approach else 0.0
        self.approach_prio = approach.priority if approach else -1
        self.sectors = SectorMap(fences, policies.sectors.hysteresis_m)
        self.exits = Exits(fences, policies)
        self._points: dict[tuple[float, float], PointPlace] = {}

    def place(
        self, lon: npt.ArrayLike, lat: npt.ArrayLike, at: npt.ArrayLike | None = None
    ) -> Placement:
        """Zones in force at ``at`` (event times; fences with a closed time window drop out)."""
        n = np.asarray(lon).size
        pts, zones = self.fences.locate(lon, lat, at)
        prio = np.full(n, -1, np.int64)
        best = np.full(n, -1, np.intp)
        boundary = np.zeros(n, bool)
        sector: list[str | None] = [None] * n
        if pts.size:
            zp = self.prio[zones]
            order = np.lexsort((-zp, pts))  # by point, highest priority first
            first = np.ones(order.size, bool)
            first[1:] = pts[order][1:] != pts[order][:-1]
            sel = order[first & (zp[order] >= 0)]
            prio[pts[sel]] = zp[sel]
            best[pts[sel]] = zones[sel]
            np.logical_or.at(boundary, pts, self.boundary[zones])
            for p, z in zip(pts.tolist(), zones.tolist(), strict=True):
                if self.sector[z] is not None and sector[p] is None:
                    sector[p] = self.sector[z]
        zone_list = [self.fences.zones[b] if b >= 0 else None for b in best.tolist()]
        covered = np.array([s is not None for s in sector], bool)
        frame = self.fences.frame
        if self.sectors and not covered.all():
            out = np.flatnonzero(~covered)
            x, y = frame.to_metric(np.ravel(lon)[out], np.ravel(lat)[out])
            for i, s in zip(out.tolist(), self.sectors.nearest(x, y), strict=True):
                sector[i] = s
        if self.approach_m > 0 and frame.has_boundary and (prio < 0).any():
            out = np.flatnonzero(prio < 0)
            x, y = frame.to_metric(np.ravel(lon)[out], np.ravel(lat)[out])
            far = -frame.signed_distance(x, y)
            for i in out[(far >= 0) & (far <= self.approach_m)].tolist():
                prio[i] = self.approach_prio
                zone_list[i] = APPROACH
        return Placement(prio, zone_list, boundary, sector, covered, self.sectors)

    def point(self, lon: float, lat: float) -> PointPlace:
        """Where one point is, zones in force at any time: a sensor's or camera's site
        (a fault or tamper incident's place; remembered, sites are few and asked often).

        >>> from geofences.index import GeofenceSet
        >>> from stream.correlation.policies import Policies
        >>> zp = ZonePlacement(GeofenceSet.load_bundled(), Policies.bundled())
        >>> at = zp.point(-111.313, 31.405)
        >>> at.zone[:2], at.sector, zp.point(-111.313, 31.405) is at
        (('strip-nog-sas', 'border_strip'), 'sasabe', True)
        >>> zp.point(0.0, 0.0).zone  # in no zone of the set
        ('unlocated', 'unknown', 'position unknown')
        """
        return self.points([lon], [lat])[0]

    def points(self, lon: Sequence[float], lat: Sequence[float]) -> list[PointPlace]:
        """:meth:`point` of each of many points; those not remembered yet are placed in
        one query (a storm makes hundreds of sensors chatter in one step of event time).

        >>> from geofences.index import GeofenceSet
        >>> from stream.correlation.policies import Policies
        >>> zp = ZonePlacement(GeofenceSet.load_bundled(), Policies.bundled())
        >>> both = zp.points([-111.313, 0.0], [31.405, 0.0])
        >>> [p.zone[0] for p in both], zp.points([0.0], [0.0])[0] is both[1]
        (['strip-nog-sas', 'unlocated'], True)
        """
        keys = list(zip(lon, lat, strict=True))
        new = [k for k in dict.fromkeys(keys) if k not in self._points]
        if len(self._points) + len(new) > MAX_POINTS:  # bounded, whatever positions come
            self._points.clear()
            new = list(dict.fromkeys(keys))
        if new:
            lo, la = np.array([k[0] for k in new]), np.array([k[1] for k in new])
            x, y = self.fences.frame.to_metric(lo, la)
            place = self.place(lo, la)
            for i, k in enumerate(new):
                z = place.zone[i]
                self._points[k] = PointPlace(
                    float(x[i]), float(y[i]),
                    (z.id, z.zone_type, z.name) if z else UNLOCATED, place.sector[i])
        return [self._points[k] for k in keys]
