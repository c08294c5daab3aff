"""Where along the boundary things are, read from the geofence set in force.

Generators place sensors and actors in the boundary frame (metres along the line, metres
north of it); what lies where along the line — ports of entry, wildlife corridors, the
splits between patrol sectors — is found by sampling the line against the set's zones, so
nothing about a region is written in code.

>>> site = Site.of(GeofenceSet.load_bundled())
>>> [round(s / 1000, 1) for s in site.sector_splits]
[30.5]
>>> sorted(site.ports)
['poe-nogales-deconcini', 'poe-sasabe']
>>> x, y = site.boundary.point(np.array([29000.0, 32000.0]), 100.0)  # 1.5 km either side
>>> site.sector_excess("nogales", x, y) == 0, site.sector_excess("sasabe", x, y) == 0
(array([ True, False]), array([False,  True]))
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import shapely

from geofences.index import GeofenceSet
from simulators.boundary import Boundary

#: Sampling step along the line (m) and how far north of it the samples sit.
STEP_M = 25.0
PROBE_NORTH_M = 5.0
_SITES: dict[int, Site] = {}


@dataclass(frozen=True)
class Site:
    """The line of a geofence set and the stretches of it that matter to generators."""

    fences: GeofenceSet
    boundary: Boundary
    #: port id -> (from_m, to_m) of the line inside the port zone
    ports: dict[str, tuple[float, float]]
    #: wildlife-corridor id -> (from_m, to_m)
    corridors: dict[str, tuple[float, float]]
    #: distances along the line where the patrol sector changes
    sector_splits: tuple[float, ...]

    @classmethod
    def of(cls, fences: GeofenceSet, boundary: Boundary | None = None) -> Site:
        if boundary is not None:
            return _site(fences, boundary)
        key = id(fences)  # the site keeps the set alive, so its id is not reused
        if key not in _SITES:
            _SITES[key] = _site(fences, Boundary.of(fences))
        return _SITES[key]

    @property
    def length(self) -> float:
        return self.boundary.length

    def lonlat(self, along_m: float, north_m: float) -> tuple[float, float]:
        x, y = self.boundary.point(along_m, north_m)
        lon, lat = self.boundary.lonlat(x, y)
        return round(float(lon), 7), round(float(lat), 7)

    def sector_at(self, lon: float, lat: float) -> str | None:
        return self.fences.sectors(*self.fences.locate([lon], [lat]), 1)[0]

    @cached_property
    def _sector_geoms(self) -> dict[str, object]:
        """Each patrol sector's area (all its polygons) in the metric frame."""
        parts: dict[str, list[object]] = {}
        for i, z in enumerate(self.fences.zones):
            if z.zone_type == "patrol_sector" and z.sector:
                parts.setdefault(str(z.sector), []).append(self.fences.metric_geometry(i))
        return {n: shapely.union_all(g) for n, g in parts.items()}

    def sector_excess(self, sector: str | None, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """How much further (m) each metric point lies from ``sector`` than from the
        nearest patrol sector: 0 where it covers the point or is the nearest, inf for a
        sector the set does not have."""
        geoms = self._sector_geoms
        pts = shapely.points(np.ravel(x), np.ravel(y))
        if sector not in geoms:
            return np.full(pts.size, np.inf)
        d = {n: np.asarray(shapely.distance(pts, g), float) for n, g in geoms.items()}
        return d[sector] - np.min(np.array(list(d.values())), axis=0)

    def clear_stretches(self, margin_m: float) -> list[tuple[float, float]]:
        """Stretches of the line at least ``margin_m`` from any port of entry."""
        cuts = sorted((a - margin_m, b + margin_m) for a, b in self.ports.values())
        out, pos = [], margin_m
        for a, b in cuts:
            if a > pos:
                out.append((pos, a))
            pos = max(pos, b)
        if self.length - margin_m > pos:
            out.append((pos, self.length - margin_m))
        return out

    def free_along(self, rng: np.random.Generator, span_m: float, margin_m: float = 1500.0
                   ) -> float:
        """A random distance along the line whose ``span_m`` window avoids the ports."""
        spans = [(a + span_m / 2, b - span_m / 2) for a, b in self.clear_stretches(margin_m)
                 if b - a > span_m]
        weights = np.array([b - a for a, b in spans])
        a, b = spans[int(rng.choice(len(spans), p=weights / weights.sum()))]
        return float(rng.uniform(a, b))


def _runs(mask: np.ndarray, along: np.ndarray) -> list[tuple[float, float]]:
    out = []
    edges = np.flatnonzero(np.diff(np.r_[0, mask.astype(int), 0]))
    for start, stop in zip(edges[::2], edges[1::2], strict=True):
        out.append((float(along[start]), float(along[stop - 1])))
    return out


def _site(fences: GeofenceSet, boundary: Boundary) -> Site:
    along = np.arange(0.0, boundary.length, STEP_M)
    x, y = boundary.point(along, PROBE_NORTH_M)
    lon, lat = boundary.lonlat(x, y)
    pts, zones = fences.locate(lon, lat)
    ports: dict[str, tuple[float, float]] = {}
    corridors: dict[str, tuple[float, float]] = {}
    for zi in sorted(set(zones.tolist())):
        z = fences.zones[zi]
        if z.zone_type not in ("port_of_entry", "wildlife_corridor"):
            continue
        mask = np.zeros(len(along), bool)
        mask[pts[zones == zi]] = True
        runs = _runs(mask, along)
        span = (runs[0][0], runs[-1][1])
        (ports if z.zone_type == "port_of_entry" else corridors)[z.id] = span
    return Site(fences, boundary, ports, corridors,
                _splits(along, fences.sectors(pts, zones, len(along))))


def _splits(along: np.ndarray, sectors: list[str | None]) -> tuple[float, ...]:
    """Where the sector changes along the line (midway across any stretch with none)."""
    out, last, last_at = [], None, 0.0
    for a, sec in zip(along.tolist(), sectors, strict=True):
        if sec is None:
            continue
        if last is not None and sec != last:
            out.append((last_at + a) / 2)
        last, last_at = sec, a
    return tuple(out)
