"""The first alert rule over the bundled geofences, without Kafka."""

from __future__ import annotations

import pytest

from geofences.index import GeofenceSet
from stream.correlation.evidence import Evidence
from stream.correlation.ids import stable_id
from stream.correlation.zone_rule import ZoneEntryRule
from stream.models import CameraDetection, GroundDetection, SensorKind, Severity, TargetClass

TS = 1_800_000_000.0


@pytest.fixture(scope="module")
def rule() -> ZoneEntryRule:
    return ZoneEntryRule(GeofenceSet.load_bundled())


def ev(lon: float, lat: float, seq: int = 1, **kw: object) -> Evidence:
    det = GroundDetection(
        sensor_id="s-1", seq=seq, kind=SensorKind.SEISMIC, ts=TS, lon=lon, lat=lat, **kw
    )  # type: ignore[arg-type]
    return Evidence(det, "ground", 0, seq)


def test_detection_in_border_strip_alerts_with_zone_sector_and_provenance(
    rule: ZoneEntryRule,
) -> None:
    (alert,) = rule.evaluate([ev(-111.0, 31.33341)], now=TS + 1)
    assert alert.zone_id == "strip-nog-sas" and alert.zone_type == "border_strip"
    assert alert.sector == "nogales"
    assert alert.geofence_version == rule.fences.version
    assert alert.evidence[0].event_id == "s-1:1" and alert.evidence[0].offset == 1
    assert alert.raised_ts == TS + 1 and alert.event_ts == TS


def test_sasabe_sector_routes_west_of_the_split(rule: ZoneEntryRule) -> None:
    from geofences.stretches.nogales_sasabe import COLORADO, PARALLEL_LAT, TURN_LON

    lon = -111.3  # on the diagonal stretch: the line's latitude there, plus ~9 m north
    lat = PARALLEL_LAT + (lon - TURN_LON) / (COLORADO[0] - TURN_LON) * (COLORADO[1] - PARALLEL_LAT)
    (alert,) = rule.evaluate([ev(lon, lat + 0.00008)], now=TS)
    assert alert.sector == "sasabe"


@pytest.mark.parametrize(
    ("lon", "lat"),
    [(-111.0, 31.3400), (-111.0, 31.3300), (-112.5, 31.3334), (-110.0, 32.0)],
)
def test_detections_outside_restricted_zones_raise_nothing(
    rule: ZoneEntryRule, lon: float, lat: float
) -> None:
    assert rule.evaluate([ev(lon, lat)], now=TS) == []


def test_alert_id_is_deterministic_and_distinct_per_event(rule: ZoneEntryRule) -> None:
    a = rule.evaluate([ev(-111.0, 31.33341, seq=1)], now=TS)[0]
    b = rule.evaluate([ev(-111.0, 31.33341, seq=1)], now=TS + 50)[0]
    c = rule.evaluate([ev(-111.0, 31.33341, seq=2)], now=TS)[0]
    assert a.id == b.id and a.incident_id == b.incident_id
    assert a.id != c.id
    assert stable_id("x", "a", "b") != stable_id("x", "ab")


def test_severity_follows_class_and_confidence(rule: ZoneEntryRule) -> None:
    cam = CameraDetection(
        camera_id="c-1",
        seq=1,
        ts=TS,
        lon=-111.0,
        lat=31.33341,
        cls=TargetClass.PERSON,
        confidence=0.95,
    )
    animal = ev(-111.0, 31.33341, seq=2, signature=TargetClass.ANIMAL)
    weak = ev(-111.0, 31.33341, seq=3, strength=0.3)
    alerts = rule.evaluate([Evidence(cam, "camera", 0, 0), animal, weak], now=TS)
    assert [a.severity for a in alerts] == [Severity.CRITICAL, Severity.LOW, Severity.HIGH]
    assert alerts[0].cls is TargetClass.PERSON and alerts[0].confidence == 0.95


def test_a_batch_is_judged_in_one_vectorised_pass(rule: ZoneEntryRule) -> None:
    batch = [ev(-111.0, 31.33341 if i % 2 else 31.36, seq=i) for i in range(1000)]
    alerts = rule.evaluate(batch, now=TS)
    assert len(alerts) == 500
    assert {a.evidence[0].event_id for a in alerts} == {f"s-1:{i}" for i in range(1, 1000, 2)}
