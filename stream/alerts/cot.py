"""Cursor-on-Target (CoT) XML for TAK clients (ATAK, WinTAK, iTAK).

One alert = one CoT event whose ``uid`` is ``borderwatch.<alert id>``, so every update
moves the same marker. When an alert clears, :func:`to_cot` gives a delete event
(type ``t-x-d-d`` linking the marker's uid, with ``<__forcedelete/>``) instead.

Types by class (MIL-STD-2525 via CoT): person ``a-s-G-U`` (suspect ground unit),
vehicle ``a-s-G-E-V`` (suspect ground vehicle), unknown ``a-u-G``, animal ``a-n-G``
(neutral); a tamper alert marks our own sensor ``a-f-G-E-S``. ``how`` is ``m-f``
(machine, fused). Unknown height/linear error use CoT's 9999999.0.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime

from stream.models import Alert, AlertState, TargetClass

UID_PREFIX = "borderwatch."
UNKNOWN = "9999999.0"
STALE_S = 600.0
COT_TYPES = {
    TargetClass.PERSON: "a-s-G-U",
    TargetClass.VEHICLE: "a-s-G-E-V",
    TargetClass.UNKNOWN: "a-u-G",
    TargetClass.ANIMAL: "a-n-G",
}
TAMPER_TYPE = "a-f-G-E-S"


def cot_time(ts: float) -> str:
    """CoT's W3C time: ``2026-11-29T15:04:05.250Z``."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def cot_uid(alert: Alert) -> str:
    return UID_PREFIX + alert.id


#: Alerts about our own sensors (a tamper switch, a fault), not about a target.
HEALTH_RULES = frozenset({"tamper", "sensor-fault"})


def cot_type(alert: Alert) -> str:
    return TAMPER_TYPE if alert.rule in HEALTH_RULES else COT_TYPES[alert.cls]


def _event(uid: str, type_: str, ts: float, stale_s: float) -> ET.Element:
    t = cot_time(ts)
    return ET.Element("event", {"version": "2.0", "uid": uid, "type": type_, "how": "m-f",
                                "time": t, "start": t, "stale": cot_time(ts + stale_s)})


def to_cot(alert: Alert, stale_s: float = STALE_S) -> bytes:
    """The CoT event for one alert message (a delete event when it cleared)."""
    ts = alert.updated_ts or alert.raised_ts
    if alert.state == AlertState.CLEARED:
        return cancel_cot(alert, ts)
    ev = _event(cot_uid(alert), cot_type(alert), ts, stale_s)
    ce = "50.0" if alert.heading_deg is not None else "150.0"
    ET.SubElement(ev, "point", {"lat": f"{alert.lat:.7f}", "lon": f"{alert.lon:.7f}",
                                "hae": UNKNOWN, "ce": ce, "le": UNKNOWN})
    detail = ET.SubElement(ev, "detail")
    ET.SubElement(detail, "contact", {"callsign": f"BW {alert.severity.value} {alert.cls.value}"
                                      f" {alert.id[-6:]}"})
    if alert.heading_deg is not None and alert.speed_mps is not None:
        ET.SubElement(detail, "track", {"course": f"{alert.heading_deg:.1f}",
                                        "speed": f"{alert.speed_mps:.2f}"})
    remarks = ET.SubElement(detail, "remarks")
    remarks.text = _remarks(alert)
    return ET.tostring(ev, encoding="utf-8", xml_declaration=True)


def cancel_cot(alert: Alert, ts: float | None = None) -> bytes:
    """Delete the alert's marker on every TAK client."""
    ts = ts if ts is not None else (alert.updated_ts or alert.raised_ts)
    ev = _event(cot_uid(alert) + ".delete", "t-x-d-d", ts, 20.0)
    ET.SubElement(ev, "point", {"lat": f"{alert.lat:.7f}", "lon": f"{alert.lon:.7f}",
                                "hae": UNKNOWN, "ce": UNKNOWN, "le": UNKNOWN})
    detail = ET.SubElement(ev, "detail")
    ET.SubElement(detail, "link", {"uid": cot_uid(alert), "relation": "none",
                                   "type": cot_type(alert)})
    ET.SubElement(detail, "__forcedelete")
    remarks = ET.SubElement(detail, "remarks")
    remarks.text = f"BorderWatch alert {alert.id} cleared: {alert.reason or 'cleared'}"
    return ET.tostring(ev, encoding="utf-8", xml_declaration=True)


def _remarks(a: Alert) -> str:
    parts = [
        f"BorderWatch {a.state.value} alert {a.id} (rev {a.revision})",
        f"{a.severity.value} {a.cls.value} conf {a.confidence:.2f}",
        f"zone {a.zone_name or a.zone_id}" + (f", sector {a.sector}" if a.sector else ""),
        f"rule {a.rule}, {a.evidence_count or len(a.evidence)} events",
    ]
    if a.device:
        parts.append(f"{a.fault or a.rule} {a.device}")
    if a.crossing_lat is not None and a.crossing_lon is not None:
        parts.append(f"predicted crossing {a.crossing_lat:.5f},{a.crossing_lon:.5f}")
    if a.ack:
        parts.append(f"acknowledged by {a.ack.by}")
    return "; ".join(parts)
