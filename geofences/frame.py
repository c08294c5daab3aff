"""A geofence set's metric frame: the CRS chosen from the set's extent, vectorised
transforms, and the set's boundary in metres.

The boundary is measured as it is: for any points, the signed distance to the nearest
point of the line (positive on the home side, wherever the line runs: along a parallel,
down a meridian, along a river) and the distance along the line to that point. Each part
of the boundary is oriented so that its home side lies on the right; distances along it
start at the first vertex of that orientation.

>>> from shapely.geometry import LineString
>>> f = Frame.for_extent((-111.6, 31.3, -110.9, 31.6), [(LineString([(-110.9, 31.33),
...     (-111.6, 31.33)]), "right")])
>>> f.crs
'EPSG:32612'
>>> x, y = f.to_metric([-111.0, -111.0], [31.34, 31.32])
>>> [round(float(d)) for d in f.signed_distance(x, y)]
[1108, -1108]
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt
import shapely
from pyproj import Geod, Transformer
from pyproj.aoi import AreaOfInterest
from pyproj.database import query_utm_crs_info
from shapely.geometry import LineString, MultiLineString
from shapely.geometry.base import BaseGeometry

Array = npt.NDArray[np.float64]
HOME_SIDES = ("left", "right")
#: Densify the WGS84 line before projecting (degrees, ~100 m): a parallel is curved in
#: a projected CRS, and every user of the frame must see the same metric line.
DENSIFY_DEG = 0.001
WGS84 = "EPSG:4326"
_GEOD = Geod(ellps="WGS84")


def metric_crs_for(bounds: tuple[float, float, float, float]) -> str:
    """The UTM zone (WGS84) holding the whole extent, else an azimuthal equidistant
    projection centred on it (a set that spans UTM zones)."""
    w, s, e, n = (float(v) for v in bounds)
    found = query_utm_crs_info(datum_name="WGS 84", area_of_interest=AreaOfInterest(w, s, e, n))
    codes = {f"{i.auth_name}:{i.code}" for i in found}
    if len(codes) == 1:
        return codes.pop()
    lon0, lat0 = round((w + e) / 2, 4), round((s + n) / 2, 4)
    return f"+proj=aeqd +lat_0={lat0} +lon_0={lon0} +datum=WGS84 +units=m +no_defs"


@dataclass(frozen=True, slots=True)
class Located:
    """Points measured against the boundary: signed metres (home side positive), metres
    along the line, and the index of the nearest segment."""

    signed_m: Array
    along_m: Array
    segment: npt.NDArray[np.intp]


@dataclass(frozen=True, slots=True)
class Crossing:
    """Where a path crosses the boundary: distance along the path, point, and direction."""

    path_m: float
    x: float
    y: float
    homeward: bool


class Frame:
    """Metric CRS, transforms and the boundary (in that CRS) of one geofence set."""

    def __init__(self, crs: str, boundary: Sequence[tuple[BaseGeometry, str]] = ()) -> None:
        self.crs = crs
        self._fwd = Transformer.from_crs(WGS84, crs, always_xy=True)
        self._inv = Transformer.from_crs(crs, WGS84, always_xy=True)
        parts: list[Array] = []
        for geom, side in boundary:
            if side not in HOME_SIDES:
                raise ValueError(f"home_side must be one of {HOME_SIDES}, got {side!r}")
            for part in shapely.get_parts(geom):
                c = np.asarray(shapely.get_coordinates(shapely.segmentize(part, DENSIFY_DEG)))
                x, y = self.to_metric(c[:, 0], c[:, 1])
                xy = np.column_stack([x, y])
                keep = np.r_[True, np.any(np.diff(xy, axis=0) != 0, axis=1)]
                xy = xy[keep]
                if len(xy) >= 2:
                    parts.append(xy if side == "right" else xy[::-1])
        self._set_parts(parts)

    @classmethod
    def for_extent(cls, bounds: tuple[float, float, float, float],
                   boundary: Sequence[tuple[BaseGeometry, str]] = ()) -> Frame:
        return cls(metric_crs_for(bounds), boundary)

    @classmethod
    def metric(cls, crs: str, parts: Sequence[npt.ArrayLike]) -> Frame:
        """A frame whose boundary is given in metres already (home side on the right)."""
        f = cls(crs)
        f._set_parts([np.asarray(p, float) for p in parts])
        return f

    def _set_parts(self, parts: list[Array]) -> None:
        self.parts = parts
        if not parts:
            self.line: BaseGeometry | None = None
            return
        a = np.concatenate([p[:-1] for p in parts])
        b = np.concatenate([p[1:] for p in parts])
        self.ax, self.ay, self.bx, self.by = a[:, 0], a[:, 1], b[:, 0], b[:, 1]
        dx, dy = self.bx - self.ax, self.by - self.ay
        self.seg_len = np.hypot(dx, dy)
        self.ux, self.uy = dx / self.seg_len, dy / self.seg_len
        self.nx, self.ny = self.uy, -self.ux  # unit normal towards the home (right) side
        self.cum = np.concatenate([[0.0], np.cumsum(self.seg_len)])
        first = np.zeros(len(a), bool)
        first[np.cumsum([0] + [len(p) - 1 for p in parts[:-1]])] = True
        self.first = first  # segment starts a part
        self.last = np.r_[first[1:], True]  # segment ends a part
        lines = [LineString(p) for p in parts]
        self.line = lines[0] if len(lines) == 1 else MultiLineString(lines)
        self.tree = shapely.STRtree(shapely.linestrings(
            np.stack([a, b], axis=1).reshape(-1, 2), indices=np.repeat(np.arange(len(a)), 2)))

    # --- transforms ------------------------------------------------------------------
    def to_metric(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[Array, Array]:
        """WGS84 longitudes and latitudes (degrees) to metres in :attr:`crs`."""
        x, y = self._fwd.transform(np.asarray(lon, float), np.asarray(lat, float))
        return np.asarray(x, float), np.asarray(y, float)

    def to_wgs84(self, x: npt.ArrayLike, y: npt.ArrayLike) -> tuple[Array, Array]:
        """Metres in :attr:`crs` to WGS84 longitudes and latitudes (degrees)."""
        lon, lat = self._inv.transform(np.asarray(x, float), np.asarray(y, float))
        return np.asarray(lon, float), np.asarray(lat, float)

    def azimuth_deg(self, x: float, y: float, vx: float, vy: float) -> float:
        """True azimuth (degrees clockwise from true north) of motion ``(vx, vy)`` at the
        metric point ``(x, y)``: the grid bearing corrected for the frame's convergence."""
        speed = math.hypot(vx, vy)
        if speed == 0.0:
            return 0.0
        k = 100.0 / speed  # 100 m along the motion
        lon, lat = self.to_wgs84([x, x + vx * k], [y, y + vy * k])
        az, _, _ = _GEOD.inv(lon[0], lat[0], lon[1], lat[1])
        return float(az) % 360.0

    def geometry_to_metric(self, geom: BaseGeometry) -> BaseGeometry:
        return shapely.transform(geom, self._fwd.transform, interleaved=False)

    # --- the boundary ----------------------------------------------------------------
    @property
    def has_boundary(self) -> bool:
        return self.line is not None

    @cached_property
    def length(self) -> float:
        return float(self.cum[-1]) if self.parts else 0.0

    def _need_line(self) -> None:
        if self.line is None:
            raise ValueError("this geofence set has no boundary")

    def locate(self, x: npt.ArrayLike, y: npt.ArrayLike) -> Located:
        """Signed distance, distance along and nearest segment for metric points."""
        self._need_line()
        px = np.asarray(x, float).reshape(-1)
        py = np.asarray(y, float).reshape(-1)
        if px.size == 0:
            e = np.empty(0, float)
            return Located(e, e, np.empty(0, np.intp))
        pi, si = self.tree.query_nearest(shapely.points(px, py), all_matches=True)
        seg = np.full(px.size, np.iinfo(np.intp).max, np.intp)
        np.minimum.at(seg, pi, si)  # ties: the first segment, as shapely's project does
        ax, ay = self.ax[seg], self.ay[seg]
        dx, dy = self.bx[seg] - ax, self.by[seg] - ay
        t = np.clip(((px - ax) * dx + (py - ay) * dy) / (self.seg_len[seg] ** 2), 0.0, 1.0)
        qx, qy = ax + t * dx, ay + t * dy
        dist = np.hypot(px - qx, py - qy)
        # side: the segment's normal, or at an inner vertex the bisector of both normals
        nx, ny = self.nx[seg].copy(), self.ny[seg].copy()
        at_start = (t <= 0.0) & ~self.first[seg]
        at_end = (t >= 1.0) & ~self.last[seg]
        nx[at_start] += self.nx[seg[at_start] - 1]
        ny[at_start] += self.ny[seg[at_start] - 1]
        nx[at_end] += self.nx[seg[at_end] + 1]
        ny[at_end] += self.ny[seg[at_end] + 1]
        side = (px - qx) * nx + (py - qy) * ny
        beyond = ((t <= 0.0) & self.first[seg]) | ((t >= 1.0) & self.last[seg])
        side = np.where(beyond, (px - ax) * self.nx[seg] + (py - ay) * self.ny[seg], side)
        signed = np.where(side < 0, -dist, dist)
        return Located(signed, self.cum[seg] + t * self.seg_len[seg], seg)

    def signed_distance(self, x: npt.ArrayLike, y: npt.ArrayLike) -> Array:
        """Metres to the boundary, positive on the home side."""
        return self.locate(x, y).signed_m

    def along(self, x: npt.ArrayLike, y: npt.ArrayLike) -> Array:
        """Metres along the boundary of its point nearest to each point."""
        return self.locate(x, y).along_m

    def home(self, x: npt.ArrayLike, y: npt.ArrayLike) -> npt.NDArray[np.bool_]:
        """True where a point lies on the home side (or on the line)."""
        return self.signed_distance(x, y) >= 0.0

    def _segment(self, along_m: Array) -> npt.NDArray[np.intp]:
        seg = np.searchsorted(self.cum, along_m, side="right") - 1
        return np.clip(seg, 0, len(self.seg_len) - 1)

    def point(self, along_m: npt.ArrayLike, offset_m: npt.ArrayLike = 0.0) -> tuple[Array, Array]:
        """Metric point(s) ``along_m`` along the line, ``offset_m`` towards the home side."""
        self._need_line()
        a = np.clip(np.asarray(along_m, float), 0.0, self.length)
        seg = self._segment(a)
        t = a - self.cum[seg]
        off = np.asarray(offset_m, float)
        return (self.ax[seg] + t * self.ux[seg] + off * self.nx[seg],
                self.ay[seg] + t * self.uy[seg] + off * self.ny[seg])

    def direction(self, along_m: float) -> tuple[float, float, float, float]:
        """Unit direction of the line at ``along_m`` and its home-side normal."""
        self._need_line()
        seg = int(self._segment(np.asarray(along_m, float)))
        return (float(self.ux[seg]), float(self.uy[seg]), float(self.nx[seg]),
                float(self.ny[seg]))

    def crossings(self, px: npt.ArrayLike, py: npt.ArrayLike) -> list[Crossing]:
        """Every crossing of the metric polyline ``(px, py)`` with the boundary, in order."""
        self._need_line()
        px, py = np.asarray(px, float), np.asarray(py, float)
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
        hits = self.tree.query(LineString([(ax, ay), (bx, by)]))
        if hits.size == 0:
            return []
        sx, sy = self.bx[hits] - self.ax[hits], self.by[hits] - self.ay[hits]
        denom = rx * sy - ry * sx
        qpx, qpy = self.ax[hits] - ax, self.ay[hits] - ay
        with np.errstate(divide="ignore", invalid="ignore"):
            t = (qpx * sy - qpy * sx) / denom  # along the path segment
            u = (qpx * ry - qpy * rx) / denom  # along the boundary segment
        ok = (denom != 0) & (t >= 0) & (t < 1) & (u >= 0) & (u < 1)
        found = {}
        for j, tj in zip(hits[ok].tolist(), t[ok].tolist(), strict=True):
            homeward = rx * self.nx[j] + ry * self.ny[j] > 0
            c = Crossing(done + tj * float(np.hypot(rx, ry)), ax + tj * rx, ay + tj * ry,
                         bool(homeward))
            found[round(c.path_m, 6)] = c
        return [found[k] for k in sorted(found)]

    def first_crossing(self, x0: float, y0: float, x1: float, y1: float
                       ) -> tuple[float, float] | None:
        """The first point where the segment from ``(x0, y0)`` to ``(x1, y1)`` meets the line."""
        c = self._segment_crossings(x0, y0, x1, y1, 0.0) if self.line is not None else []
        return (c[0].x, c[0].y) if c else None
