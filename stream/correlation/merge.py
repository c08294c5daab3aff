"""Merging two incidents that turn out to be the same target (e.g. one started from camera
reports, the other from ground sensors delivered later by another partition)."""

from __future__ import annotations

import math

from stream.correlation import fusion
from stream.correlation.incidents import MAX_REFS_HEAD, MAX_REFS_TAIL, Incident
from stream.correlation.policies import IncidentPolicy
from stream.models import Severity


def survivor(a: Incident, b: Incident) -> tuple[Incident, Incident]:
    """(kept, absorbed): the one with an alert, the more severe alert if both have one,
    else the older (first evidence first), so the alert a patrol acts on keeps its id."""
    def rank(i: Incident) -> tuple[bool, int, float, str]:
        snap = i.alert.snap if i.alert else None
        sev = Severity(snap.severity if snap else "low")
        return i.alert is not None, sev.rank, -i.first_ts, i.id
    return (a, b) if rank(a) >= rank(b) else (b, a)


def seen_apart(a: Incident, b: Incident, policy: IncidentPolicy) -> bool:
    """Whether cameras placed the two incidents' targets apart: their last camera
    detections, within ``corroborate_s`` of each other, lie further apart than
    ``camera_radius_m`` plus ``max_speed_mps`` times the time between (a camera places
    what it sees within tens of metres: two targets, however near their sensors).

    >>> a = Incident("a", "e", 0.0, 10.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    >>> b = Incident("b", "f", 0.0, 10.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    >>> a.modality_last["camera"], b.modality_last["camera"] = [10.0, 0.0, 0.0], [12.0, 240.0, 0.0]
    >>> seen_apart(a, b, IncidentPolicy(camera_radius_m=150.0)), seen_apart(a, b, IncidentPolicy())
    (True, False)
    """
    ca, cb = a.modality_last.get("camera"), b.modality_last.get("camera")
    if not ca or not cb or abs(ca[0] - cb[0]) > policy.corroborate_s:
        return False
    reach = policy.camera_radius_m + policy.max_speed_mps * abs(ca[0] - cb[0])
    return math.hypot(ca[1] - cb[1], ca[2] - cb[2]) > reach


def merge_into(keep: Incident, gone: Incident) -> None:
    """Fold everything ``gone`` knows into ``keep``; the caller closes ``gone``."""
    if gone.first_ts < keep.first_ts:
        keep.first_ts, keep.x0, keep.y0 = gone.first_ts, gone.x0, gone.y0
        keep.origin = gone.origin  # where the story began
    if gone.last_ts > keep.last_ts:
        keep.last_ts, keep.x, keep.y = gone.last_ts, gone.x, gone.y
        keep.lon, keep.lat = gone.lon, gone.lat
        if keep.alert is None:  # an alert keeps its sector (hysteresis: .sectors)
            keep.sector = gone.sector or keep.sector
    keep.sector = keep.sector or gone.sector
    if gone.known_ts is not None:
        keep.known_ts = max(gone.known_ts, keep.known_ts or -math.inf)
    if gone.zone_priority > keep.zone_priority:
        keep.zone_priority = gone.zone_priority
        keep.zone_id, keep.zone_type, keep.zone_name = gone.zone_id, gone.zone_type, gone.zone_name
    keep.boundary_reached |= gone.boundary_reached
    keep.backlog &= gone.backlog
    keep.corroborated |= gone.corroborated
    keep.modalities += [m for m in gone.modalities if m not in keep.modalities]
    for kind, last in gone.modality_last.items():
        if kind not in keep.modality_last or last[0] > keep.modality_last[kind][0]:
            keep.modality_last[kind] = last
    for sensor, h in gone.sensor_hits.items():
        mine = keep.sensor_hits.setdefault(sensor, [0.0, 0.0, h[2], h[3]])
        mine[0] += h[0]
        mine[1] += h[1]
    n = len(fusion.CLASSES)
    for sensor, row in gone.scores.items():
        for ci in range(n):
            if row[ci] > 0.0:
                fusion.merge(keep.scores, sensor, ci, row[ci], int(row[n + ci]),
                             row[2 * n + ci] if len(row) >= 3 * n else None)
    for c, conf in gone.camera_conf.items():
        keep.camera_conf[c] = max(keep.camera_conf.get(c, 0.0), conf)
    for kind, counts in gone.signatures.items():
        for ci, times in enumerate(counts):
            fusion.count_signature(keep.signatures, kind, ci, times)
    refs = sorted(keep.evidence + gone.evidence, key=lambda r: r["ts"])
    if len(refs) > MAX_REFS_HEAD + MAX_REFS_TAIL:
        refs = refs[:MAX_REFS_HEAD] + refs[-MAX_REFS_TAIL:]
    keep.evidence = refs
    keep.evidence_count += gone.evidence_count
    keep.seen.update(gone.seen)
    if len(gone.path):
        g = gone.path
        keep.add_path(g[:, 0], g[:, 1], g[:, 2])
    keep.track = None  # refitted from the merged hits
