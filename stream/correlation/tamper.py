"""Tamper incidents: a sensor's tamper switch opens an incident (and an alert) of its own,
at the sensor's known position; a later report with the switch closed clears it. That
sensor's detections around its tamper report are someone handling it, not a crossing."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from stream.correlation.alerting import absorb
from stream.correlation.evidence import Evidence
from stream.correlation.ids import tamper_id
from stream.correlation.incidents import Incident, IncidentKind
from stream.correlation.result import CorrelatorResult
from stream.correlation.store import Store
from stream.correlation.zone_placement import ZonePlacement
from stream.models import GroundDetection, SensorHealth


def tamper_incident(inc_id: str, h: SensorHealth, lon: float, lat: float,
                    placement: ZonePlacement) -> Incident:
    """The incident for a tamper report; ``lon``/``lat`` 0, 0 when the position is unknown
    (its zone is then ``unlocated``)."""
    at = placement.point(lon, lat)
    inc = Incident(id=inc_id, first_event=h.event_id, first_ts=h.ts, last_ts=h.ts,
                   x=at.x, y=at.y, x0=at.x, y0=at.y, lon=lon, lat=lat,
                   kind=IncidentKind.TAMPER)
    inc.zone_id, inc.zone_type, inc.zone_name = at.zone
    inc.sector = at.sector
    inc.mark_seen(h.event_id)
    inc.modalities.append(h.kind.value)
    inc.evidence_count = 1
    return inc


def open_tamper(store: Store, h: SensorHealth) -> Incident | None:
    """Open the tamper incident of a report; None for a replay of one already seen."""
    inc_id = tamper_id(h.event_id)
    if inc_id in store.incidents:
        return None
    lon, lat = store.sites.get(h.sensor_id, (0.0, 0.0))
    inc = tamper_incident(inc_id, h, lon, lat, store.placement)
    store.incidents[inc_id] = inc
    return inc


def tampers(store: Store) -> dict[str, list[Incident]]:
    """Sensor id -> its tamper incidents (open, or closed and still retained)."""
    out: dict[str, list[Incident]] = {}
    for inc in store.incidents.values():
        if inc.kind == IncidentKind.TAMPER:
            out.setdefault(inc.device, []).append(inc)
    return out


def touches(store: Store, evidence: Sequence[Evidence], idx: npt.NDArray[np.intp],
            ts: npt.NDArray[np.float64]) -> npt.NDArray[np.bool_]:
    """Mask over ``idx``: False for a sensor's detections within ``touch_s`` of its
    tamper report (someone handling the sensor, not a crossing): they are evidence of
    the tamper incident instead."""
    keep = np.ones(idx.size, bool)
    by_sensor = tampers(store)
    if not by_sensor:
        return keep
    window = store.policies.incident.touch_s
    for k, i in enumerate(idx.tolist()):
        r = evidence[i].report
        if not isinstance(r, GroundDetection):
            continue
        for inc in by_sensor.get(r.sensor_id, ()):
            if abs(float(ts[i]) - inc.first_ts) <= window:
                keep[k] = False
                if inc.mark_seen(r.event_id):
                    inc.add_ref(evidence[i].ref_dict())
                    store.dirty.add(inc.id)
                break
    return keep


def absorb_touches(store: Store, tamper: Incident, now: float,
                   out: CorrelatorResult) -> set[str]:
    """Detection incidents made only of tampered sensors' hits around their tamper
    reports (which came first): they were the tamper, not a crossing. One that holds
    such hits among others and has no alert yet (its confirmation wait is for this) loses
    them to the tamper incident (:func:`strip`): its alert must not rest on someone
    handling a sensor. The incidents stripped, to evaluate again."""
    window = store.policies.incident.touch_s
    by_sensor = tampers(store)
    stripped: set[str] = set()
    for inc in list(store.incidents.values()):
        if inc.kind != IncidentKind.DETECTION or not inc.open or not inc.sensor_hits:
            continue
        near = {s for s, h in inc.sensor_hits.items()
                if any(abs(t.first_ts - h[1] / h[0]) <= window for t in by_sensor.get(s, ()))}
        if not near:
            continue
        if len(near) == len(inc.sensor_hits) and not set(inc.scores) - set(inc.sensor_hits):
            absorb(store, tamper, inc, "tamper", now, out)
        elif inc.alert is None:
            strip(inc, near, tamper)
            store.dirty.add(inc.id)
            stripped.add(inc.id)
        else:
            continue  # alerted already: its evidence stays
        store.dirty.add(tamper.id)
    return stripped


def strip(inc: Incident, sensors: set[str], tamper: Incident) -> None:
    """Move the hits of ``sensors`` from ``inc`` to the ``tamper`` incident; the rule that
    fired on them is armed again only when it fires on what is left.

    >>> a = Incident(id="i", first_event="s-1:1", first_ts=0.0, last_ts=5.0, x=0.0, y=0.0,
    ...              x0=0.0, y0=0.0, lon=0.0, lat=0.0, sensor_hits={
    ...              "s-1": [1, 0.0, 0.0, 0.0], "s-2": [2, 9.0, 0.0, 0.0]},
    ...              scores={"s-2": [0.9, 0.0, 0.0]}, evidence_count=3, armed_event_ts=5.0,
    ...              evidence=[{"event_id": "s-1:1"}, {"event_id": "s-2:1"},
    ...                        {"event_id": "s-2:2"}])
    >>> t = Incident(id="t", first_event="s-2:9", first_ts=5.0, last_ts=5.0, x=0.0, y=0.0,
    ...              x0=0.0, y0=0.0, lon=0.0, lat=0.0, kind=IncidentKind.TAMPER)
    >>> strip(a, {"s-2"}, t)
    >>> list(a.sensor_hits), a.scores, a.evidence_count, a.armed_event_ts, t.evidence_count
    (['s-1'], {}, 1, None, 2)
    """
    for s in sorted(sensors):
        inc.evidence_count -= int(inc.sensor_hits.pop(s)[0])
        inc.scores.pop(s, None)
    kept: list[dict[str, Any]] = []
    moved: list[dict[str, Any]] = []
    for e in inc.evidence:
        (moved if e["event_id"].rsplit(":", 1)[0] in sensors else kept).append(e)
    inc.evidence = kept
    for e in moved:
        if tamper.mark_seen(e["event_id"]):
            tamper.add_ref(e)
    inc.armed_ts = inc.armed_event_ts = None
