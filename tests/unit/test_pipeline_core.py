"""The worker's pure core: raw messages in, alerts, dead letters and metrics out."""

from __future__ import annotations

import orjson
from prometheus_client import CollectorRegistry

from geofences.index import GeofenceSet
from stream.batch import BatchResult, RawMessage
from stream.metrics import Metrics
from stream.pipeline import Pipeline
from stream.settings import Settings

TS = 1_800_000_000.0
S = Settings(topic_prefix="bw")


def msg(topic: str, value: bytes, offset: int = 0) -> RawMessage:
    return RawMessage(f"bw.{topic}", 0, offset, b"k", value)


def camera(seq: int, lat: float) -> dict[str, object]:
    return {
        "v": 1,
        "camera_id": "cam-1",
        "seq": seq,
        "ts": TS,
        "lon": -111.0,
        "lat": lat,
        "cls": "person",
        "confidence": 0.95,
    }


def ground(seq: int, lat: float) -> dict[str, object]:
    return {
        "v": 1,
        "sensor_id": "s-1",
        "seq": seq,
        "kind": "pir",
        "ts": TS,
        "lon": -111.0,
        "lat": lat,
    }


def restricted_set(version: str, **props: object) -> dict[str, object]:
    """A geofence set of one restricted zone around (-111.0, 31.40), 7 km behind the line."""
    ring = [
        [-111.01, 31.39],
        [-110.99, 31.39],
        [-110.99, 31.41],
        [-111.01, 31.41],
        [-111.01, 31.39],
    ]
    return {
        "type": "FeatureCollection",
        "borderwatch": {"version": version},
        "features": [
            {
                "type": "Feature",
                "properties": {"zone_type": "restricted", **props},
                "geometry": {"type": "Polygon", "coordinates": [ring]},
            }
        ],
    }


def make() -> tuple[Pipeline, CollectorRegistry]:
    reg = CollectorRegistry()
    return Pipeline(S, GeofenceSet.load_bundled(), Metrics(registry=reg)), reg


def settle(p: Pipeline, messages: list[RawMessage], now: float) -> BatchResult:
    """One batch, then a tick once its partitions went idle: the correlator's clock then
    releases what it held back for reports still to come."""
    out = p.process(messages, now=now)
    later = p.tick(now + p.correlator.policies.lateness.idle_s)
    out.alerts += later.alerts
    out.changed.update(later.changed)
    return out


def test_mixed_batch_counts_reports_dead_letters_and_alerts() -> None:
    p, reg = make()
    batch = {"v": 1, "source": "gw", "reports": [ground(1, 31.33341), ground(2, 31.36)]}
    frame = {"v": 1, "source": "cam-1", "reports": [camera(7, 31.33341)]}
    health = {"v": 1, "sensor_id": "s-1", "seq": 9, "kind": "pir", "ts": TS, "battery": 0.9}
    result = settle(
        p,
        [
            msg("sensors.ground", orjson.dumps(batch), 0),
            msg("sensors.ground", b"garbage", 1),
            msg("sensors.camera", orjson.dumps(frame), 0),
            msg("sensors.health", orjson.dumps(health), 0),
        ],
        now=TS,
    )
    assert result.reports == 4
    (alert,) = result.alerts
    assert alert.state.value == "new" and alert.zone_id == "strip-nog-sas"
    assert "cam-1:7" in {e.event_id for e in alert.evidence}
    assert any(k.startswith("inc:") for k in result.changed)
    assert [d.reason for d in result.dead_letters] == ["not_json"]
    assert [h.sensor_id for h in result.health] == ["s-1"]
    get = reg.get_sample_value
    assert (
        get("borderwatch_events_consumed_total", {"topic": "bw.sensors.ground", "kind": "pir"}) == 2
    )
    assert (
        get("borderwatch_events_consumed_total", {"topic": "bw.sensors.health", "kind": "pir"}) == 1
    )
    assert get("borderwatch_messages_consumed_total", {"topic": "bw.sensors.ground"}) == 2
    # dead letters are counted by the agent once written, not when refused
    assert get("borderwatch_dead_letters_total", {"reason": "not_json"}) is None


def test_switching_fences_changes_the_version_on_alerts_and_the_gauge() -> None:
    p, reg = make()
    doc = restricted_set("v2", id="r1", name="closed area")
    before = settle(p, [msg("sensors.camera", orjson.dumps(camera(1, 31.40)))], now=TS)
    assert before.alerts == []
    p.use_fences(GeofenceSet.from_geojson(doc))
    later = {**camera(2, 31.40), "ts": TS + 1000}
    after = settle(p, [msg("sensors.camera", orjson.dumps(later))], now=TS + 1000)
    assert [(a.zone_id, a.geofence_version) for a in after.alerts] == [("r1", "v2")]
    assert reg.get_sample_value("borderwatch_geofence_set_info", {"version": "v2"}) == 1
    bundled = GeofenceSet.load_bundled().version
    assert reg.get_sample_value("borderwatch_geofence_set_info", {"version": bundled}) is None


