"""Alert messages for format tests."""

from __future__ import annotations

from typing import Any

from stream.models import Ack, Alert, AlertState, EvidenceRef, Severity, TargetClass

T = 1_800_000_000.0


def sample_alert(**changes: Any) -> Alert:
    base: dict[str, Any] = dict(
        id="alr-0123456789abcdef", incident_id="inc-0123456789abcdef", state=AlertState.NEW,
        severity=Severity.HIGH, rule="track", zone_id="strip-nog-sas", zone_type="border_strip",
        zone_name="Roosevelt Reservation, Nogales to Sasabe", sector="nogales",
        cls=TargetClass.PERSON, confidence=0.87, lon=-111.0001234, lat=31.3335678,
        event_ts=T + 10, raised_ts=T + 11, geofence_version="2026.11.1", policy_version="p-1",
        evidence=[EvidenceRef(event_id="s-1:4", topic="bw.sensors.ground", partition=2,
                              offset=77, ts=T + 9)],
        revision=0, reason="new", evidence_count=4, sensors=3, modalities=["seismic"],
        heading_deg=3.5, speed_mps=1.31, crossing_lon=-111.0001, crossing_lat=31.33334,
        crossing_ts=T + 40, updated_ts=T + 11,
    )
    base.update(changes)
    return Alert(**base)


ACK = Ack(by="agent-7", at=T + 20, note="en route")
