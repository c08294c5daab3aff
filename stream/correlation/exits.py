"""Traffic leaving a port of entry: the port's exit, and whether an incident is that traffic.

A zone type whose policy sets ``exit_m`` (ports of entry) has an exit for every zone of the
type: the zone swept ``exit_m`` towards the home side across its own width (the convex
hull of the zone and of its copy moved that far inland), where the lanes lead away from
it. An incident whose first evidence lay in such a zone or its exit has that zone as its
``origin``; while it is of a class the zone's policy ignores, stays on the home side (or
in the exit) and is governed by that zone or a zone type of the policy's ``exit_zones``
(the buffer), it is the port's traffic and raises no alert: a truck that just cleared
the port and drives inland is not an intrusion. Once its evidence reaches another zone
(the border strip beside the port, a restricted area) that zone's rules hold again, and
someone crossing beside the port starts on the far side, outside the exit, and is judged
as before; so is a person leaving the port when the policy ignores vehicles only. The
zones, the boundary and its home side come from the geofence set, the distances and zone
types from the policies.

>>> from geofences.index import GeofenceSet
>>> from stream.correlation.policies import Policies
>>> from stream.models import TargetClass
>>> fences = GeofenceSet.load_bundled()
>>> exits = Exits(fences, Policies.bundled())
>>> port = fences.metric_geometry(fences.ids["poe-sasabe"]).centroid
>>> ux, uy, nx, ny = fences.frame.direction(float(fences.frame.along([port.x], [port.y])[0]))
>>> x, y = port.x + 400 * nx, port.y + 400 * ny  # 400 m inland of the port's middle
>>> exits.origin(x, y)
'poe-sasabe'
>>> exits.leaving("poe-sasabe", TargetClass.VEHICLE, "buffer", x + 600 * nx, y + 600 * ny)
True
>>> exits.leaving("poe-sasabe", TargetClass.PERSON, "buffer", x, y)
False
>>> exits.leaving("poe-sasabe", TargetClass.VEHICLE, "restricted", x, y)
False
>>> exits.origin(x + 800 * ux, y + 800 * uy) is None  # beside the port, not its lanes
True
"""

from __future__ import annotations

from dataclasses import dataclass

import shapely
from shapely.affinity import translate
from shapely.geometry.base import BaseGeometry

from geofences.index import GeofenceSet
from stream.correlation.policies import Policies
from stream.models import TargetClass


@dataclass(frozen=True, slots=True)
class Exit:
    """One zone with its exit, in the set's metric frame."""

    zone_id: str
    area: BaseGeometry  # the zone and the lanes leaving it inland
    classes: tuple[TargetClass, ...]  # traffic of these classes is the zone's own
    through: frozenset[str]  # zone types it drives off through (its own, the buffer)


class Exits:
    """The exits of every zone whose type's policy sets ``exit_m`` (none without a
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
            moved = translate(geom, nx * pol.exit_m, ny * pol.exit_m)
            area = shapely.convex_hull(shapely.union(geom, moved))
            shapely.prepare(area)
            self.by_zone[zone.id] = Exit(zone.id, area, pol.ignore_classes,
                                         frozenset((zone.zone_type, *pol.exit_zones)))

    def origin(self, x: float, y: float) -> str | None:
        """The zone whose area or exit holds the metric point (the first such), if any."""
        for ex in self.by_zone.values():
            if shapely.contains_xy(ex.area, x, y):
                return ex.zone_id
        return None

    def leaving(self, origin: str | None, cls: TargetClass, zone_type: str | None,
                x: float, y: float) -> bool:
        """Whether an incident that began in ``origin`` (its lanes or exit), of class
        ``cls``, governed by a zone of ``zone_type`` and now at ``x``, ``y`` is that zone's
        own traffic: a class its policy ignores, governed by the port's type or one it
        drives off through, on the home side or still in the exit."""
        ex = self.by_zone.get(origin) if origin else None
        if ex is None or cls not in ex.classes or zone_type not in ex.through:
            return False
        return bool(self.frame.signed_distance([x], [y])[0] >= 0.0
                    or shapely.contains_xy(ex.area, x, y))
