"""Where detections are, in policy terms: for a batch of points (one vectorised geofence
query) the governing zone (the highest-priority zone type that has a policy), whether it
is a boundary zone, and the patrol sector."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from geofences.index import GeofenceSet, Zone
from stream.correlation.policies import Policies


@dataclass(frozen=True, slots=True)
class Placement:
    priority: npt.NDArray[np.int64]  # -1: in no zone with a policy
    zone: list[Zone | None]
    boundary: npt.NDArray[np.bool_]
    sector: list[str | None]


class ZonePlacement:
    def __init__(self, fences: GeofenceSet, policies: Policies) -> None:
        self.fences = fences
        pols = [policies.zone(z.zone_type) for z in fences.zones]
        self.prio = np.array([p.priority if p else -1 for p in pols], np.int64)
        self.boundary = np.array([bool(p and p.boundary) for p in pols], bool)
        self.sector = [z.sector if z.zone_type == "patrol_sector" else None for z in fences.zones]

    def place(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> Placement:
        n = np.asarray(lon).size
        pts, zones = self.fences.locate(lon, lat)
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
                if self.sector[z] is not None:
                    sector[p] = self.sector[z]
        zone_list = [self.fences.zones[b] if b >= 0 else None for b in best.tolist()]
        return Placement(prio, zone_list, boundary, sector)
