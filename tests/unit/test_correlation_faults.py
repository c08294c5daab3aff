"""Sensor faults: a stuck sensor beside a crossing, a dead one, a failed self-test."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from geofences.index import GeofenceSet
from stream.correlation import state_codec
from stream.correlation.engine import Correlator
from stream.correlation.evidence import Evidence
from stream.correlation.faults import Fault, FaultWatch
from stream.correlation.inventory import Inventory
from stream.correlation.policies import FaultPolicy
from stream.correlation.sensor_faults import repeated
from stream.models import (
    Alert,
    AlertState,
    GroundDetection,
    SensorHealth,
    SensorKind,
    Severity,
    TargetClass,
)
from tests.unit.correlation_builders import T0, ground, lonlat, walk_north

FENCES = GeofenceSet.load_bundled()
_seq = itertools.count(1)


def beat(sensor: str, t: float, fault: bool = False) -> SensorHealth:
    lon, lat = lonlat(-400.0, 200.0)
    return SensorHealth(sensor_id=sensor, seq=next(_seq), kind=SensorKind.SEISMIC, ts=T0 + t,
                        battery=0.9, fault=fault, lon=lon, lat=lat)


def test_chattering_and_clockwork_sensors_are_told_from_targets() -> None:
    w = FaultWatch(FaultPolicy())
    passing = [0.0, 1.5, 2.1, 4.0, 7.2, 7.9, 11.0, 15.5, 16.1, 21.0, 22.4, 30.0]
    assert all(w.hit("walked-past", t) is None for t in passing)
    rapid = [w.hit("chatter", k * 0.7 + (0.3 if k % 2 else 0.0)) for k in range(30)]
    assert Fault.CHATTERING in rapid
    assert [w.hit("stuck", 5.0 * k) for k in range(10)][-1] == Fault.STUCK


def test_a_stuck_sensor_gets_one_health_alert_and_swallows_no_crossing() -> None:
    cor = Correlator(FENCES)
    stuck = [ground("stuck-1", k + 1, 2.0 * k, 400.0, 200.0) for k in range(200)]
    walk = walk_north("w", 60.0, -100.0, 500.0)  # 400 m west of it, a minute later
    alerts: list[Alert] = []
    for e in sorted(stuck + walk, key=lambda e: e.report.ts):
        alerts += cor.process([e], now=e.report.ts + 1).alerts
    alerts += cor.tick(T0 + 400 + 1 + cor.policies.lateness.idle_s + 200).alerts
    by_rule: dict[str, set[str]] = {}
    for a in alerts:
        by_rule.setdefault(a.rule, set()).add(a.id)
    assert len(by_rule.get("sensor-fault", ())) == 1
    (fault_id,) = by_rule["sensor-fault"]
    fault = [a for a in alerts if a.id == fault_id]
    assert fault[0].severity == Severity.LOW and fault[0].sector == "nogales"
    assert (fault[-1].state, fault[-1].reason) == (AlertState.CLEARED, "recovered")
    crossing = {a.id for a in alerts if a.rule != "sensor-fault"}
    assert len(crossing) == 1
    last = [a for a in alerts if a.id in crossing][-1]
    assert not any(e.event_id.startswith("stuck-1:") for e in last.evidence)
    assert cor.open_faults() == {}


def test_a_sensor_that_stops_its_heartbeats_is_dead_until_it_beats_again() -> None:
    cor = Correlator(FENCES)
    alerts: list[Alert] = []
    for t in range(0, 600, 30):  # the other sensors keep event time moving
        beats = [beat("alive", t)] + ([beat("quiet", t)] if t < 120 else [])
        beats += [beat("quiet", 590)] if t == 570 else []
        alerts += cor.process([], now=T0 + t + 1, health=beats).alerts
    alerts += cor.tick(T0 + 600 + cor.policies.lateness.idle_s).alerts
    dead = [a for a in alerts if a.rule == "sensor-fault"]
    assert len({a.id for a in dead}) == 1
    assert dead[0].severity == Severity.MEDIUM and dead[0].state == AlertState.NEW
    assert 90 + 120 <= dead[0].raised_ts - T0 <= 90 + 150  # silent for 120 s, 3 beats
    assert (dead[-1].state, dead[-1].reason) == (AlertState.CLEARED, "recovered")


def test_a_dead_sensor_s_alert_is_named_after_when_it_died_not_when_it_was_seen() -> None:
    def dead_ids(every: int) -> set[str]:  # other sensors' beats move event time this often
        cor = Correlator(FENCES)
        alerts: list[Alert] = []
        for t in sorted(set(range(0, 600, every)) | {0, 30, 60, 90}):  # quiet dies at 90
            beats = [beat("alive", t)] + ([beat("quiet", t)] if t in (0, 30, 60, 90) else [])
            alerts += cor.process([], now=T0 + t + 1, health=beats).alerts
        return {a.id for a in alerts if a.rule == "sensor-fault"}

    assert len(dead_ids(30)) == 1
    assert dead_ids(30) == dead_ids(20) == dead_ids(45)


def test_a_failed_self_test_raises_a_health_alert_cleared_when_it_passes() -> None:
    cor = Correlator(FENCES)
    alerts: list[Alert] = []
    for t, bad in ((0, False), (30, True), (60, True), (90, False), (120, False)):
        alerts += cor.process([], now=T0 + t + 1, health=[beat("s-9", t, fault=bad)]).alerts
    alerts += cor.tick(T0 + 130).alerts
    assert [(a.rule, a.state, a.reason) for a in alerts] == [
        ("sensor-fault", AlertState.NEW, "new"),
        ("sensor-fault", AlertState.CLEARED, "recovered")]


def test_a_slow_clockwork_sensor_is_stuck_though_nine_hits_span_more_than_a_minute() -> None:
    w = FaultWatch(FaultPolicy())
    jitter = [0.3, -0.4, 0.1, 0.5, -0.2, 0.0, 0.4, -0.5, 0.2]
    seen = [w.hit("slow", 8.3 * k + j) for k, j in enumerate(jitter)]
    assert seen[-1] == Fault.STUCK and Fault.STUCK not in seen[:-1]


def test_a_sensor_heard_once_before_it_died_is_dead_by_its_peers_rhythm() -> None:
    cor = Correlator(FENCES)
    alerts: list[Alert] = []
    for t in range(0, 600, 30):
        beats = [beat("alive", t)] + ([beat("once", 10)] if t == 0 else [])
        alerts += cor.process([], now=T0 + t + 1, health=beats).alerts
    dead = [a for a in alerts if a.rule == "sensor-fault"]
    assert len({a.id for a in dead}) == 1
    assert dead[0].severity == Severity.MEDIUM
    assert 10 + 90 <= dead[0].raised_ts - T0 <= 10 + 150  # 3 of its peers' 30 s beats, 120 s


def test_a_sensor_on_the_inventory_never_heard_is_dead_once_its_gateway_was() -> None:
    inventory = {"alive": "gw-1", "never": "gw-1", "late": "gw-1", "elsewhere": "gw-2"}
    cor = Correlator(FENCES, inventory=Inventory(gateways=inventory))
    alerts: list[Alert] = []
    for t in range(0, 600, 30):
        beats = [beat("alive", t)] + ([beat("late", t)] if t >= 60 else [])
        alerts += cor.process([], now=T0 + t + 1, health=beats).alerts
    dead = [a for a in alerts if a.rule == "sensor-fault"]
    assert len({a.id for a in dead}) == 1  # not "late" (heard within its due time) ...
    assert dead[0].severity == Severity.MEDIUM  # ... nor "elsewhere" (its gateway unheard)
    assert 90 + 30 <= dead[0].raised_ts - T0 <= 150 + 30  # 3 of its peers' 30 s beats, 120 s
    assert (dead[0].device, dead[0].fault) == ("never", "dead")  # which sensor, what is wrong
    restored = Correlator(FENCES, inventory=Inventory(gateways=inventory))
    restored.restore(cor.state())
    assert restored.state() == cor.state()  # the expectation is state, one key per sensor


def test_without_the_inventory_a_sensor_never_heard_is_not_judged() -> None:
    cor = Correlator(FENCES)
    for t in range(0, 600, 30):
        out = cor.process([], now=T0 + t + 1, health=[beat("alive", t)])
        assert not out.alerts


def test_a_sensor_chattering_in_bursts_is_told_from_a_target_lingering_by_it() -> None:
    w = FaultWatch(FaultPolicy())
    bursts = [47.0 * b + 2.0 * k + 0.1 * (k % 2) for b in range(13) for k in range(3)]
    seen = [w.hit("chatter", t, lambda: ["quiet-peer"]) for t in bursts]
    assert seen[-1] == Fault.CHATTERING and Fault.CHATTERING not in seen[:29]
    lingering = [20.0 * k + (7.0 * k) % 11 for k in range(30)]  # ten irregular minutes
    for k in range(12):  # ... which set its neighbour off too
        w.hit("neighbour", 50.0 * k + 7.0)
    assert all(w.hit("lingered-by", t, lambda: ["neighbour"]) is None for t in lingering)
    # a sensor with no neighbour known is not judged against peers
    assert all(w.hit("lone", t) is None for t in lingering)


def test_a_correlator_hears_a_sensor_chattering_in_bursts_beside_quiet_peers() -> None:
    cor = Correlator(FENCES)
    for sensor, dx in (("chatter", 400.0), ("peer", 500.0)):
        cor.place_sensor(sensor, *lonlat(dx, 200.0))
    alerts: list[Alert] = []
    seq = itertools.count(1)
    for b in range(16):  # three hits at 2 s every 47 s: a sensor chattering in bursts
        t = 47.0 * b
        hits = [ground("chatter", next(seq), t + 2.0 * k + 0.3 * (k % 2), 400.0, 200.0)
                for k in range(3)]
        alerts += cor.process(hits, now=T0 + t + 7).alerts
    faults = [a for a in alerts if a.rule == "sensor-fault"]
    assert len({a.id for a in faults}) == 1 and faults[0].severity == Severity.LOW
    assert not [a for a in alerts if a.rule != "sensor-fault"]
    assert cor.open_faults() == {("nogales", "chattering"): 1}


def test_a_stuck_sensor_still_reports_a_target_passing_it_unlike_its_repeated_report() -> None:
    cor = Correlator(FENCES)
    stuck = [ground("stuck-2", k + 1, 5.0 * k, 400.0, 200.0, sig=TargetClass.UNKNOWN,
                    strength=1.0) for k in range(120)]
    walk = walk_north("w", 300.0, -100.0, 500.0, dx=420.0)  # passing right by it
    person = [ground("stuck-2", 1000 + k, 529.0 + 4.0 * k, 400.0, 200.0, strength=0.9)
              for k in range(3)]
    alerts: list[Alert] = []
    for e in sorted(stuck + walk + person, key=lambda e: e.report.ts):
        alerts += cor.process([e], now=e.report.ts + 1).alerts
    assert len({a.id for a in alerts if a.rule == "sensor-fault"}) == 1
    crossing = [a for a in alerts if a.rule != "sensor-fault"]
    assert len({a.id for a in crossing}) == 1
    mine = {e.event_id for e in crossing[-1].evidence if e.event_id.startswith("stuck-2:")}
    assert mine == {f"stuck-2:{1000 + k}" for k in range(3)}


def lingering(sensor: str, t0: float, n: int, dx: float, dy: float) -> list[Evidence]:
    """A slow walker by one sensor: a report every 5 s (the sensor re-arms), as regular as
    clockwork, but each unlike the last (strength rises and falls, the signature varies)."""
    sigs = [TargetClass.PERSON] * 5 + [TargetClass.UNKNOWN, TargetClass.PERSON,
                                       TargetClass.ANIMAL]
    return [ground(sensor, k + 1, t0 + 5.0 * k + 0.2 * (k % 3), dx, dy,
                   sig=sigs[k % len(sigs)], strength=round(0.3 + 0.6 * (k % 7) / 6, 3))
            for k in range(n)]


def test_a_target_lingering_by_a_sensor_is_neither_stuck_nor_chattering() -> None:
    w = FaultWatch(FaultPolicy())
    for k in range(40):
        w.hit("neighbour", 60.0 * k)
    said = [(e.report.ts, repeated(e.report)) for e in lingering("s", 0.0, 40, 0.0, 0.0)
            if isinstance(e.report, GroundDetection)]
    assert all(w.hit("s", t, lambda: ["neighbour"], r) is None for t, r in said)
    # the same hits with one report over and over are a faulty sensor's
    seen = [w.hit("same", t, lambda: ["neighbour"], "1/unknown") for t, _ in said]
    assert seen[8] == Fault.STUCK


def test_a_slow_walker_lingering_by_a_strip_sensor_keeps_one_alert() -> None:
    cor = Correlator(FENCES)
    for sensor, dx in (("strip-a", 0.0), ("strip-b", 250.0)):
        cor.place_sensor(sensor, *lonlat(dx, 9.0))
    alerts: list[Alert] = []
    for e in lingering("strip-a", 0.0, 45, 0.0, 9.0):  # nearly four minutes by it
        alerts += cor.process([e], now=e.report.ts + 1).alerts
    alerts += cor.tick(T0 + 240 + cor.policies.lateness.idle_s).alerts
    assert not [a for a in alerts if a.rule == "sensor-fault"]
    assert len({a.id for a in alerts}) == 1 and alerts[0].cls == TargetClass.PERSON
    assert all(a.state != AlertState.CLEARED for a in alerts)


def test_a_walker_standing_by_a_strip_sensor_at_full_strength_is_not_a_stuck_sensor() -> None:
    """Close by, the sensor's strength saturates: its reports are alike, every 5 s, and
    say what it sensed (a stuck sensor's cannot)."""
    cor = Correlator(FENCES)
    for sensor, dx in (("strip-a", 0.0), ("strip-b", 250.0)):
        cor.place_sensor(sensor, *lonlat(dx, 9.0))
    alerts: list[Alert] = []
    for k in range(24):
        e = ground("strip-a", k + 1, 5.0 * k + 0.2 * (k % 3), 0.0, 9.0, strength=1.0)
        alerts += cor.process([e], now=e.report.ts + 1).alerts
    alerts += cor.tick(T0 + 120 + cor.policies.lateness.idle_s).alerts
    assert not [a for a in alerts if a.rule == "sensor-fault"]
    assert len({a.id for a in alerts}) == 1 and alerts[0].cls == TargetClass.PERSON
    assert all(a.state != AlertState.CLEARED for a in alerts)
    # the same reports with no signature are a stuck sensor's
    w = FaultWatch(FaultPolicy())
    said = [repeated(ground("s", k, 5.0 * k, 0.0, 9.0, strength=1.0, sig=TargetClass.UNKNOWN
                            ).report) for k in range(1, 10)]
    assert [w.hit("s", 5.0 * k, report=r) for k, r in enumerate(said)][-1] == Fault.STUCK


def test_the_fault_watch_is_kept_one_key_per_sensor_and_survives_a_restart() -> None:
    """The watch of many sensors never makes one state value grow with them (a value over
    the message limit cannot be written), and a restart resumes it from the changed keys."""
    cor, changed = Correlator(FENCES), {}
    for t in range(0, 300, 30):
        res = cor.process([ground(f"s-{k}", t * 100 + k, t + k / 100, 400.0, 200.0)
                           for k in range(100)], now=T0 + t + 1,
                          health=[beat(f"s-{k}", t) for k in range(100)])
        changed.update(res.changed)
    assert len(state_codec.dumps(changed["meta"])) < 1_000
    assert {k for k in changed if k.startswith("flt:")} == {f"flt:s-{k}" for k in range(100)}
    again = Correlator(FENCES)
    again.restore(changed)
    assert again.store.faults.state() == cor.store.faults.state() != {}
    assert again.state() == cor.state()


def test_a_whole_fault_watch_written_by_an_older_worker_is_read_and_rewritten_as_keys() -> None:
    cor = Correlator(FENCES)
    cor.process([], now=T0 + 1, health=[beat("old", 0.0)])
    legacy = {k: v for k, v in cor.state().items() if not k.startswith("flt:")}
    legacy["meta"] = {**legacy["meta"], "faults": {"beats": {"old": [T0, 0.0]},
                                                   "source": {"old": "h:0"}}}
    again = Correlator(FENCES)
    again.restore(legacy)
    assert again.store.faults.beats == {"old": [T0, 0.0]}
    written = again.process([], now=T0 + 2).changed
    assert written["flt:old"] == {"b": [T0, 0.0], "s": "h:0"} and "faults" not in written["meta"]


def test_meta_without_fault_keys_restores_the_rate_limiter() -> None:
    meta = {**Correlator(FENCES).state()["meta"], "buckets": {"sector-a": [T0, 3.0]}}
    again = Correlator(FENCES)
    again.restore({"meta": meta})
    assert again.store.limiter.buckets == {"sector-a": [T0, 3.0]}


def test_held_reports_of_a_sensor_taken_for_dead_make_one_incident_when_uploaded() -> None:
    cor = Correlator(FENCES)
    for t in range(0, 330, 30):  # its heartbeats stop at 60 s (its gateway holds them)
        beats = [beat("peer", t)] + ([beat("held", t)] if t <= 60 else [])
        cor.process([], now=T0 + t + 1, health=beats)
    # at 330 s the gateway uploads what it held: the sensor's hits of 70-100 s, one a message
    upload = [ground("held", 10 + k, 70.0 + 10.0 * k, 0.0, 9.0, strength=0.4) for k in range(4)]
    for e in upload:
        cor.process([e], now=T0 + 331)
    cor.tick(now=T0 + 332)  # what arrived at 331 s is correlated once processing time moves on
    (inc,) = [i for i in cor.incidents.values()
              if i.kind == "detection" and "held" in i.sensor_hits]
    assert inc.open and inc.evidence_count == 4


def test_a_gateway_uploading_held_heartbeats_one_message_at_a_time_clears_its_dead_alert_once(
) -> None:
    cor = Correlator(FENCES)
    alerts: list[Alert] = []
    for t in range(0, 420, 30):  # the gateway holds the sensor's heartbeats from 90 s on
        beats = [beat("peer", t)] + ([beat("held", t)] if t < 90 else [])
        alerts += cor.process([], now=T0 + t + 1, health=beats).alerts
    assert {a.state for a in alerts if a.rule == "sensor-fault"} == {AlertState.NEW}
    # at 420 s it uploads them, 90-390 s, one message each: old news, correlated at once
    for t in range(90, 420, 30):
        alerts += cor.process([], now=T0 + 421, health=[beat("held", t)]).alerts
    for t in range(420, 600, 30):  # and beats on time again
        alerts += cor.process([], now=T0 + t + 1, health=[beat("peer", t), beat("held", t)]).alerts
    dead = [a for a in alerts if a.rule == "sensor-fault"]
    assert len({a.id for a in dead}) == 1  # not dead and heard by turns through the upload
    assert [(a.state, a.reason) for a in dead] == [
        (AlertState.NEW, "new"), (AlertState.CLEARED, "recovered")]


def test_a_failed_self_test_uploaded_out_of_order_alerts_once_and_clears_on_a_newer_pass(
) -> None:
    cor = Correlator(FENCES)
    alerts: list[Alert] = []
    for t in range(0, 90, 30):
        alerts += cor.process([], now=T0 + t + 1, health=[beat("peer", t), beat("s", t)]).alerts
    # the gateway held 90-390 s (the self-test failing from 180 s) and uploads them out of
    # order, one message each: passes older than a failure must not clear it
    held = [(t, t >= 180) for t in range(90, 420, 30)]
    for t, failed in [held[i] for i in (4, 0, 6, 1, 5, 2, 10, 3, 8, 7, 9)]:
        alerts += cor.process([], now=T0 + 421, health=[beat("s", t, failed)]).alerts
    for t in range(420, 600, 30):  # on time again; the self-test passes from 510 s
        alerts += cor.process([], now=T0 + t + 1,
                              health=[beat("peer", t), beat("s", t, t < 510)]).alerts
    tests = [a for a in alerts if a.rule == "sensor-fault"
             and cor.incidents[a.incident_id].fault == Fault.SELF_TEST]
    assert len({a.id for a in tests}) == 1
    assert [(a.state, a.reason) for a in tests] == [
        (AlertState.NEW, "new"), (AlertState.CLEARED, "recovered")]
    assert tests[-1].updated_ts == T0 + 511


def _judged_in_full(hits: list[tuple[float, str]], pol: FaultPolicy) -> list[Fault | None]:
    """What :meth:`FaultWatch.hit` says of each hit of a sensor with one silent peer, worked
    out from every hit kept, as the rules read (no shortcut): chattering (too many in a
    minute, or bursts of identical reports ``peer_ratio`` times the peer's), else stuck
    (identical reports at a steady rhythm)."""
    out: list[Fault | None] = []
    kept: list[tuple[float, str]] = []
    keep = max(pol.max_hits_per_window, pol.periodic_hits + 1, pol.sustained_hits)
    horizon = max(pol.window_s, pol.periodic_window_s, pol.sustained_window_s)
    for ts, said in hits:
        if ts in [t for t, _ in kept]:
            out.append(None)
            continue
        kept = sorted([*kept, (ts, said)], key=lambda h: h[0])
        while kept and (kept[-1][0] - kept[0][0] > horizon or len(kept) > keep):
            kept.pop(0)
        same = [t for t, s in kept if s == said]
        burst = sum(t >= same[-1] - pol.sustained_window_s for t in same)
        if (sum(t >= kept[-1][0] - pol.window_s for t, _ in kept) >= pol.max_hits_per_window
                or (burst >= pol.sustained_hits and burst >= pol.peer_ratio)):
            out.append(Fault.CHATTERING)
            continue
        same = [t for t in same if t >= same[-1] - pol.periodic_window_s]
        gaps = [b - a for a, b in itertools.pairwise(same[-pol.periodic_hits - 1:])]
        mean = sum(gaps) / max(len(gaps), 1)
        spread = (sum((g - mean) ** 2 for g in gaps) / max(len(gaps), 1)) ** 0.5
        steady = len(same) > pol.periodic_hits and mean > 0 and spread <= pol.periodic_cv * mean
        out.append(Fault.STUCK if steady else None)
    return out


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([0.5, 1.0, 2.0, 2.5, 5.0, 7.0]),
                          st.sampled_from(["0.4/person", "0.4/animal", "1/unknown"])),
                min_size=1, max_size=80),
       st.sampled_from([FaultPolicy(), FaultPolicy(periodic_hits=3, sustained_hits=4,
                                                   max_hits_per_window=6)]))
def test_a_sensors_hits_are_judged_as_the_rules_read_in_full(
        steps: list[tuple[float, str]], pol: FaultPolicy) -> None:
    """The watch's shortcuts (a replay found by bisection, few identical reports ending the
    judgement early) say what the rules say of all the hits kept, replays included."""
    ts = list(itertools.accumulate(g for g, _ in steps))
    hits = [(t, said) for t, (_, said) in zip(ts, steps, strict=True)]
    hits += hits[len(hits) // 2:len(hits) // 2 + 5]  # a replay of a few
    w = FaultWatch(pol)
    judged = [w.hit("s-1", t, lambda: ["quiet"], said) for t, said in hits]
    assert judged == _judged_in_full(hits, pol)
