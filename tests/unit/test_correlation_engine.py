"""The correlator on hand-built event sequences: every rule, policy and the restart path."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import orjson
import pytest

from geofences.index import GeofenceSet
from stream.correlation import state_codec
from stream.correlation.engine import Correlator, CorrelatorResult
from stream.correlation.evidence import Evidence
from stream.correlation.inventory import Inventory
from stream.correlation.policies import Policies
from stream.correlation.tasking import CameraSite
from stream.models import (
    Alert,
    AlertAckMessage,
    AlertState,
    SensorHealth,
    SensorKind,
    Severity,
    TargetClass,
)
from tests.unit.correlation_builders import (
    CORRIDOR_DX,
    POE_DX,
    T0,
    camera,
    ground,
    health,
    lonlat,
    walk_north,
)

FENCES = GeofenceSet.load_bundled()
PERSON, VEHICLE, ANIMAL, UNKNOWN = (TargetClass.PERSON, TargetClass.VEHICLE,
                                    TargetClass.ANIMAL, TargetClass.UNKNOWN)


def feed(cor: Correlator, evidence: Sequence[Evidence], lag: float = 1.0) -> list[Alert]:
    """Each detection as its own batch, processed ``lag`` seconds after it happened, a
    timer tick once a new alert's ``confirm_s`` has passed, and at the end a heartbeat of
    another sensor a little later (event time moves on: confirmation waits end)."""
    alerts: list[Alert] = []
    hold = cor.policies.lifecycle.confirm_s
    for e in evidence:
        alerts += cor.process([e], now=e.report.ts + lag).alerts
        alerts += cor.tick(e.report.ts + lag + hold).alerts
    if evidence:
        alerts += beat(cor, max(e.report.ts for e in evidence) - T0 + hold + 2)
    return alerts


def test_crossing_on_foot_gives_one_alert_updated_and_escalated_at_the_boundary() -> None:
    cor = Correlator(FENCES)
    alerts = feed(cor, walk_north("s", 0, -100, 600))
    assert {a.id for a in alerts} == {alerts[0].id}
    assert alerts[0].state == AlertState.NEW and alerts[0].revision == 0
    assert [a.revision for a in alerts] == list(range(len(alerts)))
    escalated = [a for a in alerts if a.state == AlertState.ESCALATED]
    assert escalated and escalated[0].reason and "reached-boundary" in escalated[0].reason
    last = alerts[-1]
    assert last.cls == PERSON and last.confidence >= 0.9
    assert last.heading_deg is not None and min(last.heading_deg, 360 - last.heading_deg) < 30
    assert last.speed_mps == pytest.approx(1.3, abs=0.2)
    assert last.sector == "nogales" and last.zone_type == "border_strip"
    assert last.severity == Severity.CRITICAL
    assert last.policy_version == cor.policies.version
    assert last.geofence_version == FENCES.version
    assert last.evidence_count == 15 and last.evidence[0].event_id == "s-0:1"
    assert last.evidence[0].topic == "bw.sensors.ground"
    assert all((a.crossing_lat is None) or (a.heading_deg is not None) for a in alerts)


def test_a_long_approach_predicts_the_crossing_while_still_south() -> None:
    cor = Correlator(FENCES)
    feed(cor, walk_north("s", 0, -400, -150))  # six sensors, all south of the line
    (inc,) = [i for i in cor.incidents.values() if i.kind == "detection"]
    assert inc.track is not None and inc.track.get("crossing_lat") is not None
    assert min(inc.track["heading_deg"], 360 - inc.track["heading_deg"]) < 15


def test_restart_mid_crossing_resumes_the_same_alert() -> None:
    walk = walk_north("s", 0, -100, 600)
    first = Correlator(FENCES)
    before = feed(first, walk[:7])
    saved = orjson.loads(state_codec.dumps(first.state()))  # what a table would hold
    second = Correlator(FENCES)
    second.restore(saved)
    replayed = second.process(walk[:7], now=walk[6].report.ts + 2)  # at-least-once redelivery
    # after the clock passed them, they are correlated together once processing time moves on
    went_on = second.tick(now=walk[6].report.ts + 3)
    assert replayed.alerts == went_on.alerts == []
    assert replayed.duplicates + went_on.duplicates + len(replayed.late) == 7
    after = feed(second, walk[7:])
    assert before and after
    assert {a.id for a in before + after} == {before[0].id}
    assert all(a.state != AlertState.NEW for a in after)
    assert after[0].revision == before[-1].revision + 1


def test_state_changes_rebuild_the_same_state() -> None:
    cor = Correlator(FENCES)
    table: dict[str, object] = {}
    for e in walk_north("s", 0, -100, 300):
        res = cor.process([e], now=e.report.ts + 1)
        table.update(res.changed)
    table.update(cor.tick(T0 + 5000).changed)
    live = {k: v for k, v in table.items() if v is not None}
    assert orjson.loads(state_codec.dumps(live)) == orjson.loads(state_codec.dumps(cor.state()))


def test_wind_single_unknown_hits_never_alert() -> None:
    cor = Correlator(FENCES)
    noise = [ground(f"w-{i}", 1, 10.0 * i, 1000.0 * i, 10, sig=UNKNOWN, strength=1.0)
             for i in range(10)]
    assert feed(cor, noise) == []
    assert len(cor.incidents) == 10


def test_one_person_signature_is_not_enough_but_two_sensors_are() -> None:
    cor = Correlator(FENCES)
    assert feed(cor, [ground("a", 1, 0, 0, 10)]) == []
    alerts = feed(cor, [ground("b", 1, 5, 40, 10)])
    assert len(alerts) == 1 and alerts[0].rule == "confident-detection"


def test_two_modalities_in_the_buffer() -> None:
    cor = Correlator(FENCES)
    alerts = feed(cor, [ground("a", 1, 0, 0, 500, sig=UNKNOWN),
                        ground("b", 1, 4, 30, 500, kind=SensorKind.PIR, sig=UNKNOWN)])
    assert alerts == []  # two kinds, no class: wind is as likely
    alerts = feed(cor, [ground("c", 1, 6, 60, 500, kind=SensorKind.PIR, sig=UNKNOWN)])
    assert len(alerts) == 1
    a = alerts[0]
    assert a.rule == "two-modalities" and a.zone_type == "buffer"
    assert a.cls == UNKNOWN and a.severity == Severity.LOW  # unclassified: low for now
    assert sorted(a.modalities) == ["pir", "seismic"]
    cor2 = Correlator(FENCES)
    only_one_kind = [ground("a", 1, 0, 0, 500), ground("b", 1, 4, 30, 500)]
    assert feed(cor2, only_one_kind) == []  # the buffer needs two kinds or a track


def test_two_kinds_minutes_apart_do_not_corroborate() -> None:
    cor = Correlator(FENCES)
    far_apart = [ground("a", 1, 0, 0, 500, sig=UNKNOWN),
                 ground("b", 1, 200, 30, 500, kind=SensorKind.PIR, sig=UNKNOWN)]
    assert feed(cor, far_apart) == []
    assert cor.incidents and not any(i.corroborated for i in cor.incidents.values())


def test_noisy_signatures_of_one_group_stay_in_one_incident() -> None:
    cor = Correlator(FENCES)
    sigs = [PERSON, ANIMAL, UNKNOWN, PERSON, PERSON]
    hits = [ground(f"g-{i}", 1, 2.0 * i, 25.0 * i, 10, sig=s) for i, s in enumerate(sigs)]
    alerts = feed(cor, hits)
    assert len(cor.incidents) == 1 and {a.id for a in alerts} == {alerts[0].id}


def test_track_alone_alerts_in_the_buffer() -> None:
    cor = Correlator(FENCES)
    alerts = feed(cor, walk_north("b", 0, 600, 800, sig=UNKNOWN))
    assert alerts and alerts[0].rule == "track"
    assert alerts[-1].heading_deg is not None  # sure of it once five sensors fired in order


def test_one_seismic_sensor_saying_vehicle_twice_alerts_where_person_twice_does_not() -> None:
    # a vehicle crossing at one line, heard by one seismic sensor at 0.4: people, animals
    # and wind never give that signature, so the strip needs less confidence (0.3, not 0.5)
    cor = Correlator(FENCES)
    people = [ground("p-1", i + 1, 5.0 * i, 0, 10, strength=0.4) for i in range(2)]
    assert feed(cor, people) == []
    truck = [ground("v-1", i + 1, 100 + 5.0 * i, 3000, 10, strength=0.4, sig=VEHICLE)
             for i in range(2)]
    alerts = feed(cor, truck)
    assert len({a.id for a in alerts}) == 1 and alerts[0].cls == VEHICLE
    assert alerts[0].rule == "confident-detection" and alerts[0].zone_type == "border_strip"


def turning_walker() -> list[Evidence]:
    """Seven and a half minutes east along the strip at 1 m/s (a sensor every 50 m), then
    six minutes north."""
    east = [ground(f"e-{i}", 1, 50.0 * i, 50.0 * i, 10) for i in range(10)]
    north = [ground(f"n-{i}", 1, 500.0 + 50.0 * i, 450.0, 60.0 + 50.0 * i) for i in range(8)]
    return east + north


def heading_after(policies: Policies) -> float | None:
    cor = Correlator(FENCES, policies)
    feed(cor, turning_walker())
    (inc,) = cor.incidents.values()
    return None if inc.track is None else inc.track.get("heading_deg")


def test_a_walker_who_turns_is_tracked_on_the_leg_it_is_on() -> None:
    bundled = Policies.bundled()
    assert bundled.track.recent_s == 360
    north = heading_after(bundled)
    assert north is not None and min(north, 360.0 - north) < 10.0
    # fitted on the whole walk, the turn is no line: the track is lost
    whole = bundled.model_copy(
        update={"track": bundled.track.model_copy(update={"recent_s": None})})
    assert heading_after(whole) is None


def test_wildlife_corridor_alerts_on_people_not_on_herds_or_unclassified_tracks() -> None:
    cor = Correlator(FENCES)
    animals = walk_north("an", 0, 100, 400, dx=CORRIDOR_DX, sig=ANIMAL)
    animals[2] = ground("an-2", 1, animals[2].report.ts - T0, CORRIDOR_DX, 200, sig=PERSON)
    assert feed(cor, animals) == []  # a herd one sensor took for a person
    unclassified = walk_north("un", 1000, 100, 400, dx=CORRIDOR_DX + 1000, sig=UNKNOWN)
    assert feed(cor, unclassified) == []  # a track of sensors that cannot tell what passed
    people = walk_north("pe", 2000, 100, 400, dx=CORRIDOR_DX - 1000, sig=PERSON)
    alerts = feed(cor, people)  # no camera there: the sensors' signatures say person
    assert len({a.id for a in alerts}) == 1 and alerts[0].cls == PERSON
    assert alerts[0].zone_type == "wildlife_corridor"
    assert alerts[0].rule == "confident-detection"


def test_wildlife_corridor_alerts_on_one_strip_sensor_that_keeps_saying_person() -> None:
    # one seismic sensor at the line, four "person" signatures in 15 s (fused 0.62): the
    # corridor's one-sensor crossings the campaign missed at min_confidence 0.7
    cor = Correlator(FENCES)
    herd = [ground("h-1", i, 5.0 * i, CORRIDOR_DX, 10, strength=0.8, sig=s)
            for i, s in enumerate((PERSON, ANIMAL, PERSON, ANIMAL))]
    assert feed(cor, herd) == []  # a herd it half took for people
    walker = [ground("w-1", i, 300 + 5.0 * i, CORRIDOR_DX + 1500, 10, strength=0.8)
              for i in range(4)]
    alerts = feed(cor, walker)
    assert len({a.id for a in alerts}) == 1 and alerts[0].cls == PERSON
    assert alerts[0].zone_type == "wildlife_corridor"
    assert alerts[0].rule == "confident-detection"


def test_wildlife_corridor_camera_confirms_what_ground_sensors_cannot_tell() -> None:
    cor = Correlator(FENCES)
    unclassified = walk_north("un", 0, 100, 400, dx=CORRIDOR_DX, sig=UNKNOWN)
    assert feed(cor, unclassified) == []
    confirm = camera("cam-1", 1, 300 / 1.3 + 5, CORRIDOR_DX, 400, PERSON, 0.9)
    alerts = feed(cor, [confirm])
    assert len(alerts) == 1 and alerts[0].cls == PERSON
    assert alerts[0].zone_type == "wildlife_corridor" and "camera" in alerts[0].modalities


def test_port_of_entry_ignores_its_vehicle_and_pedestrian_traffic_but_not_people_beside_it(
) -> None:
    cor = Correlator(FENCES)
    cars = [ground("m-1", 1, 0, POE_DX, 50, kind=SensorKind.MAGNETIC, sig=VEHICLE),
            ground("s-1", 1, 1, POE_DX, 60, sig=VEHICLE),
            camera("cam-poe", 1, 2, POE_DX, 70, VEHICLE, 0.95)]
    assert feed(cor, cars) == []
    walker = [ground("s-9", 1, 100, POE_DX - 150, 150, sig=PERSON),
              camera("cam-poe", 2, 102, POE_DX - 150, 160, PERSON, 0.9)]
    assert feed(cor, walker) == []  # people at the port are its business
    beside = [ground("s-8", 1, 200, POE_DX - 700, 10, sig=PERSON),
              camera("cam-poe", 3, 202, POE_DX - 700, 12, PERSON, 0.9)]
    alerts = feed(cor, beside)
    assert len(alerts) == 1 and alerts[0].zone_type == "border_strip"
    assert alerts[0].cls == PERSON


def test_camera_seeing_an_animal_clears_the_alert() -> None:
    cor = Correlator(FENCES)
    opened = feed(cor, [ground("a", 1, 0, 0, 10), ground("b", 1, 3, 40, 10)])
    assert len(opened) == 1
    cleared = feed(cor, [camera("cam", 1, 8, 20, 12, ANIMAL, 0.95)])
    assert [a.state for a in cleared] == [AlertState.CLEARED]
    assert cleared[0].reason == "confirmed-animal" and cleared[0].id == opened[0].id
    # the incident is closed: more hits there start a new incident, never reopen the alert
    later = feed(cor, [ground("a", 2, 20, 0, 10)])
    assert all(a.id != opened[0].id for a in later)


def settled(cor: Correlator, now: float, evidence: Sequence[Evidence] = (),
            health_: Sequence[SensorHealth] = (),
            acks: Sequence[AlertAckMessage] = ()) -> CorrelatorResult:
    """One batch at processing time ``now``, then a tick once the stream went idle (the
    clock releases everything it held back)."""
    res = cor.process(evidence, now=now, health=health_, acks=acks)
    later = cor.tick(now + cor.policies.lateness.idle_s)
    res.alerts += later.alerts
    res.changed.update(later.changed)
    res.rate_limited.update(later.rate_limited)
    return res


_beats = itertools.count(1)


def beat(cor: Correlator, t: float) -> list[Alert]:
    """A heartbeat of an unrelated sensor at ``T0 + t``: event time passes up to it."""
    return settled(cor, T0 + t + 1, health_=[health("hb", next(_beats), t, tamper=False)]).alerts


def test_tamper_then_crossing_gives_a_tamper_alert_and_a_crossing_alert() -> None:
    lon, lat = lonlat(0, 10)
    cor = Correlator(FENCES, inventory=Inventory(sites={"s-0": (lon, lat)}))
    res = settled(cor, T0 + 1, health_=[health("s-0", 1, 0, tamper=True)])
    assert len(res.alerts) == 1
    tamper = res.alerts[0]
    assert tamper.rule == "tamper" and tamper.severity == Severity.HIGH
    assert tamper.zone_type == "border_strip" and tamper.sector == "nogales"
    assert (tamper.device, tamper.fault) == ("s-0", None)  # the sensor opened
    again = settled(cor, T0 + 61, health_=[health("s-0", 2, 60, tamper=True)])
    assert all(a.state != AlertState.NEW for a in again.alerts)
    crossing = [a for a in feed(cor, walk_north("x", 100, -100, 300)) if a.id != tamper.id]
    assert crossing and all(a.rule != "tamper" for a in crossing)  # a crossing of its own
    ok = settled(cor, T0 + 500, health_=[health("s-0", 3, 499, tamper=False)])
    assert [(a.id, a.state, a.reason) for a in ok.alerts if a.id == tamper.id] == [
        (tamper.id, AlertState.CLEARED, "tamper-cleared")]


def test_touches_of_a_tampered_sensor_do_not_make_a_nuisance_hit_beside_it_a_crossing(
) -> None:
    """Wind shook sensor a; 25 s later someone handled sensor b 200 m along (two strong
    "person" hits, which joined a's incident) and b's tamper report came a second after:
    a tamper alert and no crossing alert, because the touches leave the incident whose
    alert was still waiting for its confirmation."""
    lon, lat = lonlat(200, 10)
    cor = Correlator(FENCES, inventory=Inventory(sites={"b": (lon, lat)}))
    ev = [ground("a", 1, 0, 0, 10, sig=UNKNOWN, strength=0.4),
          ground("b", 1, 25, 200, 10, strength=0.95),
          ground("b", 2, 25.1, 200, 10, strength=0.95)]
    alerts = settled(cor, T0 + 27, ev, health_=[health("b", 9, 26, tamper=True)]).alerts
    alerts += beat(cor, 60)
    assert [a.rule for a in alerts if a.state == AlertState.NEW] == ["tamper"]
    tamper = next(i for i in cor.incidents.values() if i.alert and i.alert.rule == "tamper")
    assert {e["event_id"] for e in tamper.evidence} >= {"b:1", "b:2"}


def test_a_classless_hit_joins_a_walkers_incident_soon_after_but_not_minutes_later() -> None:
    """A walker's hits at the strip open an alert; an "unknown" hit 140 m along half a
    minute later joins it, one there after three silent minutes (wind on the strip while
    the walker went inland) starts its own incident and leaves the alert where it was."""
    cor = Correlator(FENCES)
    quiet = cor.policies.incident.faint_after_s
    assert quiet is not None and 30 < quiet < 180
    opened = feed(cor, [ground("a", k, 5.0 * k, 0, 10) for k in range(1, 5)])
    inc = cor.incidents[next(a for a in opened if a.state == AlertState.NEW).incident_id]
    feed(cor, [ground("b", 1, 50, 140, 10, sig=UNKNOWN, strength=0.4)])
    assert "b" in inc.sensor_hits
    later = feed(cor, [ground("c", 1, 50 + 180, 240, 10, sig=UNKNOWN, strength=0.4)])
    assert "c" not in inc.sensor_hits and inc.last_ts == T0 + 50
    # a lone hit opens no alert (the helper's heartbeat sensor, silent since, is dead)
    assert all(a.incident_id == inc.id or a.rule == "sensor-fault" for a in later)


def test_a_hit_of_another_class_minutes_later_does_not_join_and_bend_the_walkers_alert(
) -> None:
    """A walker's "person" hits open an alert; three silent minutes later a faint
    "animal" hit 300 m along (an animal on the strip, while the walker went inland) starts
    its own incident instead of moving the alert; a "person" hit as far the other way
    joins it."""
    cor = Correlator(FENCES)
    opened = feed(cor, [ground("a", k, 5.0 * k, 0, 10) for k in range(1, 5)])
    inc = cor.incidents[next(a for a in opened if a.state == AlertState.NEW).incident_id]
    feed(cor, [ground("b", 1, 20 + 180, 300, 10, sig=ANIMAL, strength=0.25)])
    assert "b" not in inc.sensor_hits and inc.last_ts == T0 + 20
    feed(cor, [ground("c", 1, 20 + 190, -300, 10, strength=0.6)])
    assert "c" in inc.sensor_hits


def test_rate_limit_bounds_new_alerts_per_zone_and_folds_the_rest() -> None:
    cor = Correlator(FENCES)
    limit = cor.policies.lifecycle.rate_per_zone_per_minute
    herd = []
    for i in range(20):  # 20 separate pairs of hits, 400 m apart (westwards), within 40 s
        herd += [ground(f"h{i}a", 1, 2.0 * i, -400.0 * i, 10), ground(f"h{i}b", 1, 2.0 * i + 1,
                                                                      -400.0 * i + 30, 10)]
    res = CorrelatorResult()
    for e in herd:
        r = cor.process([e], now=e.report.ts + 1)
        res.alerts += r.alerts
        res.rate_limited.update(r.rate_limited)
    r = settled(cor, T0 + 61, health_=[health("hb", next(_beats), 60, tamper=False)])
    res.alerts += r.alerts
    res.rate_limited.update(r.rate_limited)
    new = [a for a in res.alerts if a.state == AlertState.NEW]
    assert len(new) == limit
    assert res.rate_limited["strip-nog-sas"] == 20 - limit
    flushed = {a.id: a.rate_limited_count for a in r.alerts}  # the newest message of each
    assert sum(flushed.values()) == 20 - limit


def test_ack_is_carried_on_the_next_message_and_stops_unacked_escalation() -> None:
    cor = Correlator(FENCES)
    opened = feed(cor, [ground("a", 1, 0, 0, 500, sig=UNKNOWN),
                        ground("b", 1, 1, 20, 500, kind=SensorKind.PIR, sig=UNKNOWN),
                        ground("c", 1, 2, 40, 500, kind=SensorKind.PIR, sig=UNKNOWN)])
    aid = opened[0].id
    ack = AlertAckMessage(alert_id=aid, by="agent-7", at=T0 + 30, note="en route")
    res = cor.process([], now=T0 + 31, acks=[ack])
    assert len(res.alerts) == 1
    msg = res.alerts[0]
    assert msg.ack is not None and (msg.ack.by, msg.ack.at, msg.ack.note) == (
        "agent-7", T0 + 30, "en route")
    assert msg.reason == "acknowledged" and msg.state == AlertState.UPDATED
    assert beat(cor, 400) == []  # acknowledged: no escalation for silence
    close = AlertAckMessage(alert_id=aid, by="agent-7", at=T0 + 410, action="close")
    closed = cor.process([], now=T0 + 411, acks=[close]).alerts
    assert [(a.state, a.reason) for a in closed] == [(AlertState.CLEARED,
                                                      "closed-by-patrol,acknowledged")]


def test_unacknowledged_alert_escalates_then_times_out_then_is_forgotten() -> None:
    cor = Correlator(FENCES)
    lc = cor.policies.lifecycle
    opened = feed(cor, [ground("a", 1, 0, 0, 500, sig=UNKNOWN),
                        ground("b", 1, 1, 20, 500, kind=SensorKind.PIR, sig=UNKNOWN),
                        ground("c", 1, 2, 40, 500, kind=SensorKind.PIR, sig=UNKNOWN)])
    raised = opened[0].raised_ts - T0  # event time: the rule fired at 2 s, waited confirm_s
    assert raised == 2 + lc.confirm_s
    assert beat(cor, raised + lc.escalate_unacked_s - 2) == []
    esc = beat(cor, raised + lc.escalate_unacked_s)
    assert [(a.state, a.reason) for a in esc] == [(AlertState.ESCALATED, "unacknowledged")]
    gone = beat(cor, 2 + lc.clear_idle_s)
    assert [(a.state, a.reason) for a in gone] == [(AlertState.CLEARED, "timed-out")]
    inc_id = opened[0].incident_id
    res = settled(cor, T0 + 2 + lc.clear_idle_s + cor.policies.incident.retain_s + 2,
                  health_=[health("hb", 9999, 2 + lc.clear_idle_s + cor.policies.incident.retain_s,
                                  tamper=False)])
    assert res.changed[f"inc:{inc_id}"] is None and inc_id not in cor.incidents


def test_late_events_go_to_the_late_topic_and_are_not_correlated() -> None:
    cor = Correlator(FENCES)
    allowed = cor.policies.lateness.allowed_s
    cor.process([ground("a", 1, 1000 + allowed, 0, 500)], now=T0 + 1001 + allowed)
    res = cor.process([ground("b", 1, 900, 5000, 500), ground("c", 1, 990 + allowed, 9000, 500)],
                      now=T0 + 1002 + allowed)
    assert [(e.event_id, e.lateness_s) for e in res.late] == [("b:1", 100.0 + allowed)]
    assert res.backlog == 1  # c: after its moment was correlated, within the lateness
    cor.tick(now=T0 + 1003 + allowed)  # ... once processing time moved on
    assert not any("b:1" in inc.seen for inc in cor.incidents.values())
    assert any("c:1" in inc.seen for inc in cor.incidents.values())


def test_a_gateway_uploading_an_hour_of_stored_reports_raises_nothing() -> None:
    cor = Correlator(FENCES)
    beat(cor, 3600)  # the rest of the stream is at T0 + 1 h
    burst = []
    for i in range(10):  # ten would-be alerts, stored for an hour, delivered at once
        burst += [ground(f"g{i}a", 1, 5.0 * i, 800.0 * i, 10),
                  ground(f"g{i}b", 1, 5.0 * i + 1, 800.0 * i + 30, 10)]
    res = settled(cor, T0 + 3601, burst)
    assert res.alerts == [] and len(res.late) == 20


def test_a_fresh_worker_catching_up_tells_the_story_as_it_happened() -> None:
    """The same reports processed an hour later in one batch raise what they raised live."""
    walk = walk_north("s", 0, -100, 300)
    live = feed(Correlator(FENCES), walk)
    later = settled(Correlator(FENCES), T0 + 3600, walk).alerts
    assert [(a.id, a.state, a.severity, a.revision) for a in later] == [
        (a.id, a.state, a.severity, a.revision) for a in live]


def test_backlog_events_may_still_extend_an_open_alert() -> None:
    cor = Correlator(FENCES)
    opened = feed(cor, [ground("a", 1, 0, 0, 10), ground("b", 1, 3, 40, 10)])
    beat(cor, 50)
    res = settled(cor, T0 + 52, [ground("c", 1, 40, 60, 30)])  # after its moment
    assert res.backlog == 1
    assert [a.id for a in res.alerts] == [opened[0].id]
    assert res.alerts[0].evidence_count == 3


def test_incident_forming_tasks_the_nearest_camera_and_retasks_on_movement() -> None:
    cam_lon, cam_lat = lonlat(300, 1200)
    far_lon, far_lat = lonlat(300, 2600)
    cor = Correlator(FENCES, inventory=Inventory((CameraSite("cam-far", far_lon, far_lat, 5000),
                                                  CameraSite("cam-1", cam_lon, cam_lat, 3000))))
    tasks = []
    for e in walk_north("s", 0, -100, 600):
        tasks += cor.process([e], now=e.report.ts + 1).tasks
    assert tasks[0].camera_id == "cam-1" and tasks[0].reason == "new-incident"
    assert tasks[0].incident_id == next(iter(cor.incidents))
    assert 150 < tasks[0].bearing_deg < 210  # the camera looks south-west to the line
    assert len({t.id for t in tasks}) == len(tasks) > 1
    gaps = [b.ts - a.ts for a, b in itertools.pairwise(tasks)]
    assert min(gaps) >= cor.policies.tasking.retask_s
    assert tasks[-1].reason == "track-update" and tasks[-1].alert_id is not None


def test_a_single_wind_hit_tasks_no_camera() -> None:
    cam_lon, cam_lat = lonlat(0, 500)
    cor = Correlator(FENCES, inventory=Inventory((CameraSite("cam-1", cam_lon, cam_lat, 3000),)))
    res = cor.process([ground("w", 1, 0, 0, 10, sig=UNKNOWN)], now=T0 + 1)
    assert res.tasks == []


def test_heading_is_within_30_degrees_for_a_diagonal_crossing() -> None:
    cor = Correlator(FENCES)
    heading = 30.0
    pts = [(d * math.sin(math.radians(heading)), -60 + d * math.cos(math.radians(heading)))
           for d in range(0, 400, 50)]
    ev = [ground(f"d-{i}", 1, d / 1.3, x, y) for i, ((x, y), d) in
          enumerate(zip(pts, range(0, 400, 50), strict=True))]
    alerts = feed(cor, ev)
    assert alerts[-1].heading_deg == pytest.approx(heading, abs=5.0)
