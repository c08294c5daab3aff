"""Alert lifecycle transitions on hand-built assessments, without the correlator."""

from __future__ import annotations

from dataclasses import replace

import pytest

from stream.alerts.lifecycle import (
    Assessment,
    RateLimiter,
    alert_id,
    open_alert,
    severity_for,
    step,
)
from stream.correlation.policies import LifecyclePolicy
from stream.models import Ack, AlertState, Severity, TargetClass

POL = LifecyclePolicy(update_interval_s=10, move_m=50, escalate_unacked_s=300, clear_idle_s=600)
T = 1_800_000_000.0
BASE = Assessment(
    incident_id="inc-1", rule="track", zone_id="buffer-1km", zone_type="buffer",
    zone_name="1 km buffer", sector="nogales", cls=TargetClass.PERSON, confidence=0.7,
    lon=-111.0, lat=31.34, last_ts=T, severity=Severity.MEDIUM,
    evidence=[{"event_id": "s:1", "topic": "t", "partition": 0, "offset": 5, "ts": T}],
    evidence_count=3, sensors=3, modalities=["seismic"], geofence_version="g1",
    policy_version="p1",
)


def test_open_alert_derives_its_id_from_the_incident() -> None:
    rec, msg = open_alert(BASE, T + 1)
    assert msg.id == alert_id("inc-1") == rec.id
    assert msg.state == AlertState.NEW and msg.revision == 0 and msg.reason == "new"
    assert (msg.rule, msg.policy_version, msg.geofence_version) == ("track", "p1", "g1")
    assert msg.evidence[0].offset == 5 and msg.sector == "nogales"
    again, _ = open_alert(BASE, T + 99)
    assert again.id == rec.id  # a replay can only ever name the same alert


def test_more_evidence_updates_at_most_once_per_interval() -> None:
    rec, _ = open_alert(BASE, T)
    more = replace(BASE, evidence_count=4, last_ts=T + 2)
    assert step(rec, more, T + 2, POL) is None  # held back
    msg = step(rec, replace(more, evidence_count=5), T + 10, POL)
    assert msg is not None and msg.state == AlertState.UPDATED and msg.reason == "more-evidence"
    assert msg.evidence_count == 5 and msg.revision == 1
    assert step(rec, replace(more, evidence_count=5), T + 30, POL) is None  # nothing new


def test_position_change_below_threshold_is_not_news() -> None:
    rec, _ = open_alert(BASE, T)
    assert step(rec, replace(BASE, lat=BASE.lat + 0.0002), T + 20, POL) is None  # ~22 m
    msg = step(rec, replace(BASE, lat=BASE.lat + 0.001), T + 21, POL)  # ~111 m
    assert msg is not None and msg.lat == pytest.approx(BASE.lat + 0.001)


def test_new_class_or_severity_is_sent_at_once() -> None:
    rec, _ = open_alert(BASE, T)
    msg = step(rec, replace(BASE, cls=TargetClass.VEHICLE), T + 1, POL)
    assert msg is not None and msg.reason == "class-changed" and msg.cls == TargetClass.VEHICLE
    msg = step(rec, replace(BASE, cls=TargetClass.VEHICLE, severity=Severity.HIGH), T + 2, POL)
    assert msg is not None and msg.reason == "severity-changed"


def test_reaching_the_boundary_escalates_once_and_stays_escalated() -> None:
    rec, _ = open_alert(BASE, T)
    msg = step(rec, replace(BASE, boundary_reached=True), T + 1, POL)
    assert msg is not None and msg.state == AlertState.ESCALATED
    assert msg.reason == "reached-boundary"
    later = step(rec, replace(BASE, boundary_reached=True, evidence_count=9), T + 20, POL)
    assert later is not None and later.state == AlertState.ESCALATED
    assert later.reason == "more-evidence"


def test_unacknowledged_for_n_minutes_escalates() -> None:
    rec, _ = open_alert(BASE, T)
    assert step(rec, BASE, T + 299, POL) is None
    msg = step(rec, BASE, T + 300, POL)
    assert msg is not None and (msg.state, msg.reason) == (AlertState.ESCALATED, "unacknowledged")


def test_ack_is_carried_and_prevents_silence_escalation() -> None:
    rec, _ = open_alert(BASE, T)
    msg = step(rec, BASE, T + 5, POL, ack=Ack(by="agent-7", at=T + 4, note="on it"))
    assert msg is not None and msg.ack == Ack(by="agent-7", at=T + 4, note="on it")
    assert msg.reason == "acknowledged"
    assert step(rec, BASE, T + 400, POL) is None
    later = step(rec, replace(BASE, cls=TargetClass.VEHICLE), T + 401, POL)
    assert later is not None and later.ack is not None and later.ack.by == "agent-7"


@pytest.mark.parametrize(
    ("kwargs", "a_change", "reason"),
    [
        ({"close": "closed-by-patrol"}, {}, "closed-by-patrol"),
        ({}, {"animal_confirmed": True}, "confirmed-animal"),
        ({}, {"last_ts": T - 600}, "timed-out"),
    ],
)
def test_clearing_reasons(kwargs: dict[str, str], a_change: dict[str, object], reason: str) -> None:
    rec, _ = open_alert(BASE, T)
    msg = step(rec, replace(BASE, **a_change), T + 1, POL, **kwargs)  # type: ignore[arg-type]
    assert msg is not None and (msg.state, msg.reason) == (AlertState.CLEARED, reason)
    assert step(rec, replace(BASE, evidence_count=50), T + 100, POL) is None  # cleared is final


def test_severity_from_zone_class_confidence_and_count() -> None:
    P, V, A, U = (TargetClass.PERSON, TargetClass.VEHICLE, TargetClass.ANIMAL,
                  TargetClass.UNKNOWN)
    assert severity_for(Severity.MEDIUM, P, 0.5, 2, False) == Severity.MEDIUM
    assert severity_for(Severity.MEDIUM, P, 0.85, 2, False) == Severity.HIGH
    assert severity_for(Severity.MEDIUM, V, 0.85, 6, False) == Severity.CRITICAL
    assert severity_for(Severity.HIGH, P, 0.9, 2, True) == Severity.CRITICAL  # capped
    assert severity_for(Severity.HIGH, A, 0.99, 9, True) == Severity.LOW
    assert severity_for(Severity.HIGH, U, 0.1, 9, True) == Severity.LOW  # unclassified
    assert severity_for(Severity.HIGH, U, 0.4, 2, False) == Severity.HIGH


def test_rate_limiter_is_a_sliding_minute_per_zone() -> None:
    rl = RateLimiter(3)
    assert [rl.allow("z", T + i) for i in range(5)] == [True, True, True, False, False]
    assert rl.allow("other", T + 5)
    assert not rl.allow("z", T + 59)
    assert rl.allow("z", T + 60)  # the first one left the window
    restored = RateLimiter(3, {k: list(v) for k, v in rl.buckets.items()})
    assert not restored.allow("z", T + 60.5)  # T+1, T+2 and T+60 still in the window
