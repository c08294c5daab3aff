"""The boundary of the geofence set a scenario runs on, in that set's metric frame:
positions along it, offsets towards the home side, and crossings.

The simulators use exactly the line (and frame) the pipeline uses, so a sensor placed
``offset_m`` from the line lies that far from it for the geofences too. Distances along
the line start at its first vertex (home side on the right; for the bundled Arizona set,
the Nogales end); offsets are metres towards the home (US) side.

>>> b = Boundary.bundled()
>>> round(b.length / 1000)
60
>>> x, y = b.point(0.0, 0.0)
>>> lon, lat = b.lonlat(x, y)
>>> round(float(lon), 4), round(float(lat), 4)
(-110.94, 31.3333)
"""

from __future__ import annotations

from functools import cache

import numpy as np
import numpy.typing as npt
from shapely.geometry.base import BaseGeometry

from geofences.frame import Crossing
from geofences.index import BUNDLED, GeofenceSet

Array = npt.NDArray[np.float64]
Like = npt.ArrayLike

__all__ = ["Boundary", "Crossing"]


class Boundary:
    """A geofence set's boundary and frame, as the simulators use them."""

    def __init__(self, fences: GeofenceSet) -> None:
        if not fences.frame.has_boundary:
            raise ValueError(f"geofence set {fences.version} has no boundary line")
        self.fences = fences
        self.metric = fences.frame
        self.line = fences.frame.line

    @classmethod
    def of(cls, fences: GeofenceSet) -> Boundary:
        return cls(fences)

    @classmethod
    @cache
    def bundled(cls, name: str = BUNDLED) -> Boundary:
        """The boundary of a bundled geofence set (by name)."""
        return cls.of(GeofenceSet.load_bundled(name))

    @property
    def length(self) -> float:
        return self.metric.length

    def to_metric(self, lon: Like, lat: Like) -> tuple[Array, Array]:
        return self.metric.to_metric(lon, lat)

    def lonlat(self, x: Like, y: Like) -> tuple[Array, Array]:
        return self.metric.to_wgs84(x, y)

    def point(self, along_m: Like, offset_m: Like = 0.0) -> tuple[Array, Array]:
        """Metric point(s) ``along_m`` along the line, ``offset_m`` towards the home side."""
        return self.metric.point(along_m, offset_m)

    def frame(self, along_m: float) -> tuple[float, float, float, float]:
        """Unit direction of the line at ``along_m`` and its home-side normal."""
        return self.metric.direction(along_m)

    def along(self, x: float, y: float) -> float:
        """Distance along the line of the line point closest to ``(x, y)``."""
        return float(self.metric.along([x], [y])[0])

    def offset(self, x: Like, y: Like) -> Array:
        """Signed metres from the line (positive on the home side)."""
        return self.metric.signed_distance(x, y)

    def crossings(self, px: Like, py: Like) -> list[Crossing]:
        """Every crossing of the metric polyline ``(px, py)`` with the boundary, in order."""
        return self.metric.crossings(px, py)

    def zone(self, zone_id: str) -> BaseGeometry:
        """A zone of the set in metres."""
        index = self.fences.ids.get(zone_id)
        if index is None:
            known = ", ".join(sorted(self.fences.ids))
            raise ValueError(f"unknown zone {zone_id!r} (zones: {known})")
        return self.fences.metric_geometry(index)

    def ports(self) -> list[tuple[str, BaseGeometry]]:
        """The set's ports of entry (id, metric geometry)."""
        return [(self.fences.zones[i].id, self.fences.metric_geometry(i))
                for i in self.fences.zones_of_type("port_of_entry")]
