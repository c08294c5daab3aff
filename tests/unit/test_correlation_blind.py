"""An alert whose surroundings went dark: when sensors near it stop their heartbeats (a
gateway holding their reports), its silence does not say its target has gone. It stays
open past ``clear_idle_s`` and the group seen again inland keeps it
(:meth:`stream.alerts.record.AlertRecord.blind`)."""

from __future__ import annotations

import itertools

from geofences.index import GeofenceSet
from stream.correlation.engine import Correlator
from stream.correlation.evidence import Evidence
from stream.models import Alert, AlertState, SensorHealth, SensorKind, TargetClass
from tests.unit.correlation_builders import T0, camera, lonlat

FENCES = GeofenceSet.load_bundled()
_seq = itertools.count(1)


SITE = lonlat(-400.0, 200.0)  #: the sensors': 316 m from where the camera sees the group


def beat(sensor: str, t: float) -> SensorHealth:
    lon, lat = SITE
    return SensorHealth(sensor_id=sensor, seq=next(_seq), kind=SensorKind.SEISMIC, ts=T0 + t,
                        battery=0.9, fault=False, lon=lon, lat=lat)


def frames(t0: float, dx: float, dy: float) -> list[Evidence]:
    """A camera sure of people at one spot, a frame every 4 s."""
    return [camera("cam-1", int(t0) + i, t0 + 4.0 * i, dx, dy, TargetClass.PERSON, 0.9)
            for i in range(5)]


def night(held_from: float | None, seen_again: float | None, until: float) -> list[Alert]:
    """Heartbeats every 30 s of two sensors, ``held`` stopping at ``held_from`` (its
    gateway holds them); the group seen in the approach at 100-116 s, and again 600 m on,
    inland, at ``seen_again``."""
    cor = Correlator(FENCES)
    for sensor in ("peer", "held"):
        cor.place_sensor(sensor, *SITE)  # as the pipeline learns it from their heartbeats
    seen = frames(100.0, -300.0, -100.0) + (frames(seen_again, -300.0, 500.0)
                                             if seen_again is not None else [])
    alerts: list[Alert] = []
    for t in range(0, int(until), 30):
        beats = [beat("peer", t)] + ([beat("held", t)] if held_from is None or t < held_from
                                     else [])
        alerts += cor.process([], now=T0 + t + 1, health=beats).alerts
        for e in [e for e in seen if t <= e.report.ts - T0 < t + 30]:
            alerts += cor.process([e], now=e.report.ts + 1).alerts
    return [a for a in alerts if a.rule != "sensor-fault"]


def cleared_at(alerts: list[Alert]) -> float:
    (end,) = [a for a in alerts if a.state == AlertState.CLEARED]
    assert end.reason == "timed-out"
    assert end.updated_ts is not None
    return end.updated_ts - T0


def test_an_alert_clears_as_idle_after_clear_idle_s_when_its_sensors_are_alive() -> None:
    alerts = night(None, None, 1500.0)
    assert 716 <= cleared_at(alerts) <= 716 + 30


def test_an_alert_beside_dead_sensors_waits_as_long_as_their_reports_may_come_late() -> None:
    alerts = night(60.0, None, 1500.0)
    assert 716 + 600 <= cleared_at(alerts) <= 716 + 600 + 30


def test_the_group_seen_again_after_its_sensors_went_dark_keeps_its_alert() -> None:
    """Seen again 624 s after its last frame: longer than a silent alert waits
    (``window_s``), but the sensors between were dead all that time."""
    alerts = night(60.0, 740.0, 900.0)
    assert len({a.id for a in alerts}) == 1
    assert [a.state for a in alerts].count(AlertState.NEW) == 1
    assert AlertState.CLEARED not in {a.state for a in alerts}


def test_without_dead_sensors_the_group_seen_that_late_is_a_new_alert() -> None:
    alerts = night(None, 740.0, 900.0)
    assert len({a.id for a in alerts if a.state == AlertState.NEW}) == 2
