"""The map's operating picture: stable ids, removal on clear, stale times, replay."""

from __future__ import annotations

from typing import Any

from geofences.index import GeofenceSet
from geofences.store import Published
from stream.map.features import camera_position, fov_feature
from stream.map.history import History
from stream.map.picture import Picture, PictureConfig
from stream.models import AlertState, CameraTask, SensorHealth, SensorKind, ZoneEvent
from tests.unit.alert_samples import ACK, T, sample_alert

CONFIG = PictureConfig(sensor_stale_s=180.0, incident_stale_s=600.0, low_battery=0.2)


def bundled() -> Published:
    fences = GeofenceSet.load_bundled()
    assert fences.source is not None
    return Published(fences.version, 0.0, fences.source)


def task(**changes: Any) -> CameraTask:
    base: dict[str, Any] = dict(
        id="tsk-1", camera_id="cam-tower-20", incident_id="inc-0123456789abcdef",
        alert_id="alr-0123456789abcdef", lon=-111.0, lat=31.34, bearing_deg=200.0,
        distance_m=1200.0, ts=T + 12, expires_ts=T + 72, reason="new-incident",
    )
    base.update(changes)
    return CameraTask(**base)


def heartbeat(sensor_id: str, ts: float, seq: int = 1, **kw: Any) -> SensorHealth:
    return SensorHealth(sensor_id=sensor_id, seq=seq, kind=SensorKind.SEISMIC, ts=ts,
                        battery=kw.pop("battery", 0.9), lon=-111.0, lat=31.34, **kw)


def test_fences_of_the_set_in_force_one_feature_per_zone() -> None:
    p = Picture(CONFIG)
    changes = p.apply(bundled())
    features = bundled().doc["features"]  # the zones and the boundary line
    assert {c.id for c in changes} == {f"fence:{f['properties']['id']}" for f in features}
    assert p.counts()["fence"] == len(features) > len(GeofenceSet.load_bundled().zones) - 1
    assert p.geofence_version == GeofenceSet.load_bundled().version
    assert p.apply(bundled()) == []  # the same version again changes nothing


def test_a_new_fence_version_removes_zones_it_no_longer_has() -> None:
    p = Picture(CONFIG)
    p.apply(bundled())
    doc = dict(bundled().doc)
    doc["features"] = doc["features"][:3]
    changes = p.apply(Published("v-small", 1.0, doc))
    removed = {c.id for c in changes if c.op == "remove"}
    assert len(removed) == len(bundled().doc["features"]) - 3
    assert p.counts()["fence"] == 3
    assert {f["properties"]["geofence_version"] for f in p.features.values()} == {"v-small"}


def test_incident_keeps_its_id_grows_a_track_and_carries_stale_and_ack() -> None:
    p = Picture(CONFIG)
    first = p.apply(sample_alert())
    assert [c.id for c in first] == ["incident:alr-0123456789abcdef",
                                     "crossing:alr-0123456789abcdef"]
    moved = sample_alert(revision=1, state=AlertState.ESCALATED, lat=31.3340, updated_ts=T + 30,
                         ack=ACK)
    ids = [c.id for c in p.apply(moved)]
    assert ids == ["incident:alr-0123456789abcdef", "track:alr-0123456789abcdef",
                   "crossing:alr-0123456789abcdef"]
    inc = p.features["incident:alr-0123456789abcdef"]["properties"]
    assert inc["state"] == "escalated" and inc["ack"]["by"] == "agent-7"
    assert inc["ts"] == T + 30 and inc["stale"] == T + 30 + 600
    assert inc["evidence_count"] == 4 and inc["policy_version"] == "p-1"
    track = p.features["track:alr-0123456789abcdef"]["geometry"]["coordinates"]
    assert track == [[-111.0001234, 31.3335678], [-111.0001234, 31.334]]


def test_a_repeated_older_revision_changes_nothing() -> None:
    p = Picture(CONFIG)
    p.apply(sample_alert(revision=3, lat=31.34))
    assert p.apply(sample_alert(revision=2, lat=31.30)) == []
    assert p.features["incident:alr-0123456789abcdef"]["geometry"]["coordinates"][1] == 31.34


