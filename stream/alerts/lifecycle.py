"""The alert lifecycle: one alert per incident, new -> updated -> escalated -> cleared.

Pure functions over the :class:`~.record.AlertRecord` kept inside the incident's state, so
replays and restarts continue the same alert: its id derives from the incident id, which derives
from the incident's first evidence. Every message the functions return is one state
change for the alert topic, keyed by alert id.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from stream.alerts.record import AlertRecord, Snapshot
from stream.correlation.ids import alert_id
from stream.correlation.policies import LifecyclePolicy
from stream.models import Ack, Alert, AlertState, EvidenceRef, Severity, TargetClass

IMMEDIATE = frozenset({"new", "acknowledged", "class-changed", "severity-changed",
                       "sector-changed", "reached-boundary", "unacknowledged"})


@dataclass(frozen=True, slots=True)
class Assessment:
    """What correlation concluded about one incident now; ``rule`` None = not alert-worthy."""

    incident_id: str
    rule: str | None
    zone_id: str
    zone_type: str
    zone_name: str
    sector: str | None
    cls: TargetClass
    confidence: float
    lon: float
    lat: float
    last_ts: float
    severity: Severity
    evidence: list[dict[str, Any]]
    evidence_count: int
    sensors: int
    modalities: list[str]
    geofence_version: str
    policy_version: str
    boundary_reached: bool = False
    animal_confirmed: bool = False
    backlog: bool = False
    track: dict[str, float] | None = None
    crossing: tuple[float, float, float] | None = None
    device: str | None = None  # a health alert's sensor or camera
    fault: str | None = None  # a sensor-fault alert's fault


_ORDER = tuple(Severity)


def severity_for(base: Severity, cls: TargetClass, confidence: float, sensors: int,
                 boundary: bool) -> Severity:
    """Zone's base severity, +1 for a confident person/vehicle, +1 for many sensors or the
    boundary reached. An animal, or an unclassified target (< 0.3), is low until a camera
    or more signatures say what it is; so is any class fused with less confidence than that
    (one faint signature, a blurred camera frame)."""
    if cls == TargetClass.ANIMAL or confidence < 0.3:
        return Severity.LOW
    rank = base.rank
    if cls in (TargetClass.PERSON, TargetClass.VEHICLE) and confidence >= 0.8:
        rank += 1
    if sensors >= 5 or boundary:
        rank += 1
    return _ORDER[max(0, min(rank, len(_ORDER) - 1))]


def _message(rec: AlertRecord, a: Assessment, now: float, reason: str,
             previous_sector: str | None = None) -> Alert:
    cross = a.crossing
    return Alert(
        id=rec.id, incident_id=a.incident_id, state=rec.state,
        severity=a.severity, rule=rec.rule, zone_id=a.zone_id, zone_type=a.zone_type,
        zone_name=a.zone_name, sector=a.sector, cls=a.cls, confidence=a.confidence,
        lon=a.lon, lat=a.lat, event_ts=a.last_ts, raised_ts=rec.raised_ts,
        geofence_version=a.geofence_version, policy_version=a.policy_version,
        evidence=[EvidenceRef(**e) for e in a.evidence], ack=rec.ack,
        revision=rec.revision, reason=reason, evidence_count=a.evidence_count,
        sensors=a.sensors, modalities=a.modalities,
        rate_limited_count=rec.rate_limited_count,
        heading_deg=a.track["heading_deg"] if a.track else None,
        speed_mps=a.track["speed_mps"] if a.track else None,
        crossing_lon=cross[0] if cross else None, crossing_lat=cross[1] if cross else None,
        crossing_ts=cross[2] if cross else None, updated_ts=now,
        previous_sector=previous_sector, device=a.device, fault=a.fault,
    )


def _emit(rec: AlertRecord, a: Assessment, now: float, reasons: list[str]) -> Alert:
    previous = rec.snap.sector if rec.snap and "sector-changed" in reasons else None
    rec.revision += 1
    rec.sent_ts = now
    rec.sent_event_ts = a.last_ts
    rec.pending = False
    rec.snap = Snapshot(lon=a.lon, lat=a.lat, cls=a.cls.value, severity=a.severity.value,
                        count=a.evidence_count, track=a.track, sector=a.sector)
    return _message(rec, a, now, ",".join(reasons), previous)


def open_alert(a: Assessment, now: float) -> tuple[AlertRecord, Alert]:
    """The first message of an incident's alert."""
    rec = AlertRecord(id=alert_id(a.incident_id), rule=a.rule, raised_ts=now, sent_ts=now)
    return rec, _emit(rec, a, now, ["new"])


