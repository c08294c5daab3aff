"""A sensor whose clock is off: its gateway sends its heartbeat with the others' in one
message, timed minutes away from theirs. It gets a health alert at the stream's event time
(its own time is wrong), cleared when its clock agrees again: at a heartbeat sent after
the one that was off (not at one sent before it, which the event clock held back and so
handles after it)."""

from __future__ import annotations

import orjson
from prometheus_client import CollectorRegistry

from geofences.index import GeofenceSet
from stream.batch import RawMessage
from stream.metrics import Metrics
from stream.models import Alert, AlertState, SensorHealth, SensorKind
from stream.pipeline import Pipeline
from stream.settings import Settings
from stream.topics import HEALTH
from tests.unit.correlation_builders import T0, lonlat

SETTINGS = Settings()
SENSORS = ["s-1", "s-2", "s-3", "s-4"]


def message(t: float, offset: dict[str, float], n: int) -> RawMessage:
    """One gateway's heartbeats of its sensors at ``t`` (a sensor's clock off by its
    ``offset``)."""
    reports = []
    for k, s in enumerate(SENSORS):
        lon, lat = lonlat(-3000.0 + 40.0 * k, 200.0)
        reports.append(SensorHealth(sensor_id=s, seq=n, kind=SensorKind.SEISMIC,
                                    ts=T0 + t + offset.get(s, 0.0), battery=0.9, lon=lon,
                                    lat=lat).model_dump(mode="json"))
    value = orjson.dumps({"v": 1, "source": "gw-1", "reports": reports})
    return RawMessage(SETTINGS.topic(HEALTH.name), 0, n, b"gw-1", value, T0 + t)


def run(off_from: float, off_to: float, offset: float) -> list[Alert]:
    pipe = Pipeline(SETTINGS, GeofenceSet.load_bundled(), Metrics(CollectorRegistry()))
    alerts: list[Alert] = []
    for n, t in enumerate(range(0, 900, 30)):
        skew = {"s-3": offset} if off_from <= t < off_to else {}
        alerts += pipe.process([message(t, skew, n)], T0 + t).alerts
    return alerts


def test_a_clock_behind_its_gateway_raises_one_health_alert_until_it_agrees_again() -> None:
    alerts = run(120, 480, -68.0)
    assert {a.rule for a in alerts} == {"sensor-fault"}
    assert len({a.id for a in alerts}) == 1
    first, last = alerts[0], alerts[-1]
    assert first.event_ts - T0 == 120  # when its gateway sent it, not the sensor's time
    assert first.raised_ts - T0 <= 120  # the stream's clock when it arrived
    assert first.state == AlertState.NEW
    assert (last.state, last.reason) == (AlertState.CLEARED, "recovered")
    assert last.updated_ts is not None and last.updated_ts - T0 >= 480


def test_a_clock_a_few_seconds_off_is_no_fault() -> None:
    assert run(120, 480, -5.0) == []
