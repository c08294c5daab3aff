"""GeoJSON features of the operating picture, built from the typed pipeline messages.

Every feature has a stable ``id`` (``<layer>:<key>``) that stays the same across updates,
and ``properties`` with its ``layer``, event time ``ts`` and a CoT-style ``stale`` time
(epoch seconds; ``None`` = never stale) after which the page greys it out.

>>> f = sensor_feature(SensorHealth(sensor_id="pir-3", seq=7, kind=SensorKind.PIR, ts=1.8e9,
...     battery=0.1, lon=-111.1, lat=31.4), stale_after_s=180, low_battery=0.2)
>>> f["id"], f["properties"]["status"], f["properties"]["stale"] - f["properties"]["ts"]
('sensor:pir-3', 'low_battery', 180.0)
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Any

import orjson
import shapely
import shapely.geometry
from pyproj import Geod

from stream.models import Alert, CameraTask, SensorHealth, SensorKind

Feature = dict[str, Any]
Position = tuple[float, float]

#: Width drawn for a cued camera's field of view: the task names the direction, not the lens.
FOV_DRAWN_DEG = 20.0
_GEOD = Geod(ellps="WGS84")


class Layer(StrEnum):
    FENCE = "fence"
    SENSOR = "sensor"
    INCIDENT = "incident"
    TRACK = "track"
    CROSSING = "crossing"
    FOV = "fov"


def feature_id(layer: Layer, key: str) -> str:
    return f"{layer.value}:{key}"


def _feature(
    layer: Layer, key: str, geometry: dict[str, Any], ts: float | None, stale: float | None,
    **props: Any,
) -> Feature:
    return {
        "type": "Feature",
        "id": feature_id(layer, key),
        "geometry": geometry,
        "properties": {"layer": layer.value, "ts": ts, "stale": stale, **props},
    }


def point(lon: float, lat: float) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [round(lon, 7), round(lat, 7)]}


def fence_features(version: str, doc: dict[str, Any]) -> list[Feature]:
    """One feature per zone (and the boundary) of a geofence set, a GeoJSON
    FeatureCollection; outlines are thinned to what a screen can show (see :func:`thin`)."""
    out = []
    for f in doc.get("features", []):
        props = dict(f.get("properties") or {})
        zone_id = str(props.pop("id", None) or f.get("id"))
        out.append(_feature(Layer.FENCE, zone_id, thin(f["geometry"]), None, None,
                            zone_id=zone_id, geofence_version=version, **props))
    return out


def thin(geometry: dict[str, Any]) -> dict[str, Any]:
    """The geometry without vertices that move it less than ~10 cm (1e-6°), coordinates at
    1e-7°: sets built by densifying lines in a metric frame carry thousands of vertices on
    straight stretches, which browsers need not download.

    >>> line = {"type": "LineString", "coordinates": [[-111 + i / 1e4, 31.3] for i in range(101)]}
    >>> thin(line)["coordinates"]
    [[-111.0, 31.3], [-110.99, 31.3]]
    """
    geom = shapely.set_precision(shapely.geometry.shape(geometry), 1e-7)
    out: dict[str, Any] = shapely.geometry.mapping(geom.simplify(1e-6, preserve_topology=True))
    return orjson.loads(orjson.dumps(out))  # tuples -> lists, as GeoJSON readers expect


def sensor_status(h: SensorHealth, low_battery: float) -> str:
    """The worst of tamper, fault, low battery; else online (offline = past ``stale``)."""
    if h.tamper:
        return "tamper"
    if h.fault:
        return "fault"
    return "low_battery" if h.battery < low_battery else "online"


def sensor_feature(h: SensorHealth, stale_after_s: float, low_battery: float) -> Feature:
    assert h.lon is not None and h.lat is not None
    return _feature(
        Layer.SENSOR, h.sensor_id, point(h.lon, h.lat), h.ts, h.ts + stale_after_s,
        sensor_id=h.sensor_id, kind=h.kind.value, status=sensor_status(h, low_battery),
        battery=h.battery, tamper=h.tamper, fault=h.fault, camera=h.kind == SensorKind.CAMERA,
    )


def alert_time(a: Alert) -> float:
    return a.updated_ts or a.event_ts


def incident_feature(a: Alert, stale_after_s: float, zones: Sequence[str]) -> Feature:
    """An open alert at its newest position, with everything the alert list shows."""
    ts = alert_time(a)
    return _feature(
        Layer.INCIDENT, a.id, point(a.lon, a.lat), ts, ts + stale_after_s,
        alert_id=a.id, incident_id=a.incident_id, state=a.state.value,
        severity=a.severity.value, severity_rank=a.severity.rank, rule=a.rule,
        zone_id=a.zone_id, zone_type=a.zone_type, zone_name=a.zone_name, sector=a.sector,
        cls=a.cls.value, confidence=a.confidence, raised_ts=a.raised_ts, event_ts=a.event_ts,
        revision=a.revision, reason=a.reason, heading_deg=a.heading_deg, speed_mps=a.speed_mps,
        evidence_count=max(a.evidence_count, len(a.evidence)), sensors=a.sensors,
        modalities=list(a.modalities), geofence_version=a.geofence_version,
        policy_version=a.policy_version, zones=sorted(zones),
        ack=a.ack.model_dump() if a.ack else None, device=a.device, fault=a.fault,
    )


def track_feature(a: Alert, positions: Sequence[Position], stale_after_s: float) -> Feature:
    ts = alert_time(a)
    return _feature(
        Layer.TRACK, a.id, {"type": "LineString", "coordinates": [list(p) for p in positions]},
        ts, ts + stale_after_s, alert_id=a.id, severity=a.severity.value,
        heading_deg=a.heading_deg, speed_mps=a.speed_mps,
    )


def crossing_feature(a: Alert, stale_after_s: float) -> Feature | None:
    if a.crossing_lon is None or a.crossing_lat is None:
        return None
    ts = alert_time(a)
    return _feature(
        Layer.CROSSING, a.id, point(a.crossing_lon, a.crossing_lat), ts, ts + stale_after_s,
        alert_id=a.id, crossing_ts=a.crossing_ts,
    )


def camera_position(task: CameraTask) -> Position:
    """Where the camera stands: the cue's target, back along the bearing by the distance."""
    lon, lat, _ = _GEOD.fwd(task.lon, task.lat, (task.bearing_deg + 180.0) % 360.0,
                            task.distance_m)
    return lon, lat


def fov_feature(task: CameraTask) -> Feature:
    """A wedge from the camera through the cued position (a little beyond it)."""
    lon0, lat0 = camera_position(task)
    reach = task.distance_m * 1.25
    half = FOV_DRAWN_DEG / 2
    ring = [(round(lon0, 7), round(lat0, 7))]
    for i in range(9):
        az = task.bearing_deg - half + i * FOV_DRAWN_DEG / 8
        lon, lat, _ = _GEOD.fwd(lon0, lat0, az, reach)
        ring.append((round(lon, 7), round(lat, 7)))
    ring.append(ring[0])
    return _feature(
        Layer.FOV, task.camera_id, {"type": "Polygon", "coordinates": [[list(p) for p in ring]]},
        task.ts, task.expires_ts, camera_id=task.camera_id, incident_id=task.incident_id,
        alert_id=task.alert_id, bearing_deg=task.bearing_deg, distance_m=task.distance_m,
        reason=task.reason, camera_lon=round(lon0, 7), camera_lat=round(lat0, 7),
    )
