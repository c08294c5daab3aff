"""Sensor-health, open-incident and lag bookkeeping behind the worker's gauges."""

from __future__ import annotations

from prometheus_client import CollectorRegistry

from geofences.index import GeofenceSet
from stream.agents.health import GaugeSync, init_series
from stream.health import (
    STATUSES,
    OpenIncidents,
    SensorHealthTracker,
    consumer_lag,
    fence_sectors,
    sector_lookup,
)
from stream.metrics import Metrics
from stream.models import Alert, AlertState, SensorHealth, SensorKind, Severity
from stream.settings import Settings

T0 = 1_800_000_000.0
NOGALES = (-111.0, 31.34)  # inside the Nogales station area
SASABE = (-111.40, 31.50)  # inside the Sasabe station area
P0 = ("h", 0)


def hb(sid: str, seq: int, ts: float = T0, *, kind: SensorKind = SensorKind.SEISMIC,
       at: tuple[float, float] | None = NOGALES, **extra: object) -> SensorHealth:
    pos = {"lon": at[0], "lat": at[1]} if at else {}
    return SensorHealth.model_validate(
        {"sensor_id": sid, "seq": seq, "kind": kind, "ts": ts, "battery": 0.9, **pos, **extra}
    )


def tracker(*, offline_after_s: float = 180.0, low_battery: float = 0.2,
            max_sensors: int = 10_000) -> SensorHealthTracker:
    return SensorHealthTracker(
        sector_lookup(GeofenceSet.load_bundled()), offline_after_s=offline_after_s,
        low_battery=low_battery, max_sensors=max_sensors,
    )


def test_sector_lookup_uses_patrol_sectors_of_the_fence_set() -> None:
    fences = GeofenceSet.load_bundled()
    of = sector_lookup(fences)
    assert (of(*NOGALES), of(*SASABE), of(-100.0, 40.0)) == ("nogales", "sasabe", "unknown")
    assert fence_sectors(fences) == ["nogales", "sasabe"]


def test_counts_per_sector_kind_and_status() -> None:
    t = tracker(offline_after_s=180, low_battery=0.2)
    heard = t.update(
        [
            hb("s-1", 1),
            hb("s-2", 1, T0 - 600),  # last heard 10 min ago: offline
            hb("s-3", 1, battery=0.05, tamper=True),
            hb("p-1", 1, kind=SensorKind.PIR, at=SASABE, fault=True),
            hb("x-1", 1, at=None),
        ],
        P0,
    )
    assert heard == {"nogales": 3, "sasabe": 1, "unknown": 1}
    c = t.counts(now=T0 + 30)
    assert c[("nogales", "seismic", "online")] == 2
    assert c[("nogales", "seismic", "offline")] == 1
    assert c[("nogales", "seismic", "low_battery")] == 1
    assert c[("nogales", "seismic", "tampered")] == 1
    assert c[("nogales", "seismic", "fault")] == 0
    assert c[("sasabe", "pir", "fault")] == 1 and c[("sasabe", "pir", "online")] == 1
    assert c[("unknown", "seismic", "online")] == 1
    # every status exists for every (sector, kind): fractions and rules never see gaps
    assert {k[:2] for k in c} == {("nogales", "seismic"), ("sasabe", "pir"), ("unknown", "seismic")}
    assert len(c) == 3 * len(STATUSES)


def test_missed_heartbeats_turn_a_sensor_offline_and_a_new_one_brings_it_back() -> None:
    t = tracker(offline_after_s=180)
    t.update([hb("s-1", 1)], P0)
    assert t.counts(now=T0 + 180)[("nogales", "seismic", "online")] == 1
    assert t.counts(now=T0 + 181)[("nogales", "seismic", "offline")] == 1
    t.update([hb("s-1", 2, T0 + 240)], P0)
    assert t.counts(now=T0 + 250)[("nogales", "seismic", "offline")] == 0


def test_older_heartbeat_does_not_overwrite_newer_state() -> None:
    t = tracker()
    t.update([hb("s-1", 5, T0 + 60, battery=0.9)], P0)
    t.update([hb("s-1", 4, T0, battery=0.01, tamper=True)], P0)
    c = t.counts(now=T0 + 60)
    assert c[("nogales", "seismic", "low_battery")] == 0
    assert c[("nogales", "seismic", "tampered")] == 0


def test_position_is_kept_when_later_heartbeats_omit_it() -> None:
    t = tracker()
    t.update([hb("s-1", 1, at=SASABE)], P0)
    t.update([hb("s-1", 2, T0 + 60, at=None)], P0)
    assert t.counts(now=T0 + 60)[("sasabe", "seismic", "online")] == 1


