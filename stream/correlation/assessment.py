"""What correlation concludes about an incident now: its fitted track, then class,
severity and the rest of a :class:`~stream.alerts.lifecycle.Assessment`."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from geofences.frame import Frame
from stream.alerts import lifecycle
from stream.correlation.classify import incident_class
from stream.correlation.faults import Fault
from stream.correlation.incidents import Incident, IncidentKind
from stream.correlation.policies import TrackPolicy
from stream.correlation.rules import animal_confirmed
from stream.correlation.store import Store
from stream.correlation.tracks import crossed, fit_track_robust, predicted_crossing
from stream.models import TargetClass

F = npt.NDArray[np.float64]


def assess(store: Store, inc: Incident, rule: str | None,
           fused: tuple[TargetClass, float] | None = None) -> lifecycle.Assessment:
    """The incident as an alert would show it; ``rule`` None: not alert-worthy (now)."""
    pol = store.policies
    fences = store.placement.fences
    if inc.kind == IncidentKind.TAMPER:
        cls, conf, severity = TargetClass.UNKNOWN, 1.0, pol.tamper_severity
    elif inc.kind == IncidentKind.FAULT:
        cls, conf = TargetClass.UNKNOWN, 1.0
        severity = (pol.faults.dead_severity if inc.fault == Fault.DEAD
                    else pol.faults.severity)
    else:
        cls, conf = fused or incident_class(store, inc)
        zp = pol.zone(inc.zone_type or "")
        base = zp.severity if zp else pol.tamper_severity
        severity = lifecycle.severity_for(base, cls, conf, len(inc.sensor_hits) + len(
            [s for s in inc.scores if s not in inc.sensor_hits]), inc.boundary_reached)
    crossing = None
    if inc.track:
        c = inc.track.get("crossing_lon")
        if c is not None:
            crossing = (inc.track["crossing_lon"], inc.track["crossing_lat"],
                        inc.track["crossing_ts"])
    track = ({"heading_deg": inc.track["heading_deg"], "speed_mps": inc.track["speed_mps"]}
             if inc.track and "heading_deg" in inc.track else None)
    return lifecycle.Assessment(
        incident_id=inc.id, rule=rule, zone_id=inc.zone_id or "none",
        zone_type=inc.zone_type or "none", zone_name=inc.zone_name or "",
        sector=inc.sector, cls=cls, confidence=conf, lon=inc.lon, lat=inc.lat,
        last_ts=inc.last_ts, severity=severity, evidence=inc.evidence,
        evidence_count=inc.evidence_count, sensors=len(set(inc.sensor_hits) | set(inc.scores)),
        modalities=list(inc.modalities), geofence_version=fences.version,
        policy_version=pol.version, boundary_reached=inc.boundary_reached,
        animal_confirmed=animal_confirmed(cls, conf, inc.camera_conf, pol),
        backlog=inc.backlog, track=track, crossing=crossing,
        device=inc.device if inc.kind in (IncidentKind.TAMPER, IncidentKind.FAULT) else None,
        fault=inc.fault if inc.kind == IncidentKind.FAULT else None)


def track_points(inc: Incident, need: int) -> tuple[F, F, F]:
    """(time, x, y) to fit: one point per ground sensor (its position, the mean time of
    its hits) and the path (every hit, one per 5 s). When a camera followed the target
    for ``2 * need`` path points (positions that are no sensor's own: estimates of the
    target itself) over half a minute, those alone: a sensor's position is only near it."""
    h = np.array(list(inc.sensor_hits.values()), float).reshape(-1, 4)
    t, x, y = h[:, 1] / h[:, 0], h[:, 2], h[:, 3]
    if not len(inc.path):
        return t, x, y
    p = inc.path_points()
    # a path point at no sensor's place (to the metre) is a camera's estimate
    cam = ~np.isin(np.round(p[:, 1]) + 1j * np.round(p[:, 2]), np.round(x) + 1j * np.round(y))
    if cam.sum() >= 2 * need and np.ptp(p[cam, 0]) >= 30.0:
        return p[cam, 0], p[cam, 1], p[cam, 2]
    return np.r_[t, p[:, 0]], np.r_[x, p[:, 1]], np.r_[y, p[:, 2]]


def update_track(inc: Incident, frame: Frame, policy: TrackPolicy,
                 max_speed: float | None = None) -> None:
    """Refit the incident's track from its sensor hits and path, once there are enough
    (``max_speed``: its class's limit). A poor fit leaves no track; one unsure of its
    heading keeps no heading, speed or predicted crossing (it still shows movement)."""
    need = policy.min_sensors
    if len(inc.sensor_hits) < need and len(inc.path) < 2 * need:
        return  # three sensors, or a camera following it for a while
    t, x, y = track_points(inc, need)
    if policy.recent_s is not None:  # the leg it is on, not one line through a turn
        now = t >= t.max() - policy.recent_s
        t, x, y = t[now], x[now], y[now]
    tr = fit_track_robust(t, x, y, policy, max_speed=max_speed)
    if tr is None:
        inc.track = None
        return
    d: dict[str, float] = {"vx": tr.vx, "vy": tr.vy, "x": tr.x, "y": tr.y, "t": tr.t}
    cross = predicted_crossing(tr, frame) if tr.sure else None
    if tr.sure:
        d["heading_deg"] = round(frame.azimuth_deg(tr.x, tr.y, tr.vx, tr.vy), 1) % 360.0
        d["speed_mps"] = tr.speed_mps
    if cross is not None:
        clon, clat = frame.to_wgs84([cross[0]], [cross[1]])
        d.update(crossing_lon=round(float(clon[0]), 6), crossing_lat=round(float(clat[0]), 6),
                 crossing_ts=round(cross[2], 1))
    inc.track = d
    # the fitted position, not the last report
    if crossed(frame, inc.x0, inc.y0, tr.x, tr.y):
        inc.boundary_reached = True
