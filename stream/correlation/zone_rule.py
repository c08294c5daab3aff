"""The first alert rule: a detection inside a restricted zone raises one alert.

Deliberately simple; incidents, tracks and fusion replace it. The id is derived
from the evidence and the zone, so a redelivered event yields the same alert id.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from geofences.index import GeofenceSet
from stream.correlation.evidence import Evidence
from stream.correlation.ids import stable_id
from stream.models import Alert, CameraDetection, Severity, TargetClass

ALERT_ZONE_TYPES = frozenset({"border_strip", "restricted"})
RULE = "zone-entry/v1"


def _class_and_confidence(ev: Evidence) -> tuple[TargetClass, float]:
    r = ev.report
    if isinstance(r, CameraDetection):
        return r.cls, r.confidence
    return r.signature, r.strength


def _severity(cls: TargetClass, confidence: float) -> Severity:
    if cls in (TargetClass.PERSON, TargetClass.VEHICLE) and confidence >= 0.8:
        return Severity.CRITICAL
    if cls == TargetClass.ANIMAL:
        return Severity.LOW
    return Severity.HIGH


class ZoneEntryRule:
    """Raise an alert for every detection whose position lies in a restricted zone."""

    def __init__(self, fences: GeofenceSet) -> None:
        self.fences = fences

    def evaluate(self, evidence: Sequence[Evidence], now: float) -> list[Alert]:
        if not evidence:
            return []
        fences = self.fences  # one set for the whole batch, even if swapped meanwhile
        lon = np.fromiter((e.report.lon for e in evidence), float, len(evidence))
        lat = np.fromiter((e.report.lat for e in evidence), float, len(evidence))
        ts = np.fromiter((e.report.ts for e in evidence), float, len(evidence))
        pts, zones = fences.locate(lon, lat, ts)
        sector: dict[int, str] = {}
        alerting: list[tuple[int, int]] = []
        for p, z in zip(pts.tolist(), zones.tolist(), strict=True):
            zone = fences.zones[z]
            if zone.zone_type == "patrol_sector" and zone.sector:
                sector.setdefault(p, zone.sector)
            elif zone.zone_type in ALERT_ZONE_TYPES:
                alerting.append((p, z))
        alerts = []
        for p, z in alerting:
            ev, zone = evidence[p], fences.zones[z]
            cls, conf = _class_and_confidence(ev)
            incident = stable_id("inc", ev.report.event_id, zone.id)
            alerts.append(
                Alert(
                    id=stable_id("alr", incident),
                    incident_id=incident,
                    severity=_severity(cls, conf),
                    rule=RULE,
                    zone_id=zone.id,
                    zone_type=zone.zone_type,
                    zone_name=zone.name,
                    sector=sector.get(p),
                    cls=cls,
                    confidence=conf,
                    lon=ev.report.lon,
                    lat=ev.report.lat,
                    event_ts=ev.report.ts,
                    raised_ts=now,
                    geofence_version=fences.version,
                    evidence=[ev.ref()],
                )
            )
        return alerts
