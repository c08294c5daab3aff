"""Fold a batch of detections into their incidents, aggregating with numpy per incident
and per (incident, sensor) instead of per report."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from stream.correlation import fusion, state_codec
from stream.correlation.evidence import Evidence
from stream.correlation.incidents import MAX_REFS_HEAD, MAX_REFS_TAIL, Incident
from stream.correlation.policies import IncidentPolicy
from stream.correlation.zone_placement import Placement
from stream.models import TargetClass

F = npt.NDArray[np.float64]
ANIMAL = fusion.CLASSES.index(TargetClass.ANIMAL)  # its class index in a batch


@dataclass(frozen=True, slots=True)
class Batch:
    """The accepted detections of one batch, as parallel arrays and lists."""

    ev: list[Evidence]
    ts: F
    x: F
    y: F
    is_cam: npt.NDArray[np.bool_]
    kinds: list[str]
    values: F
    cls_idx: npt.NDArray[np.intp]
    score: F
    place: Placement


def apply(batch: Batch, incs: list[Incident], codes: npt.NDArray[np.intp],
          sites: dict[str, list[float]], changed: dict[str, Any],
          policy: IncidentPolicy) -> tuple[set[str], int]:
    """Add each detection to ``incs[codes[i]]``; the touched ids and the duplicates skipped."""
    keep = np.ones(codes.size, bool)
    for i, (c, e) in enumerate(zip(codes.tolist(), batch.ev, strict=True)):
        inc = incs[c]
        if not inc.open or not inc.mark_seen(e.report.event_id):
            keep[i] = False
    k = np.flatnonzero(keep)
    if k.size == 0:
        return set(), int(codes.size)
    order = k[np.lexsort((batch.ts[k], codes[k]))]
    touched: set[str] = set()
    for grp in np.split(order, np.flatnonzero(np.diff(codes[order])) + 1):
        inc = incs[int(codes[grp[0]])]
        _apply_incident(inc, grp, batch, policy)
        touched.add(inc.id)
    _apply_sensors(batch, incs, codes, k, sites, changed)
    return touched, int(codes.size - k.size)


def _apply_incident(inc: Incident, grp: npt.NDArray[np.intp], b: Batch,
                    policy: IncidentPolicy) -> None:
    """``grp``: this incident's detections in time order."""
    before = inc.last_ts
    sel = grp if grp.size <= MAX_REFS_HEAD + MAX_REFS_TAIL else np.concatenate(
        [grp[:MAX_REFS_HEAD], grp[-MAX_REFS_TAIL:]])
    for j in sel.tolist():
        inc.add_ref(b.ev[j].ref_dict())
    inc.evidence_count += grp.size - sel.size
    inc.add_path(b.ts[grp], b.x[grp], b.y[grp])
    ground = grp[~b.is_cam[grp]].tolist()
    for (kind, sig), n in Counter(zip([b.kinds[j] for j in ground],
                                      b.cls_idx[ground].tolist(), strict=True)).items():
        fusion.count_signature(inc.signatures, kind, sig, n)
    for kind in dict.fromkeys(b.kinds[j] for j in grp.tolist()):
        if kind not in inc.modalities:
            inc.modalities.append(kind)
    # a hit naming an animal corroborates no intruder: a herd shakes the fence and the
    # seismic sensor beside it at once
    for kind, j in {b.kinds[j]: j for j in grp.tolist() if b.cls_idx[j] != ANIMAL}.items():
        inc.modality_last[kind] = [float(b.ts[j]), float(b.x[j]), float(b.y[j])]
    if not inc.corroborated and len(inc.modality_last) > 1:
        inc.corroborated = corroborated(inc.modality_last, policy)
    last = int(grp[-1])
    if b.ts[last] >= inc.last_ts:
        r = b.ev[last].report
        inc.last_ts, inc.x, inc.y = float(b.ts[last]), float(b.x[last]), float(b.y[last])
        inc.lon, inc.lat = r.lon, r.lat
    inc.first_ts = min(inc.first_ts, float(b.ts[grp[0]]))
    told = b.ts[grp][b.cls_idx[grp] >= 0]
    if told.size:
        inc.known_ts = max(float(told.max()), inc.known_ts or -np.inf)
    _follow_sector(inc, grp, b, before)
    if (b.place.boundary[grp] & ~b.is_cam[grp]).any():
        inc.boundary_reached = True  # a sensor there fired; a camera's estimate is too rough
    prio = b.place.priority[grp]
    best = int(grp[int(np.argmax(prio))])
    zone = b.place.zone[best]
    if int(prio.max()) > inc.zone_priority and zone is not None:
        inc.zone_priority = int(prio.max())
        inc.zone_id, inc.zone_type, inc.zone_name = zone.id, zone.zone_type, zone.name


