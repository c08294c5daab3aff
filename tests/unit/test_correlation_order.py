"""Batches as a live worker gets them: minutes of reports from several partitions in one
batch, out of time order, and the rest of the story in a later batch."""

from __future__ import annotations

import random

import numpy as np

from geofences.index import GeofenceSet
from stream.alerts.record import AlertRecord, Snapshot
from stream.correlation.engine import Correlator
from stream.correlation.evidence import Evidence
from stream.correlation.incidents import Incident
from stream.correlation.inventory import Inventory
from stream.correlation.merge import merge_into, survivor
from stream.correlation.policies import TrackPolicy
from stream.correlation.tracks import fit_track, fit_track_robust
from stream.models import Alert, AlertState, SensorHealth, TargetClass
from tests.unit.correlation_builders import T0, camera, ground, health, lonlat, walk_north

FENCES = GeofenceSet.load_bundled()
PERSON = TargetClass.PERSON


def crossing() -> list[Evidence]:
    """Sensors every 50 m from 100 m south to 600 m north, and a camera following along."""
    sensors = walk_north("s", 0, -100, 600)
    cams = [camera("cam-1", i, t, 5.0, -100 + 1.3 * t, PERSON, 0.9)
            for i, t in enumerate(range(0, 540, 20))]
    return sensors + cams


def ids(alerts: list[Alert]) -> set[str]:
    return {a.id for a in alerts}


def test_one_shuffled_batch_gives_the_same_single_alert_as_arrival_in_time() -> None:
    ev = crossing()
    in_time = Correlator(FENCES)
    expected: list[Alert] = []
    for e in sorted(ev, key=lambda e: e.report.ts):
        expected += in_time.process([e], now=e.report.ts + 1).alerts
    shuffled = ev[:]
    random.Random(3).shuffle(shuffled)
    burst = Correlator(FENCES)
    got = burst.process(shuffled, now=T0 + 600).alerts  # a worker catching up
    got += burst.tick(T0 + 600 + burst.policies.lateness.idle_s).alerts
    assert len(ids(expected)) == 1 and ids(got) == ids(expected)
    states = [a.state for a in got]
    assert states[0] == AlertState.NEW and AlertState.ESCALATED in states
    assert len(got) > 2, "the story is told in steps of event time, not in one message"


def test_partitions_delivered_one_after_the_other_still_give_one_incident() -> None:
    """Cameras first (their whole walk), then the ground sensors of the same walk."""
    ev = crossing()
    cams = [e for e in ev if e.topic.endswith("camera")]
    sensors = [e for e in ev if not e.topic.endswith("camera")]
    cor = Correlator(FENCES)
    end = T0 + 600  # a worker catching up: one partition's batch, then the other's
    alerts = cor.process(cams, now=end).alerts + cor.process(sensors, now=end + 0.1).alerts
    alerts += cor.tick(end + cor.policies.lateness.idle_s).alerts
    assert len(ids(alerts)) == 1
    assert alerts[-1].heading_deg is not None
    assert min(alerts[-1].heading_deg, 360 - alerts[-1].heading_deg) < 30
    assert len([i for i in cor.incidents.values() if i.open]) == 1


def test_two_incidents_of_one_target_merge_into_the_one_with_the_alert() -> None:
    a = Incident(id="a", first_event="a:1", first_ts=10.0, last_ts=20.0, x=0, y=0, x0=0,
                 y0=0, lon=0, lat=0, sensor_hits={"s-1": [2.0, 30.0, 0.0, 0.0]},
                 evidence_count=2, path=[[10.0, 0.0, 0.0], [20.0, 0.0, 5.0]])
    b = Incident(id="b", first_event="b:1", first_ts=5.0, last_ts=40.0, x=0, y=30, x0=0,
                 y0=-10, lon=1, lat=1, sensor_hits={"s-1": [1.0, 40.0, 0.0, 0.0],
                                                    "s-2": [1.0, 35.0, 0.0, 20.0]},
                 evidence_count=2, path=[[5.0, 0.0, -10.0], [40.0, 0.0, 30.0]],
                 alert=AlertRecord(id="alr-b", rule="track", raised_ts=40.0, sent_ts=40.0,
                                   snap=Snapshot(0, 0, "person", "high", 2)))
    keep, gone = survivor(a, b)
    assert (keep.id, gone.id) == ("b", "a")
    b.alert = None
    assert survivor(a, b)[0].id == "b"  # neither alerted: the older one
    merge_into(keep, gone)
    assert keep.first_ts == 5.0 and keep.last_ts == 40.0 and keep.evidence_count == 4
    assert keep.sensor_hits["s-1"][:2] == [3.0, 70.0]
    assert [p[0] for p in keep.path] == [5.0, 10.0, 20.0, 40.0]


