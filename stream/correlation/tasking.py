"""Slew-to-cue: pick the nearest camera that can see a position and build its task.

A camera sees a position within ``range_m`` whose bearing lies in its pan arc
(``pan_from_deg`` clockwise to ``pan_to_deg``; the default is all round).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from geofences.frame import Frame
from stream.correlation.ids import task_id
from stream.correlation.incidents import Incident
from stream.correlation.policies import TaskingPolicy
from stream.models import CameraTask


@dataclass(frozen=True, slots=True)
class CameraSite:
    id: str
    lon: float
    lat: float
    range_m: float = 3000.0
    pan_from_deg: float = 0.0
    pan_to_deg: float = 360.0


@dataclass(frozen=True, slots=True)
class Aim:
    camera_id: str
    bearing_deg: float
    distance_m: float


class CameraNetwork:
    """Camera sites with their metric positions (in a geofence set's frame) precomputed."""

    def __init__(self, sites: Sequence[CameraSite], frame: Frame) -> None:
        self.sites = tuple(sites)
        self.frame = frame
        self.x, self.y = frame.to_metric([s.lon for s in sites], [s.lat for s in sites])
        self.range = np.array([s.range_m for s in sites], float)
        self.pan_from = np.array([s.pan_from_deg for s in sites], float) % 360.0
        self.pan_width = np.array([s.pan_to_deg - s.pan_from_deg for s in sites], float)
        self.pan_width = np.where(self.pan_width <= 0, self.pan_width + 360.0, self.pan_width)

    def aim(self, x: float, y: float, exclude: frozenset[str] = frozenset()) -> Aim | None:
        """The nearest camera that can see metric point (x, y), or None."""
        if not self.sites:
            return None
        dx, dy = x - self.x, y - self.y
        dist = np.hypot(dx, dy)
        bearing = np.degrees(np.arctan2(dx, dy)) % 360.0
        in_arc = ((bearing - self.pan_from) % 360.0 <= self.pan_width) | (self.pan_width >= 360.0)
        ok = (dist <= self.range) & in_arc
        if exclude:
            ok &= np.array([s.id not in exclude for s in self.sites])
        if not ok.any():
            return None
        k = int(np.argmin(np.where(ok, dist, np.inf)))
        return Aim(self.sites[k].id, round(float(bearing[k]), 1), round(float(dist[k]), 1))


def plan_task(inc: Incident, cameras: CameraNetwork, policy: TaskingPolicy,
              now: float) -> CameraTask | None:
    """A cue for the nearest camera that sees where the incident will be (``lead_s`` ahead
    on its track); at most every ``retask_s`` and only once it moved ``move_m``."""
    if not cameras.sites:
        return None
    x, y = inc.position_at(inc.last_ts + policy.lead_s)
    prev = inc.task or {}
    if "ts" in prev and (now - prev["ts"] < policy.retask_s
                         or np.hypot(x - prev["x"], y - prev["y"]) < policy.move_m):
        return None
    aim = cameras.aim(x, y)
    if aim is None:
        return None
    lon, lat = cameras.frame.to_wgs84([x], [y])
    n = int(prev.get("n", 0))
    prev.update(ts=now, x=x, y=y, n=n + 1, camera_id=aim.camera_id)
    inc.task = prev
    return CameraTask(
        id=task_id(inc.id, n), camera_id=aim.camera_id, incident_id=inc.id,
        alert_id=inc.alert.id if inc.alert else None, lon=round(float(lon[0]), 7),
        lat=round(float(lat[0]), 7), bearing_deg=aim.bearing_deg, distance_m=aim.distance_m,
        ts=now, expires_ts=now + policy.expires_s,
        reason="new-incident" if n == 0 else "track-update")