def step(rec: AlertRecord, a: Assessment, now: float, policy: LifecyclePolicy, *,
         ack: Ack | None = None, close: str | None = None) -> Alert | None:
    """Advance an open alert with the incident's latest assessment; the message, if any.

    ``close`` names why it clears now (e.g. ``closed-by-patrol``, ``tamper-cleared``)."""
    if rec.state == AlertState.CLEARED:
        return None
    cleared = (close if close else
               "confirmed-animal" if a.animal_confirmed else
               "timed-out" if now - a.last_ts >= rec.idle_s(policy.clear_idle_s, a.last_ts)
               else None)
    if ack is not None:
        rec.ack = ack
    if cleared:
        rec.state = AlertState.CLEARED
        return _emit(rec, a, now, [cleared] + (["acknowledged"] if ack else []))
    reasons = ["acknowledged"] if ack else []
    if not rec.escalated:
        why = ("reached-boundary" if a.boundary_reached else
               "unacknowledged" if rec.ack is None
               and now - rec.raised_ts >= policy.escalate_unacked_s else None)
        if why:
            rec.escalated = True
            rec.state = AlertState.ESCALATED
            reasons.append(why)
    snap = rec.snap
    if a.cls.value != (snap.cls if snap else None):
        reasons.append("class-changed")
    if a.severity.value != (snap.severity if snap else None):
        reasons.append("severity-changed")
    if snap is not None and snap.sectored and a.sector != snap.sector:
        reasons.append("sector-changed")  # said once, with the sector it left
    if snap is None or a.evidence_count != snap.count or a.track != snap.track:
        rec.pending = True
    if _moved(snap, a) >= policy.move_m:
        rec.pending = True
    if not IMMEDIATE.intersection(reasons):
        # the interval counts in processing time or in event time, whichever went further:
        # a replay or a catching-up worker tells the story as it happened, not in one burst
        sent_event = rec.sent_event_ts if rec.sent_event_ts is not None else a.last_ts
        elapsed = max(now - rec.sent_ts, a.last_ts - sent_event)
        if not rec.pending or elapsed < policy.update_interval_s:
            return None
        reasons.append("more-evidence")
    if rec.state == AlertState.NEW:
        rec.state = AlertState.UPDATED
    return _emit(rec, a, now, reasons)


def _moved(snap: Snapshot | None, a: Assessment) -> float:
    if snap is None:
        return 0.0
    dlat = (a.lat - snap.lat) * 111_320.0
    dlon = (a.lon - snap.lon) * 111_320.0 * math.cos(math.radians(a.lat))  # a threshold
    return float((dlat * dlat + dlon * dlon) ** 0.5)


class RateLimiter:
    """At most ``per_minute`` new alerts per zone in any 60 s (a sliding window per zone:
    the times of the last few alerts raised there)."""

    def __init__(self, per_minute: int, buckets: dict[str, list[float]] | None = None) -> None:
        self.per_minute = per_minute
        self.buckets: dict[str, list[float]] = buckets if buckets is not None else {}

    def allow(self, zone: str, now: float) -> bool:
        recent = [t for t in self.buckets.get(zone, ()) if now - t < 60.0]
        ok = len(recent) < self.per_minute
        if ok:
            recent.append(now)
        if recent:
            self.buckets[zone] = recent
        else:
            self.buckets.pop(zone, None)
        return ok
