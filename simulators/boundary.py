"""The boundary line in metres (UTM 12N): positions along it, offsets north, and crossings.

Distances along the line start at its Nogales (east) end; offsets are metres north (US side).

>>> b = Boundary.bundled()
>>> round(b.length / 1000)
60
>>> x, y = b.point(0.0, 0.0)
>>> lon, lat = b.lonlat(x, y)
>>> round(float(lon), 4), round(float(lat), 4)
(-110.94, 31.3333)
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import numpy.typing as npt
import shapely

from geofences.build import boundary_line
from simulators.geo import Array, to_metric, to_wgs84


@dataclass(frozen=True, slots=True)
class Crossing:
    """Where a path crosses the line: distance along the path, point, and direction."""

    path_m: float
    x: float
    y: float
    northbound: bool


class Boundary:
    """A polyline with a consistent north normal per segment."""

    def __init__(self, x: Array, y: Array) -> None:
        self.x, self.y = np.asarray(x, float), np.asarray(y, float)
        dx, dy = np.diff(self.x), np.diff(self.y)
        self.seg_len = np.hypot(dx, dy)
        self.cum = np.concatenate([[0.0], np.cumsum(self.seg_len)])
        self.ux, self.uy = dx / self.seg_len, dy / self.seg_len
        # the normal that points north (y grows) on each segment
        nx, ny = -self.uy, self.ux
        flip = ny < 0
        self.nx, self.ny = np.where(flip, -nx, nx), np.where(flip, -ny, ny)
        self.line = shapely.LineString(np.column_stack([self.x, self.y]))

    @classmethod
    @cache
    def bundled(cls) -> Boundary:
        """The Nogales-Sasabe boundary of the bundled geofences."""
        coords = np.asarray(boundary_line().coords)
        x, y = to_metric(coords[:, 0], coords[:, 1])
        return cls(x, y)

    @property
    def length(self) -> float:
        return float(self.cum[-1])

    def lonlat(self, x: Array | float, y: Array | float) -> tuple[Array, Array]:
        return to_wgs84(x, y)

    def point(self, along_m: Array | float, offset_m: Array | float = 0.0) -> tuple[Array, Array]:
        """Metric point(s) ``along_m`` from the east end, ``offset_m`` north of the line."""
        a = np.clip(np.asarray(along_m, float), 0.0, self.length)
        seg = self._segment(a)
        t = a - self.cum[seg]
        off = np.asarray(offset_m, float)
        x = self.x[seg] + t * self.ux[seg] + off * self.nx[seg]
        y = self.y[seg] + t * self.uy[seg] + off * self.ny[seg]
        return x, y

    def frame(self, along_m: float) -> tuple[float, float, float, float]:
        """Unit direction (towards the west end) and north normal of the line at ``along_m``."""
        seg = int(self._segment(np.asarray(along_m, float)))
        return (float(self.ux[seg]), float(self.uy[seg]), float(self.nx[seg]),
                float(self.ny[seg]))

    def _segment(self, along_m: npt.NDArray[np.float64]) -> npt.NDArray[np.intp]:
        """Index of the segment each distance along the line falls on (ends clamped)."""
        seg = np.searchsorted(self.cum, along_m, side="right") - 1
        return np.clip(seg, 0, len(self.seg_len) - 1)

    def along(self, x: float, y: float) -> float:
        """Distance along the line of the line point closest to ``(x, y)``."""
        return float(self.line.project(shapely.Point(x, y)))

    def crossings(self, px: Array, py: Array) -> list[Crossing]:
        """Every crossing of the polyline ``(px, py)`` with the boundary, in path order."""
        out: list[Crossing] = []
        done = 0.0
        for i in range(len(px) - 1):
            ax, ay, bx, by = float(px[i]), float(py[i]), float(px[i + 1]), float(py[i + 1])
            seg_len = float(np.hypot(bx - ax, by - ay))
            if seg_len > 0:
                out.extend(self._segment_crossings(ax, ay, bx, by, done))
            done += seg_len
        return out

    def _segment_crossings(
        self, ax: float, ay: float, bx: float, by: float, done: float
    ) -> list[Crossing]:
        rx, ry = bx - ax, by - ay
        sx, sy = self.x[1:] - self.x[:-1], self.y[1:] - self.y[:-1]
        denom = rx * sy - ry * sx
        qpx, qpy = self.x[:-1] - ax, self.y[:-1] - ay
        with np.errstate(divide="ignore", invalid="ignore"):
            t = (qpx * sy - qpy * sx) / denom  # along the path segment
            u = (qpx * ry - qpy * rx) / denom  # along the boundary segment
        hit = (denom != 0) & (t >= 0) & (t < 1) & (u >= 0) & (u <= 1)
        found = []
        for j in np.flatnonzero(hit):
            tj = float(t[j])
            northbound = rx * self.nx[j] + ry * self.ny[j] > 0
            found.append(
                Crossing(done + tj * np.hypot(rx, ry), ax + tj * rx, ay + tj * ry, bool(northbound))
            )
        found.sort(key=lambda c: c.path_m)
        return found