def test_clearing_removes_incident_track_crossing_and_the_cued_camera() -> None:
    p = Picture(CONFIG)
    p.apply(sample_alert())
    p.apply(sample_alert(revision=1, lat=31.3340))
    p.apply(task())
    assert p.counts() | {"fence": 0, "sensor": 0} == {
        "fence": 0, "sensor": 0, "incident": 1, "track": 1, "crossing": 1, "fov": 1}
    changes = p.apply(sample_alert(revision=2, state=AlertState.CLEARED))
    assert {(c.op, c.id) for c in changes} == {
        ("remove", "incident:alr-0123456789abcdef"), ("remove", "track:alr-0123456789abcdef"),
        ("remove", "crossing:alr-0123456789abcdef"), ("remove", "fov:cam-tower-20")}
    assert sum(p.counts().values()) == 0


def test_zone_events_list_the_zones_an_incident_is_in() -> None:
    p = Picture(CONFIG)

    def zone(kind: str, zone_id: str) -> ZoneEvent:
        return ZoneEvent(kind=kind, alert_id="alr-0123456789abcdef", zone_id=zone_id,  # type: ignore[arg-type]
                         zone_type="buffer", zone_name=zone_id, ts=T + 20, since=T + 20,
                         lon=-111.0, lat=31.34, geofence_version="v")

    assert p.apply(zone("enter", "buffer-1km")) == []  # before its alert: kept for it
    p.apply(sample_alert())
    p.apply(zone("enter", "strip-nog-sas"))
    p.apply(zone("exit", "buffer-1km"))
    assert p.features["incident:alr-0123456789abcdef"]["properties"]["zones"] == ["strip-nog-sas"]


def test_sensor_status_and_stale_time_and_out_of_order_heartbeats() -> None:
    p = Picture(CONFIG)
    p.apply(heartbeat("s-1", T + 100, seq=5, tamper=True))
    assert p.apply(heartbeat("s-1", T + 50, seq=4)) == []
    props = p.features["sensor:s-1"]["properties"]
    assert (props["status"], props["stale"]) == ("tamper", T + 280)
    p.apply(heartbeat("s-1", T + 160, seq=6, battery=0.1))
    assert p.features["sensor:s-1"]["properties"]["status"] == "low_battery"
    no_position = SensorHealth(sensor_id="s-2", seq=1, kind=SensorKind.PIR, ts=T, battery=1.0)
    assert p.apply(no_position) == []


def test_fov_starts_at_the_camera_and_points_along_the_bearing() -> None:
    t = task()
    lon0, lat0 = camera_position(t)
    assert lat0 > t.lat and lon0 > t.lon  # bearing 200°: the camera stands north-north-east
    ring = fov_feature(t)["geometry"]["coordinates"][0]
    assert ring[0] == ring[-1] == [round(lon0, 7), round(lat0, 7)]
    assert fov_feature(t)["properties"]["stale"] == t.expires_ts


def test_history_replays_the_picture_at_a_moment() -> None:
    h = History(CONFIG, window_s=3600)
    h.base.apply(bundled())
    h.add(sample_alert(), now=T + 11)
    h.add(sample_alert(revision=1, lat=31.3340, updated_ts=T + 30), now=T + 30)
    h.add(sample_alert(revision=2, state=AlertState.CLEARED, updated_ts=T + 90), now=T + 90)
    assert h.at(T + 5).counts()["incident"] == 0
    assert h.at(T + 20).counts()["incident"] == 1 and h.at(T + 20).counts()["track"] == 0
    assert h.at(T + 40).counts()["track"] == 1
    assert h.at(T + 100).counts()["incident"] == 0
    assert h.at(T + 100).counts()["fence"] == len(bundled().doc["features"])
    # an hour later the old messages are folded into the base picture
    h.add(heartbeat("s-1", T + 4000), now=T + 4000)
    assert h.start == T + 4000 and h.base.counts()["incident"] == 0
