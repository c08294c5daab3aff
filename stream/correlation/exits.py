"""Traffic of a port of entry: the port's lanes, and whether an incident is that traffic.

A zone type whose policy sets ``exit_m`` (ports of entry) has lanes for every zone of the
type: the zone swept ``exit_m`` towards the home side and ``queue_m`` towards the far side
across its own width (the convex hull of the three), widened by ``lane_margin_m``. An
incident whose first evidence lay there has that zone as its ``origin``. While it is of a
class the zone's policy ignores and is still in the lanes, or on the home side governed
by the port or a zone type of the policy's ``exit_zones`` (the buffer), it is the port's
traffic and raises no alert: a truck that just cleared the port and drives inland is not
an intrusion. So are people on foot (the policy's ``queue_classes``) while in the lanes,
governed by the port or a zone type its traffic goes through: queueing on the far side,
at the port itself, walking off inland through its exit — people at the port are the
port's business. Once its evidence reaches another zone outside the lanes (the border strip
beside the port, a restricted area) that zone's rules hold again. Until such an incident
has an alert it takes no detection outside the lanes and those zones, nor merges with
an incident there: lane traffic must not swallow a walker crossing beside the port, who
starts an incident of their own and is judged as before; so is a person leaving the
lanes. The other way round, an incident begun outside the lanes takes no detection inside
them before it has an alert (a camera cued by a strip sensor beside the port sees the
port's queue): those join the lanes' own incidents, or start one. The zones, the boundary
and its home side come from the geofence set, the distances and zone types from the
policies.

>>> from geofences.index import GeofenceSet
>>> from stream.correlation.policies import Policies
>>> from stream.models import TargetClass
>>> fences = GeofenceSet.load_bundled()
>>> exits = Exits(fences, Policies.bundled())
>>> port = fences.metric_geometry(fences.ids["poe-sasabe"]).centroid
>>> ux, uy, nx, ny = fences.frame.direction(float(fences.frame.along([port.x], [port.y])[0]))
>>> x, y = port.x + 400 * nx, port.y + 400 * ny  # 400 m inland of the port's middle
>>> exits.origins(np.array([x, x + 800 * ux]), np.array([y, y + 800 * uy]))  # beside: none
['poe-sasabe', None]
>>> exits.leaving("poe-sasabe", TargetClass.VEHICLE, "buffer", x + 600 * nx, y + 600 * ny)
True
>>> exits.leaving("poe-sasabe", TargetClass.PERSON, "buffer", x, y)  # walked through it
True
>>> exits.leaving("poe-sasabe", TargetClass.PERSON, "buffer", x + 900 * nx, y + 900 * ny)
False
>>> exits.leaving("poe-sasabe", TargetClass.PERSON, "approach", port.x - 300 * nx,
...               port.y - 300 * ny)  # walking up to the port from the far side
True
>>> exits.leaving("poe-sasabe", TargetClass.VEHICLE, "restricted", x + 900 * ux, y + 900 * uy)
False
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely
from shapely.affinity import translate
from shapely.geometry.base import BaseGeometry

from geofences.index import GeofenceSet
from stream.correlation.incidents import Incident
from stream.correlation.policies import Policies
from stream.models import TargetClass


@dataclass(frozen=True, slots=True)
class Exit:
    """One zone with its lanes, in the set's metric frame."""

    zone_id: str
    zone_type: str
    area: BaseGeometry  # the zone and its lanes (queue and exit)
    classes: tuple[TargetClass, ...]  # traffic of these classes is the zone's own
    through: frozenset[str]  # zone types it drives off through (its own, the buffer)
    queue_classes: tuple[TargetClass, ...] = ()  # its own while in the lanes, on foot


