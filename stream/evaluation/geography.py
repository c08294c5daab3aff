"""Where along the boundary things are, read from the geofence set in force.

Generators place sensors and actors in the boundary frame (metres along the line, metres
north of it); what lies where along the line — ports of entry, wildlife corridors, the
splits between patrol sectors — is found by sampling the line against the set's zones, so
nothing about a region is written in code.

>>> site = Site.of(GeofenceSet.load_bundled())
>>> [round(s / 1000) for s in site.sector_splits]
[30]
>>> sorted(site.ports)
['poe-nogales-deconcini', 'poe-sasabe']
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from geofences.build import boundary_line
from geofences.index import GeofenceSet
from simulators.boundary import Boundary

#: Sampling step along the line (m) and how far north of it the samples sit.
STEP_M = 25.0
PROBE_NORTH_M = 5.0
DENSIFY_DEG = 0.001
_SITES: dict[str, Site] = {}


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
        if fences.version not in _SITES:
            _SITES[fences.version] = _site(fences, set_boundary(fences))
        return _SITES[fences.version]

    @property
    def length(self) -> float:
        return self.boundary.length

    def lonlat(self, along_m: float, north_m: float) -> tuple[float, float]:
        x, y = self.boundary.point(along_m, north_m)
        lon, lat = self.boundary.lonlat(x, y)
        return round(float(lon), 7), round(float(lat), 7)

    def sector_at(self, lon: float, lat: float) -> str | None:
        return self.fences.sectors(*self.fences.locate([lon], [lat]), 1)[0]

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


def set_boundary(fences: GeofenceSet) -> Boundary:
    """The line the set's zones were drawn from, densified as they were (so a sensor put
    9 m north of it lies in the 18 m strip all along the diagonal, too)."""
    line = shapely.segmentize(boundary_line(), DENSIFY_DEG)
    c = np.asarray(line.coords)
    return Boundary(*fences.to_metric(c[:, 0], c[:, 1]))


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
    sectors = fences.sectors(pts, zones, len(along))
    splits = tuple(float(along[i]) for i in range(1, len(along))
                   if sectors[i] and sectors[i - 1] and sectors[i] != sectors[i - 1])
    return Site(fences, boundary, ports, corridors, splits)
