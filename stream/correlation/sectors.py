"""Which patrol sector an alert belongs to, from its first message on.

A position takes the sector whose polygon covers it, else the nearest sector polygon of
the set (an alert south of the line, in the approach zone, goes to the sector whose
stretch it is walking up to). An incident keeps its sector until a position lies
``hysteresis_m`` further from it than from another sector: a target walking along a
split between two sectors, or reports jumping between sensors on either side, do not
make the alert flip between them.

>>> import shapely
>>> from geofences.index import GeofenceSet, Zone
>>> west = Zone("w", "west", "patrol_sector", shapely.box(-111.02, 31.3, -111.0, 31.4), sector="w")
>>> east = Zone("e", "east", "patrol_sector", shapely.box(-111.0, 31.3, -110.98, 31.4), sector="e")
>>> m = SectorMap(GeofenceSet.from_zones("t", [west, east]), hysteresis_m=100.0)
>>> x, y = m.fences.to_metric([-111.01, -110.9995, -110.99], [31.35, 31.35, 31.35])
>>> m.nearest(x, y)
['w', 'e', 'e']
>>> m.follow("w", float(x[1]), float(y[1]))  # ~50 m into the east sector: still west
'w'
>>> m.follow("w", float(x[2]), float(y[2]))  # ~950 m into it: east
'e'
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import shapely

from geofences.index import GeofenceSet

F = npt.NDArray[np.float64]
NEAREST_KEPT = 100_000  # positions whose nearest sector is remembered


class SectorMap:
    """The patrol sectors of a geofence set in its metric frame."""

    def __init__(self, fences: GeofenceSet, hysteresis_m: float) -> None:
        self.fences = fences
        self.hysteresis_m = hysteresis_m
        idx = [i for i, z in enumerate(fences.zones)
               if z.zone_type == "patrol_sector" and z.sector]
        #: sector name per polygon (a sector may have several), in zone order
        self.names: list[str] = [str(fences.zones[i].sector) for i in idx]
        self.geoms = np.array([fences.metric_geometry(i) for i in idx], dtype=object)
        #: (x, y) -> its nearest sector: sensors report from where they stand, again and again
        self._nearest: dict[tuple[float, float], str] = {}

    def __bool__(self) -> bool:
        return bool(self.names)

    def distances(self, x: npt.ArrayLike, y: npt.ArrayLike) -> F:
        """Metres from each point to each sector polygon, shape (points, polygons)."""
        pts = shapely.points(np.ravel(x), np.ravel(y))
        return np.asarray(shapely.distance(pts[:, None], self.geoms[None, :]), float)

    def nearest(self, x: npt.ArrayLike, y: npt.ArrayLike) -> list[str | None]:
        """The covering (first in zone order) or else nearest sector of each point."""
        xs, ys = np.ravel(x).tolist(), np.ravel(y).tolist()
        if not self.names or not xs:
            return [None] * len(xs)
        todo = sorted({p for p in zip(xs, ys, strict=True) if p not in self._nearest})
        if todo:
            if len(self._nearest) + len(todo) > NEAREST_KEPT:
                self._nearest.clear()
            a = np.array(todo, float)
            best = np.argmin(self.distances(a[:, 0], a[:, 1]), axis=1)  # ties: the first
            self._nearest.update(zip(todo, (self.names[b] for b in best.tolist()),
                                     strict=True))
        return [self._nearest[p] for p in zip(xs, ys, strict=True)]

    def follow(self, current: str | None, x: float, y: float) -> str | None:
        """The sector of an incident at ``(x, y)`` that had ``current``: kept unless the
        point lies more than the hysteresis further from it than from another sector."""
        if not self.names:
            return current
        d = self.distances([x], [y])[0]
        best = int(np.argmin(d))
        if current is None or current not in self.names:
            return self.names[best]
        mine = min(float(v) for v, n in zip(d.tolist(), self.names, strict=True) if n == current)
        return self.names[best] if mine - float(d[best]) > self.hysteresis_m else current
