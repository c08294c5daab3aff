"""OASIS Common Alerting Protocol 1.2 XML for partner agencies.

Every alert message becomes one CAP message with a unique ``identifier``
(``<alert id>.<revision>``). The first is ``msgType`` Alert; later ones are Update,
and a cleared alert is a Cancel; each later one ``references`` the first
(``sender,identifier,sent``). The area is a circle around the position.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime

from stream.models import Alert, AlertState, Severity

NS = "urn:oasis:names:tc:emergency:cap:1.2"
SENDER = "borderwatch@example.invalid"
CAP_SEVERITY = {Severity.LOW: "Minor", Severity.MEDIUM: "Moderate", Severity.HIGH: "Severe",
                Severity.CRITICAL: "Extreme"}


def cap_time(ts: float) -> str:
    """CAP's dateTime: seconds, explicit offset, never ``Z`` (``2026-11-29T15:04:05+00:00``)."""
    return datetime.fromtimestamp(int(ts), UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def _certainty(a: Alert) -> str:
    if a.state == AlertState.CLEARED:
        return "Unlikely"
    return "Observed" if a.confidence >= 0.8 else "Likely" if a.confidence >= 0.5 else "Possible"


def _sub(parent: ET.Element, tag: str, text: str) -> ET.Element:
    el = ET.SubElement(parent, f"{{{NS}}}{tag}")
    el.text = text
    return el


def to_cap(alert: Alert, sender: str = SENDER, radius_km: float = 0.5) -> bytes:
    """The CAP 1.2 message for one alert message."""
    ET.register_namespace("", NS)
    root = ET.Element(f"{{{NS}}}alert")
    sent = alert.updated_ts or alert.raised_ts
    _sub(root, "identifier", f"{alert.id}.{alert.revision}")
    _sub(root, "sender", sender)
    _sub(root, "sent", cap_time(sent))
    _sub(root, "status", "Actual")
    msg_type = ("Alert" if alert.revision == 0 else
                "Cancel" if alert.state == AlertState.CLEARED else "Update")
    _sub(root, "msgType", msg_type)
    _sub(root, "scope", "Restricted")
    _sub(root, "restriction", "Border patrol and partner agencies")
    if alert.revision > 0:
        _sub(root, "references", f"{sender},{alert.id}.0,{cap_time(alert.raised_ts)}")
    info = ET.SubElement(root, f"{{{NS}}}info")
    _sub(info, "category", "Security")
    event = {"tamper": "Sensor tamper", "sensor-fault": "Sensor fault"}.get(
        alert.rule, f"Border intrusion ({alert.cls.value})")
    if alert.device:  # which sensor, and what is wrong with it
        event += f" ({alert.fault + ': ' if alert.fault else ''}{alert.device})"
    _sub(info, "event", event)
    _sub(info, "responseType", "AllClear" if alert.state == AlertState.CLEARED else "Monitor")
    _sub(info, "urgency", "Past" if alert.state == AlertState.CLEARED else "Immediate")
    _sub(info, "severity", CAP_SEVERITY[alert.severity])
    _sub(info, "certainty", _certainty(alert))
    _sub(info, "senderName", "BorderWatch")
    _sub(info, "headline", f"{alert.severity.value} {event} in {alert.zone_name or alert.zone_id}")
    _sub(info, "description",
         f"Alert {alert.id} {alert.state.value} (revision {alert.revision}, {alert.reason or ''})"
         f" by rule {alert.rule}; confidence {alert.confidence:.2f};"
         f" {alert.evidence_count or len(alert.evidence)} contributing events.")
    params = {
        "alertId": alert.id, "state": alert.state.value, "sector": alert.sector or "",
        "class": alert.cls.value, "confidence": f"{alert.confidence:.2f}", "rule": alert.rule,
        "policyVersion": alert.policy_version or "", "geofenceVersion": alert.geofence_version,
    }
    if alert.device:
        params["device"] = alert.device
    if alert.fault:
        params["fault"] = alert.fault
    if alert.heading_deg is not None:
        params["headingDeg"] = f"{alert.heading_deg:.1f}"
        params["speedMps"] = f"{alert.speed_mps or 0.0:.2f}"
    for name, value in params.items():
        p = ET.SubElement(info, f"{{{NS}}}parameter")
        _sub(p, "valueName", name)
        _sub(p, "value", value)
    area = ET.SubElement(info, f"{{{NS}}}area")
    _sub(area, "areaDesc", alert.zone_name or alert.zone_id)
    _sub(area, "circle", f"{alert.lat:.6f},{alert.lon:.6f} {radius_km:g}")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