def test_cardinality_is_bounded_by_sector_kind_status_not_sensor_count() -> None:
    t = tracker()
    t.update([hb(f"s-{i}", 1, kind=SensorKind.PIR if i % 2 else SensorKind.SEISMIC)
              for i in range(2000)], P0)
    c = t.counts(now=T0)
    assert len(c) == 2 * len(STATUSES)
    assert c[("nogales", "pir", "online")] + c[("nogales", "seismic", "online")] == 2000


def test_max_sensors_forgets_the_longest_silent() -> None:
    t = tracker(max_sensors=2)
    t.update([hb("a", 1), hb("b", 1), hb("c", 1)], P0)
    assert len(t) == 2
    t.update([hb("b", 2, T0 + 1), hb("d", 1)], P0)
    assert len(t) == 2 and t.counts(now=T0)[("nogales", "seismic", "online")] == 2


def test_revoked_partitions_are_forgotten() -> None:
    t = tracker()
    t.update([hb("a", 1)], ("h", 0))
    t.update([hb("b", 1)], ("h", 1))
    t.keep_partitions({("h", 1)})
    assert len(t) == 1


def alert(incident: str, state: AlertState, sector: str | None = "nogales",
          severity: Severity = Severity.HIGH) -> Alert:
    return Alert(
        id=f"alr-{incident}", incident_id=incident, state=state, severity=severity,
        rule="r", zone_id="z", zone_type="border_strip", zone_name="Z", sector=sector,
        lon=-111.0, lat=31.33, event_ts=T0, raised_ts=T0, geofence_version="v", evidence=[],
    )


def test_open_incidents_follow_the_latest_alert_state() -> None:
    o = OpenIncidents()
    o.observe(alert("i1", AlertState.NEW), P0)
    o.observe(alert("i2", AlertState.NEW, sector=None, severity=Severity.LOW), P0)
    o.observe(alert("i1", AlertState.ESCALATED, severity=Severity.CRITICAL), P0)
    assert o.counts() == {("nogales", "critical"): 1, ("unknown", "low"): 1}
    o.observe(alert("i1", AlertState.CLEARED), P0)
    o.observe(alert("i9", AlertState.CLEARED), P0)  # never seen open: nothing to do
    assert o.counts() == {("unknown", "low"): 1}
    o.keep_partitions(set())
    assert len(o) == 0


def test_consumer_lag_is_high_watermark_minus_committed() -> None:
    lag = consumer_lag(
        {("t", 0): 100, ("t", 1): 50, ("t", 2): None, ("t", 3): 7},
        {("t", 0): 90, ("t", 1): 50, ("t", 3): None},
    )
    assert lag == {("t", 0): 10, ("t", 1): 0, ("t", 3): 7}


def sample(m: Metrics, name: str, **labels: str) -> float | None:
    return m.registry.get_sample_value(name, labels)


def test_gauge_sync_sets_snapshot_and_removes_series_that_left() -> None:
    m = Metrics(registry=CollectorRegistry())
    g = GaugeSync(m.sensors)
    g.set({("nogales", "pir", "online"): 3, ("sasabe", "pir", "online"): 1})
    g.set({("nogales", "pir", "online"): 2})
    assert sample(m, "borderwatch_sensors", sector="nogales", kind="pir", status="online") == 2
    assert sample(m, "borderwatch_sensors", sector="sasabe", kind="pir", status="online") is None


def test_init_series_exports_zeros_for_bounded_label_sets() -> None:
    m = Metrics(registry=CollectorRegistry())
    s = Settings(topic_prefix="bw")
    init_series(m, s, ["nogales", "sasabe"])
    assert sample(m, "borderwatch_dead_letters_total", reason="not_json") == 0
    assert sample(m, "borderwatch_late_events_total", topic="bw.sensors.ground") == 0
    assert sample(m, "borderwatch_alerts_rate_limited_total", sector="sasabe") == 0
    assert sample(m, "borderwatch_sector_heartbeats_total", sector="nogales") == 0
    assert sample(m, "borderwatch_policy_set_info", version="none") == 1
    # a policy set already in force is left alone
    m2 = Metrics(registry=CollectorRegistry())
    m2.policy_version.labels(version="p-7").set(1)
    init_series(m2, s, [])
    assert sample(m2, "borderwatch_policy_set_info", version="none") is None


def test_every_metric_is_prefixed_and_alerts_carry_a_sector() -> None:
    m = Metrics(registry=CollectorRegistry())
    m.alerts.labels(state="new", severity="high", sector="nogales").inc()
    names = {metric.name for metric in m.registry.collect()}
    assert names and all(n.startswith("borderwatch_") for n in names)
    labels = {"state": "new", "severity": "high", "sector": "nogales"}
    assert sample(m, "borderwatch_alerts_total", **labels) == 1
