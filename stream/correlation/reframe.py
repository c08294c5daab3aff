"""Move an incident's metric coordinates into another frame (a hot reload to a geofence
set whose metric CRS differs): positions through WGS84, velocities as displacements."""

from __future__ import annotations

import numpy as np

from geofences.frame import Frame
from stream.correlation.incidents import Incident


def _move(old: Frame, new: Frame, xy: list[tuple[float, float]]) -> list[tuple[float, float]]:
    if not xy:
        return []
    a = np.asarray(xy, float)
    x, y = new.to_metric(*old.to_wgs84(a[:, 0], a[:, 1]))
    return list(zip(x.tolist(), y.tolist(), strict=True))


def reproject(inc: Incident, old: Frame, new: Frame) -> None:
    """Every metric coordinate of ``inc`` from ``old`` into ``new`` (in place)."""
    pts: list[tuple[float, float]] = [(inc.x, inc.y), (inc.x0, inc.y0)]
    path = inc.path.copy()
    pts += zip(path[:, 1].tolist(), path[:, 2].tolist(), strict=True)
    pts += [(h[2], h[3]) for h in inc.sensor_hits.values()]
    pts += [(m[1], m[2]) for m in inc.modality_last.values()]
    tr, task = inc.track, inc.task
    if tr:
        pts += [(tr["x"], tr["y"]), (tr["x"] + tr["vx"], tr["y"] + tr["vy"])]
    if task and "x" in task:
        pts.append((task["x"], task["y"]))
    moved = iter(_move(old, new, pts))
    (inc.x, inc.y), (inc.x0, inc.y0) = next(moved), next(moved)
    if len(path):
        path[:, 1:3] = [next(moved) for _ in range(len(path))]
    inc.path = path
    for h in inc.sensor_hits.values():
        h[2], h[3] = next(moved)
    for m in inc.modality_last.values():
        m[1], m[2] = next(moved)
    if tr:
        (tr["x"], tr["y"]), (ex, ey) = next(moved), next(moved)
        tr["vx"], tr["vy"] = ex - tr["x"], ey - tr["y"]
    if task and "x" in task:
        task["x"], task["y"] = next(moved)