def test_unknown_topic_is_counted_but_not_decoded() -> None:
    p, _ = make()
    result = p.process([RawMessage("other", 0, 0, None, b"x")], now=TS)
    assert result.reports == 0 and result.dead_letters == [] and result.alerts == []


def test_naive_rule_alerts_once_per_detection_in_the_strip() -> None:
    p = Pipeline(
        Settings(topic_prefix="bw", rule="naive"),
        GeofenceSet.load_bundled(),
        Metrics(registry=CollectorRegistry()),
    )
    batch = {"v": 1, "source": "gw", "reports": [ground(i, 31.33341) for i in range(5)]}
    result = p.process([msg("sensors.ground", orjson.dumps(batch))], now=TS)
    assert sorted(a.evidence[0].event_id for a in result.alerts) == [f"s-1:{i}" for i in range(5)]
    assert len({a.id for a in result.alerts}) == 5


def test_a_night_only_zone_alerts_at_night_and_not_by_day() -> None:
    night_only = {"from": "19:00", "to": "06:00", "tz": "America/Phoenix"}
    doc = restricted_set("night-1", id="night", name="closed at night", active=night_only)
    night = 1_764_403_200.0  # 2025-11-29 01:00 in Arizona
    day = night + 12 * 3600  # 13:00
    for ts, expected in ((day, []), (night, ["night"])):
        p = Pipeline(S, GeofenceSet.from_geojson(doc), Metrics(registry=CollectorRegistry()))
        frame = {**camera(1, 31.40), "ts": ts}
        result = settle(p, [msg("sensors.camera", orjson.dumps(frame))], now=ts)
        assert [a.zone_id for a in result.alerts] == expected


def test_zone_rate_limit_folds_the_excess_and_counts_it_per_sector() -> None:
    p, reg = make()
    frames = [
        msg("sensors.camera", orjson.dumps({**camera(k, 31.33341), "lon": -111.08 + k * 0.012}), k)
        for k in range(10)  # ten people ~1.1 km apart along the strip, in one minute
    ]
    result = settle(p, frames, now=TS)
    new = [a for a in result.alerts if a.state.value == "new"]
    folded = reg.get_sample_value("borderwatch_alerts_rate_limited_total", {"sector": "nogales"})
    assert len(new) == p.correlator.policies.lifecycle.rate_per_zone_per_minute
    assert folded == 10 - len(new)


def test_a_report_from_the_future_is_dead_lettered_and_moves_no_clock() -> None:
    p, _ = make()
    skew = S.clock_skew_s
    ahead = {**ground(1, 31.33341), "ts": TS + skew + 60}
    ok = {**ground(2, 31.36), "sensor_id": "s-2"}
    batch = {"v": 1, "source": "gw", "reports": [ahead, ok]}
    result = p.process([msg("sensors.ground", orjson.dumps(batch))], now=TS)
    assert [(d.reason, d.index, d.rejected) for d in result.dead_letters] == [("future_ts", 0, 1)]
    assert result.reports == 1
    assert p.correlator.watermark == TS


def test_a_report_from_the_future_after_a_refused_one_is_named_in_the_one_dead_letter(
) -> None:
    p, _ = make()
    ahead = {**ground(3, 31.33341), "ts": TS + S.clock_skew_s + 60}
    ok = {**ground(2, 31.36), "sensor_id": "s-2"}
    broken = {**ground(1, 31.36), "strength": 7.0}
    batch = {"v": 1, "source": "gw", "reports": [broken, ok, ahead, ok | {"seq": 9}]}
    result = p.process([msg("sensors.ground", orjson.dumps(batch))], now=TS)
    assert [(d.reason, d.index, d.rejected) for d in result.dead_letters] == [
        ("out_of_range", 0, 2)]  # one dead letter a message
    assert "; future_ts (report 2): 1 report(s) up to" in result.dead_letters[0].detail
    assert result.reports == 2


def test_a_failed_self_test_shows_in_the_fault_gauge_and_as_a_health_alert() -> None:
    p, reg = make()
    beat = {"v": 1, "sensor_id": "s-7", "seq": 1, "kind": "pir", "ts": TS, "battery": 0.9,
            "fault": True, "lon": -111.0, "lat": 31.33341}
    result = settle(p, [msg("sensors.health", orjson.dumps(beat))], now=TS)
    assert [(a.rule, a.sector, a.severity.value) for a in result.alerts] == [
        ("sensor-fault", "nogales", "low")]
    labels = {"sector": "nogales", "fault": "self-test"}
    assert reg.get_sample_value("borderwatch_sensor_faults", labels) == 1
    ok = {**beat, "seq": 2, "ts": TS + 30, "fault": False}
    result = settle(p, [msg("sensors.health", orjson.dumps(ok))], now=TS + 30)
    assert [a.reason for a in result.alerts] == ["recovered"]
    assert reg.get_sample_value("borderwatch_sensor_faults", labels) == 0