class Exits:
    """The lanes of every zone whose type's policy sets ``exit_m`` (none without a
    boundary: the home side is unknown)."""

    def __init__(self, fences: GeofenceSet, policies: Policies) -> None:
        self.frame = fences.frame
        self.by_zone: dict[str, Exit] = {}
        if not self.frame.has_boundary:
            return
        for i, zone in enumerate(fences.zones):
            pol = policies.zone(zone.zone_type)
            if pol is None or pol.exit_m <= 0 or not pol.ignore_classes:
                continue
            geom = fences.metric_geometry(i)
            c = geom.centroid
            _, _, nx, ny = self.frame.direction(float(self.frame.along([c.x], [c.y])[0]))
            moved = shapely.union_all([geom, translate(geom, nx * pol.exit_m, ny * pol.exit_m),
                                       translate(geom, -nx * pol.queue_m, -ny * pol.queue_m)])
            area = shapely.convex_hull(moved).buffer(pol.lane_margin_m)
            shapely.prepare(area)
            self.by_zone[zone.id] = Exit(zone.id, zone.zone_type, area, pol.ignore_classes,
                                         frozenset((zone.zone_type, *pol.exit_zones)),
                                         pol.queue_classes)

    def origins(self, x: npt.NDArray[np.float64], y: npt.NDArray[np.float64]
                ) -> list[str | None]:
        """Per metric point, the zone whose lanes hold it (the first such), if any."""
        out: list[str | None] = [None] * len(x)
        for ex in reversed(list(self.by_zone.values())):  # the first zone wins, as there
            for j in np.flatnonzero(shapely.contains_xy(ex.area, x, y)).tolist():
                out[j] = ex.zone_id
        return out

    def leaving(self, origin: str | None, cls: TargetClass, zone_type: str | None,
                x: float, y: float) -> bool:
        """Whether an incident that began in ``origin``'s lanes, of class ``cls``,
        governed by a zone of ``zone_type`` and now at ``x``, ``y`` is that zone's own
        traffic: a class its policy ignores, still in the lanes, or on the home side
        governed by the port's type or one it drives off through; or a class of its
        ``queue_classes`` (on foot) still in the lanes, governed by such a zone (the far
        side's queue, the port, its exit inland; not the strip beside it)."""
        ex = self.by_zone.get(origin) if origin else None
        if ex is None:
            return False
        if cls in ex.queue_classes:
            return zone_type in ex.through and bool(shapely.contains_xy(ex.area, x, y))
        home = bool(self.frame.signed_distance([x], [y])[0] >= 0.0)
        if cls not in ex.classes:
            return False
        return bool(shapely.contains_xy(ex.area, x, y)) or (zone_type in ex.through and home)

    def confined(self, inc: Incident) -> str | None:
        """The port to whose lanes (and the zones its traffic drives off through) an
        incident is confined: one that began there, has no alert and is still in the
        lanes or governed by such a zone (lane traffic must not swallow a walker crossing
        beside the port)."""
        ex = self.by_zone.get(inc.origin) if inc.origin else None
        if ex is None or inc.alert is not None or not (
                inc.zone_type in ex.through or shapely.contains_xy(ex.area, inc.x, inc.y)):
            return None
        return ex.zone_id

    def admits(self, confined: Sequence[str | None], k: npt.NDArray[np.intp],
               x: npt.NDArray[np.float64], y: npt.NDArray[np.float64],
               zone_types: Sequence[str | None] | None = None) -> npt.NDArray[np.bool_]:
        """Whether incident ``k[j]`` (``confined``: :meth:`confined` per incident) may
        take the metric point ``x[j]``, ``y[j]``: it is not confined, or the point lies in
        its port's lanes, or (given the points' governing ``zone_types``) on the home side
        in a zone type its traffic drives off through."""
        ok = np.ones(k.size, bool)
        for zone_id, ex in self.by_zone.items():
            mine = np.array([c == zone_id for c in confined], bool)
            m = mine[k] if k.size and mine.any() else np.zeros(k.size, bool)
            if not m.any():
                continue
            inside = shapely.contains_xy(ex.area, x[m], y[m])
            if zone_types is not None:
                through = np.array([zone_types[j] in ex.through
                                    for j in np.flatnonzero(m).tolist()], bool)
                inside |= through & (self.frame.signed_distance(x[m], y[m]) >= 0.0)
            ok[m] = inside
        return ok