def _follow_sector(inc: Incident, grp: npt.NDArray[np.intp], b: Batch, before: float) -> None:
    """The incident's patrol sector: that of its first position, kept until a newer
    position is clearly in another (:meth:`.SectorMap.follow`); late reports move nothing."""
    for j in grp.tolist():
        cand = b.place.sector[j]
        if cand is None or cand == inc.sector or (b.ts[j] < before and inc.sector is not None):
            continue
        inc.sector = (cand if inc.sector is None
                      else b.place.sectors.follow(inc.sector, float(b.x[j]), float(b.y[j])))


def corroborated(last: dict[str, list[float]], policy: IncidentPolicy) -> bool:
    """Two different sensor kinds fired close together in time and space."""
    v = np.array(list(last.values()))
    dt = np.abs(v[:, None, 0] - v[None, :, 0])
    d = np.hypot(v[:, None, 1] - v[None, :, 1], v[:, None, 2] - v[None, :, 2])
    ok = (dt <= policy.corroborate_s) & (d <= policy.radius_m)
    np.fill_diagonal(ok, False)
    return bool(ok.any())


def _apply_sensors(b: Batch, incs: list[Incident], codes: npt.NDArray[np.intp],
                   k: npt.NDArray[np.intp], sites: dict[str, list[float]],
                   changed: dict[str, Any]) -> None:
    """Per (incident, sensor): hit count and time sum, strongest score per class."""
    names: dict[str, int] = {}
    sid = np.fromiter((names.setdefault(b.ev[j].report.sensor_id, len(names)) for j in k.tolist()),
                      np.intp, k.size)
    pair, inv = np.unique(codes[k] * len(names) + sid, return_inverse=True)
    hits = np.bincount(inv, minlength=pair.size)
    tsum = np.bincount(inv, weights=b.ts[k], minlength=pair.size)
    rep = np.empty(pair.size, np.intp)
    rep[inv] = k
    scores = np.zeros((pair.size, len(fusion.CLASSES)))
    reports = np.zeros_like(scores)
    has = b.cls_idx[k] >= 0
    np.maximum.at(scores, (inv[has], b.cls_idx[k][has]), b.score[k][has])
    np.add.at(reports, (inv[has], b.cls_idx[k][has]), 1.0)
    summed = np.zeros_like(scores)
    np.add.at(summed, (inv[has], b.cls_idx[k][has]), b.score[k][has])
    conf = np.zeros_like(scores)
    cam = has & b.is_cam[k]
    np.maximum.at(conf, (inv[cam], b.cls_idx[k][cam]), b.values[k][cam])
    sensors = list(names)
    for p, (key, j) in enumerate(zip(pair.tolist(), rep.tolist(), strict=True)):
        inc = incs[key // len(names)]
        sensor = sensors[key % len(names)]
        for ci in np.flatnonzero(scores[p]).tolist():
            fusion.merge(inc.scores, sensor, ci, float(scores[p, ci]), int(reports[p, ci]),
                         float(summed[p, ci]))
        if b.is_cam[j]:
            for ci in np.flatnonzero(conf[p]).tolist():
                c = fusion.CLASSES[ci].value
                inc.camera_conf[c] = max(inc.camera_conf.get(c, 0.0), float(conf[p, ci]))
            continue
        h = inc.sensor_hits.setdefault(sensor, [0.0, 0.0, float(b.x[j]), float(b.y[j])])
        h[0] += float(hits[p])
        h[1] += float(tsum[p])
        if sensor not in sites:
            r = b.ev[j].report
            sites[sensor] = [r.lon, r.lat]
            changed[state_codec.key(state_codec.SITE, sensor)] = sites[sensor]
