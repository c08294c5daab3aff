"""The operating picture: typed pipeline messages in, feature changes out (pure, no I/O).

:meth:`Picture.apply` folds one message into the picture and returns what changed, as
:class:`Change` records (an upsert carries the whole new feature, a removal only its id);
:meth:`Picture.snapshot` is the whole picture as a GeoJSON FeatureCollection. A cleared
alert removes its incident, track, crossing point and the field of view of the camera cued
for it. Times are event times from the messages; nothing here reads the clock.

>>> from stream.models import SensorHealth, SensorKind
>>> p = Picture(PictureConfig())
>>> [c.op for c in p.apply(SensorHealth(sensor_id="s-1", seq=1, kind=SensorKind.PIR,
...     ts=1.8e9, battery=0.9, lon=-111.0, lat=31.4))]
['upsert']
>>> p.counts()["sensor"]
1
"""

from __future__ import annotations

import copy
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Literal

from geofences.store import Published
from stream.map.features import (
    Feature,
    Layer,
    Position,
    crossing_feature,
    feature_id,
    fence_features,
    fov_feature,
    incident_feature,
    sensor_feature,
    track_feature,
)
from stream.models import Alert, AlertState, CameraTask, SensorHealth, ZoneEvent

Item = Alert | ZoneEvent | CameraTask | SensorHealth | Published
MAX_TRACK = 500


@dataclass(frozen=True, slots=True)
class PictureConfig:
    """When features go stale (CoT ``stale``): sensors after missed heartbeats, incidents
    after this long without a new alert message."""

    sensor_stale_s: float = 180.0
    incident_stale_s: float = 600.0
    low_battery: float = 0.2


@dataclass(frozen=True, slots=True)
class Change:
    op: Literal["upsert", "remove"]
    id: str
    feature: Feature | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"op": self.op, "id": self.id}
        if self.feature is not None:
            out["feature"] = self.feature
        return out


@dataclass
class _Incident:
    alert: Alert
    track: list[Position] = field(default_factory=list)
    zones: set[str] = field(default_factory=set)


class Picture:
    """Features by id, plus what is needed to rebuild them (tracks, zones, sensor order)."""

    def __init__(self, config: PictureConfig) -> None:
        self.config = config
        self.features: dict[str, Feature] = {}
        self.geofence_version: str | None = None
        self._incidents: dict[str, _Incident] = {}
        self._zones: dict[str, set[str]] = {}  # zone events of alerts not (yet) seen
        self._sensor_seen: dict[str, tuple[float, int]] = {}
        self._fov_of: dict[str, tuple[str | None, str]] = {}  # camera -> (alert, incident)

    def copy(self) -> Picture:
        return copy.deepcopy(self)

    def snapshot(self) -> dict[str, Any]:
        return {"type": "FeatureCollection", "features": list(self.features.values()),
                "geofence_version": self.geofence_version, "counts": self.counts()}

    def counts(self) -> dict[str, int]:
        """Features per layer (every layer present, zero when empty)."""
        c = Counter(f["properties"]["layer"] for f in self.features.values())
        return {layer.value: c.get(layer.value, 0) for layer in Layer}

    def apply(self, item: Item) -> list[Change]:
        if isinstance(item, Alert):
            return self._alert(item)
        if isinstance(item, ZoneEvent):
            return self._zone_event(item)
        if isinstance(item, CameraTask):
            return self._task(item)
        if isinstance(item, SensorHealth):
            return self._health(item)
        return self._fences(item)

    # --- internals ------------------------------------------------------------------

    def _put(self, feature: Feature | None) -> list[Change]:
        if feature is None:
            return []
        self.features[feature["id"]] = feature
        return [Change("upsert", feature["id"], feature)]

    def _drop(self, fid: str) -> list[Change]:
        return [Change("remove", fid)] if self.features.pop(fid, None) is not None else []

    def _fences(self, published: Published) -> list[Change]:
        if published.version == self.geofence_version:
            return []
        self.geofence_version = published.version
        new = fence_features(published.version, published.doc)
        keep = {f["id"] for f in new}
        gone = [fid for fid, f in self.features.items()
                if f["properties"]["layer"] == Layer.FENCE and fid not in keep]
        changes = [c for fid in gone for c in self._drop(fid)]
        return changes + [c for f in new for c in self._put(f)]

    def _health(self, h: SensorHealth) -> list[Change]:
        if h.lon is None or h.lat is None:
            return []  # a device that does not report its position is not drawn
        seen = self._sensor_seen.get(h.sensor_id)
        if seen is not None and (h.ts, h.seq) <= seen:
            return []  # older or repeated heartbeat
        self._sensor_seen[h.sensor_id] = (h.ts, h.seq)
        return self._put(sensor_feature(h, self.config.sensor_stale_s, self.config.low_battery))

    def _alert(self, a: Alert) -> list[Change]:
        inc = self._incidents.get(a.id)
        if inc is not None and a.revision < inc.alert.revision:
            return []  # a repeat delivered again after a restart
        if a.state == AlertState.CLEARED:
            return self._clear(a)
        if inc is None:
            inc = self._incidents[a.id] = _Incident(a, zones=self._zones.pop(a.id, set()))
        inc.alert = a
        pos = (round(a.lon, 7), round(a.lat, 7))
        if not inc.track or inc.track[-1] != pos:
            inc.track = [*inc.track, pos][-MAX_TRACK:]
        return self._draw(inc)

    def _draw(self, inc: _Incident) -> list[Change]:
        a, stale = inc.alert, self.config.incident_stale_s
        changes = self._put(incident_feature(a, stale, sorted(inc.zones)))
        if len(inc.track) >= 2:
            changes += self._put(track_feature(a, inc.track, stale))
        crossing = crossing_feature(a, stale)
        if crossing is None:
            return changes + self._drop(feature_id(Layer.CROSSING, a.id))
        return changes + self._put(crossing)

    def _clear(self, a: Alert) -> list[Change]:
        self._incidents.pop(a.id, None)
        self._zones.pop(a.id, None)
        changes = [c for layer in (Layer.INCIDENT, Layer.TRACK, Layer.CROSSING)
                   for c in self._drop(feature_id(layer, a.id))]
        cued = [cam for cam, (aid, iid) in self._fov_of.items()
                if aid == a.id or iid == a.incident_id]
        for camera in cued:
            del self._fov_of[camera]
            changes += self._drop(feature_id(Layer.FOV, camera))
        return changes

    def _zone_event(self, e: ZoneEvent) -> list[Change]:
        inc = self._incidents.get(e.alert_id)
        zones = inc.zones if inc is not None else self._zones.setdefault(e.alert_id, set())
        if e.kind == "exit":
            zones.discard(e.zone_id)
        else:
            zones.add(e.zone_id)
        return self._draw(inc) if inc is not None else []

    def _task(self, task: CameraTask) -> list[Change]:
        """Drawn until it expires (``stale``) or the alert it was cued for is cleared; a
        task may arrive before its alert (another topic), so it is not tied to one seen."""
        self._fov_of[task.camera_id] = (task.alert_id, task.incident_id)
        return self._put(fov_feature(task))