def test_robust_track_ignores_a_nuisance_hit_off_the_line() -> None:
    t = np.arange(0.0, 100.0, 10.0)
    x, y = np.zeros_like(t), 1.3 * t
    pol = TrackPolicy()
    t2, x2, y2 = np.r_[t, 50.0], np.r_[x, 400.0], np.r_[y, 30.0]
    assert fit_track(t2, x2, y2, pol) is None
    tr = fit_track_robust(t2, x2, y2, pol)
    assert tr is not None and min(tr.heading_deg, 360 - tr.heading_deg) < 2
    assert abs(tr.speed_mps - 1.3) < 0.05


def test_a_late_report_meets_the_incident_where_it_was_then() -> None:
    """A report of 60 s ago, 780 m behind the latest position of a fast target, joins it
    (the gate around the latest position is 550 m at most)."""
    cor = Correlator(FENCES)
    first = [ground(f"p-{i}", 1, 10.0 * i, 0.0, 200.0 + 130.0 * i, sig=TargetClass.VEHICLE)
             for i in range(10)]
    cor.process(first, now=T0 + 100)
    late = ground("q-1", 1, 30.0, 20.0, 590.0, sig=TargetClass.VEHICLE)
    cor.process([late], now=T0 + 101)
    assert len([i for i in cor.incidents.values() if i.open]) == 1


def touch_and_tamper() -> tuple[list[Evidence], list[SensorHealth]]:
    """Two strip sensors dug up: each reports strong 'person' hits, then its tamper switch."""
    hits = [ground(s, n, t, dx, 10.0, strength=0.95)
            for s, dx in (("t-1", 0.0), ("t-2", 50.0)) for n, t in ((1, 0.0), (2, 0.5))]
    tampers = [health(s, 1, 1.0, tamper=True) for s in ("t-1", "t-2")]
    return hits, tampers


def test_a_tampered_sensors_own_hits_are_the_tamper_not_a_crossing() -> None:
    hits, tampers = touch_and_tamper()
    sites = {s: lonlat(dx, 10.0) for s, dx in (("t-1", 0.0), ("t-2", 50.0))}
    for order in ("tamper first", "hits first"):
        cor = Correlator(FENCES, inventory=Inventory(sites=sites))
        if order == "tamper first":
            alerts = cor.process([], now=T0 + 1, health=tampers).alerts
            alerts += cor.process(hits, now=T0 + 1.1).alerts
        else:  # the health topic's batch comes a moment later: within confirm_s
            alerts = cor.process(hits, now=T0 + 1).alerts
            alerts += cor.process([], now=T0 + 1.5, health=tampers).alerts
        alerts += cor.tick(T0 + 10).alerts
        assert {a.rule for a in alerts} == {"tamper"}, order
        assert len(ids(alerts)) == 2
        assert sum(i.evidence_count for i in cor.incidents.values() if i.kind == "tamper") >= 4


def test_without_a_tamper_report_the_same_hits_alert_after_confirm_s() -> None:
    hits, _ = touch_and_tamper()
    cor = Correlator(FENCES)
    assert cor.process(hits, now=T0 + 1).alerts == []
    pol = cor.policies
    assert cor.tick(T0 + 1 + pol.lateness.idle_s).alerts == []  # event time: still 1 s
    beat = health("t-9", 1, 1 + pol.lifecycle.confirm_s + 1, tamper=False)  # time moves on
    later = cor.process([], now=T0 + 10, health=[beat]).alerts
    later += cor.tick(T0 + 10 + pol.lateness.idle_s).alerts
    assert [a.rule for a in later] == ["confident-detection"]


def test_a_stream_read_past_the_moment_releases_the_alert_at_once() -> None:
    """A replay: the health topic (heartbeats, no tamper) and the ground topic are already
    read beyond the hits, so event time is past their confirmation wait."""
    hits, _ = touch_and_tamper()
    cor = Correlator(FENCES)
    beats = [health("t-9", 1, 30.0, tamper=False)]
    far = ground("far", 1, 30.0, 9000.0, 500.0, sig=TargetClass.UNKNOWN)
    alerts = cor.process([*hits, far], now=T0 + 1, health=beats).alerts
    assert [a.rule for a in alerts] == ["confident-detection"]


def test_two_groups_a_camera_sees_220_m_apart_stay_two_incidents() -> None:
    """Their sensors' positions would put them in one incident's reach (250 m); the
    camera places each within metres."""
    frames = [camera("cam-1", 2 * i + k, 4.0 * i, dx, -100.0 + 5.2 * i, PERSON, 0.9)
              for i in range(30) for k, dx in enumerate((0.0, 220.0))]
    cor = Correlator(FENCES)
    alerts = []
    for i in range(0, len(frames), 2):
        alerts += cor.process(frames[i:i + 2], now=frames[i].report.ts + 1).alerts
    groups = [i for i in cor.incidents.values() if i.open and i.kind == "detection"]
    assert len(groups) == 2 and len(ids(alerts)) == 2
    assert all(np.ptp(i.path[:, 1]) < 50.0 for i in groups)  # each its own line
    assert abs(groups[0].evidence_count - groups[1].evidence_count) <= 1
