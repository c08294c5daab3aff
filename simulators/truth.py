"""Ground truth of a run: what an evaluation compares alerts with.

JSON lines, one record each, ``type`` first:

- ``scenario``: name, seed, start, duration, counts.
- ``sensor`` / ``camera``: every device with its position (and gateway, field of view).
- ``actor``: class, group size, origin, ``intrusion`` (a person or vehicle crossing the
  boundary northbound outside a port of entry during the scenario, unless the scenario
  says otherwise), the first ``crossing`` (time, place, direction, port) and all
  ``crossings``, the ``path`` as ``[ts, lon, lat]`` knots (straight lines between them),
  and how often sensors and cameras reported it.
- ``fault``: every scripted fault (kind, targets, start, end, parameters) and every
  derived one (a battery that ran out).
- ``tasking``: every camera cue received, when it was applied, and whether the camera exists.
- ``summary``: messages and reports sent, by topic.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import orjson

from simulators.actors import TrackCrossing, track_crossings

if TYPE_CHECKING:
    from simulators.world import World


def _r(v: float, nd: int) -> float:
    return round(float(v), nd)


def _crossing(w: World, c: TrackCrossing) -> dict[str, Any]:
    lon, lat = w.boundary.lonlat([c.x], [c.y])
    return {
        "ts": _r(w.start + c.t, 3),
        "lon": _r(lon[0], 7),
        "lat": _r(lat[0], 7),
        "northbound": c.northbound,
        "port": c.port,
        "along_m": _r(c.along_m, 1),
        "in_scenario": c.t <= w.scenario.duration_s,
    }


def actor_records(w: World) -> list[dict[str, Any]]:
    out = []
    for tr, stats in zip(w.tracks, w.stats, strict=True):
        crossings = [_crossing(w, c) for c in track_crossings(tr, w.boundary)]
        illegal = [
            c for c in crossings if c["northbound"] and c["port"] is None and c["in_scenario"]
        ]
        if tr.intrusion_override is not None:
            intrusion = tr.intrusion_override
        else:
            intrusion = tr.cls in ("person", "vehicle") and bool(illegal)
        first = next((c for c in crossings if c["in_scenario"]), None)
        lon, lat = w.boundary.lonlat(tr.x, tr.y)
        path = [
            [_r(w.start + t, 3), _r(lo, 7), _r(la, 7)]
            for t, lo, la in zip(tr.t.tolist(), lon.tolist(), lat.tolist(), strict=True)
        ]
        out.append(
            {
                "type": "actor",
                "id": tr.id,
                "cls": tr.cls,
                "count": tr.count,
                "origin": tr.origin,
                "intrusion": intrusion,
                "start_ts": _r(w.start + tr.t0, 3),
                "end_ts": _r(w.start + tr.t1, 3),
                "crossing": illegal[0] if illegal else first,
                "crossings": crossings,
                "path": path,
                "detections": {"ground": stats.ground, "camera": stats.camera},
                "first_detection_ts": stats.first_ts,
                "detected_by": sorted(stats.sensors),
                "note": tr.note,
            }
        )
    return out


def fault_records(w: World) -> list[dict[str, Any]]:
    out = []
    for i, f in enumerate(w.scenario.faults):
        params = f.model_dump(exclude={"kind", "targets", "at_s", "until_s", "note"})
        out.append(
            {
                "type": "fault",
                "kind": f.kind,
                "targets": list(f.targets),
                "devices": [w.ids[d] for d in w.faults.targets[i]],
                "sources": list(w.faults.sources[i]),
                "at_ts": _r(w.start + f.at_s, 3),
                "until_ts": None if f.until_s is None else _r(w.start + f.until_s, 3),
                "params": params,
                "note": f.note,
                "derived": False,
            }
        )
    return out + w.derived_faults


def truth_records(w: World) -> list[dict[str, Any]]:
    sc, lay = w.scenario, w.layout
    actors = actor_records(w)
    head = {
        "type": "scenario",
        "name": sc.name,
        "format": sc.format,
        "seed": w.seed,
        "start_ts": w.start,
        "duration_s": sc.duration_s,
        "step_s": sc.step_s,
        "local_start_hour": _r(w.daylight.hour0, 3),
        "sensors": len(lay),
        "cameras": len(w.cameras),
        "actors": len(actors),
        "intrusions": sum(a["intrusion"] for a in actors),
        "completed": w.finished_at is not None,
    }
    sensors = [
        {
            "type": "sensor",
            "id": lay.ids[i],
            "kind": lay.kinds[i],
            "lon": lay.lon[i],
            "lat": lay.lat[i],
            "gateway": lay.gateways[i],
        }
        for i in range(len(lay))
    ]
    cameras = [
        {
            "type": "camera",
            "id": c.spec.id,
            "lon": c.spec.lon,
            "lat": c.spec.lat,
            "bearing_deg": c.spec.bearing_deg,
            "fov_deg": c.spec.fov_deg,
            "range_m": c.spec.range_m,
            "night_range_m": c.spec.night_range_m,
        }
        for c in w.cameras
    ]
    summary = {
        "type": "summary",
        "messages": w.messages,
        "reports": dict(w.reports),
        "held_unsent": int(np.sum([len(v) for v in w.held.values()])),
    }
    return [head, *sensors, *cameras, *actors, *fault_records(w), *w.tasking_log, summary]


def read_truth(path: Path) -> dict[str, list[dict[str, Any]]]:
    """The records of a truth file grouped by ``type`` (``actor``, ``fault``, ``sensor``, ...)."""
    out: dict[str, list[dict[str, Any]]] = {}
    with path.open("rb") as f:
        for line in f:
            if line.strip():
                rec = orjson.loads(line)
                out.setdefault(rec["type"], []).append(rec)
    return out
