"""Detections into incidents: join each to the open incident it fits (or start new ones),
then merge incidents that turn out to be one target."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from stream.correlation import fusion
from stream.correlation.alerting import herd, retire
from stream.correlation.apply import Batch, apply
from stream.correlation.evidence import Evidence
from stream.correlation.gate import match
from stream.correlation.grouping import group_new
from stream.correlation.ids import incident_id
from stream.correlation.incidents import Incident, IncidentKind
from stream.correlation.kinematics import Limits, camera_class, join_window
from stream.correlation.merge import merge_into, seen_apart, survivor
from stream.correlation.near import within
from stream.correlation.policies import IncidentPolicy
from stream.correlation.result import CorrelatorResult
from stream.correlation.store import Store
from stream.correlation.tamper import touches
from stream.models import CameraDetection, GroundDetection, TargetClass

F = npt.NDArray[np.float64]

#: Classes that keep incidents apart (0 person, 1 vehicle); see :func:`gate_class`.
GATED = {TargetClass.PERSON.value: 0, TargetClass.VEHICLE.value: 1}
_GATED_IDX = np.array([-1] + [GATED.get(c.value, -1) for c in fusion.CLASSES], np.intp)


def paths(incs: Sequence[Incident]) -> tuple[F, F, F, npt.NDArray[np.intp]]:
    """Every incident's path points (its last position when it has none) and their owner."""
    if not incs:
        e = np.empty(0, float)
        return e, e, e, np.empty(0, np.intp)
    each = [i.path_points() for i in incs]
    a = np.concatenate(each)
    owner = np.repeat(np.arange(len(each)), [len(p) for p in each])
    return a[:, 0], a[:, 1], a[:, 2], owner


def ingest(store: Store, evidence: Sequence[Evidence], out: CorrelatorResult) -> set[str]:
    """Join one step's detections (event-time order) to incidents or start new ones."""
    if not evidence:
        return set()
    pol = store.policies
    reports = [e.report for e in evidence]
    ts = np.fromiter((r.ts for r in reports), float, len(reports))
    keep = np.arange(len(reports))
    keep = keep[touches(store, evidence, keep, ts)]
    if keep.size == 0:
        return set()
    ev = [evidence[i] for i in keep.tolist()]
    rep = [reports[i] for i in keep.tolist()]
    ts = ts[keep]
    lon = np.fromiter((r.lon for r in rep), float, len(rep))
    lat = np.fromiter((r.lat for r in rep), float, len(rep))
    x, y = store.frame.to_metric(lon, lat)
    place = store.placement.place(lon, lat, ts)
    is_cam = np.fromiter((isinstance(r, CameraDetection) for r in rep), bool, len(rep))
    kinds = [r.kind.value if isinstance(r, GroundDetection) else "camera" for r in rep]
    classes = [r.signature.value if isinstance(r, GroundDetection) else r.cls.value
               for r in rep]
    values = np.fromiter((r.strength if isinstance(r, GroundDetection) else r.confidence
                          for r in rep), float, len(rep))
    cls_idx, score = fusion.contributions(kinds, classes, values, pol.fusion.weights)

    # an incident silent longer than its join window before the step takes nothing of it
    # (every path point too old): leave the many waiting for their timers out
    t0 = float(ts.min())
    incs = [i for i in store.open_of(IncidentKind.DETECTION)
            if i.last_ts + join_window(i, pol) >= t0]
    gate_cls = np.where(is_cam, -1, _GATED_IDX[cls_idx + 1])  # a camera may refute one
    st, sx, sy, owner = paths(incs)
    inc_gate = np.array([gate_class(store, i) for i in incs], np.intp)
    lim = Limits.of(incs, classes, pol, ~is_cam)
    codes = match(ts, x, y, st, sx, sy, pol.incident, gate_cls, inc_gate, owner, lim)
    confined = [store.placement.exits.confined(i) for i in incs]
    herds = np.array([herd(i) for i in incs] + [False], bool)
    # a camera sure of a person or vehicle is no part of a confirmed animal's herd
    sure = is_cam & (values >= pol.camera.min_confidence) & (_GATED_IDX[cls_idx + 1] >= 0)
    if any(confined) or (sure & herds[codes]).any():
        # a port's lane traffic takes nothing beyond its port and exit: those detections
        # join another incident, or start their own
        types = [z.zone_type if z else None for z in place.zone]
        out_of = np.flatnonzero((codes >= 0) & ~store.placement.exits.admits(
            confined, codes.clip(0), x, y, types) | (sure & herds[codes]))
        if out_of.size:
            free = np.array([c is None for c in confined], bool) & ~herds[:-1]
            rematch(codes, out_of, free, (ts, x, y), (st, sx, sy, owner), gate_cls, inc_gate,
                    lim, pol.incident)
    # nor does an incident begun outside a port's lanes take the lanes' traffic before it
    # has an alert (a camera cued by a strip sensor beside the port sees the port's queue),
    # nor even with one the traffic of a class the port ignores: a walker's alert beside
    # the port must not follow the lanes' trucks into the port
    lanes = store.placement.exits.origins(x, y)
    for zone_id in sorted({z for z in lanes if z is not None}):
        own = np.array([i.origin == zone_id for i in incs], bool) & ~herds[:-1]
        alerted = np.array([i.alert is not None for i in incs], bool) & ~herds[:-1]
        mine = np.array([z == zone_id for z in lanes], bool)
        ex = store.placement.exits.by_zone[zone_id]
        ignored = {c.value for c in ex.classes}
        queue = {c.value for c in ex.queue_classes}
        # people on foot at the port itself are its queue, whoever's alert is near
        at_port = [z is not None and z.id == zone_id for z in place.zone]
        traffic = mine & np.array([c in ignored or (c in queue and p)
                                   for c, p in zip(classes, at_port, strict=True)], bool)
        for allowed, these in ((own | alerted, mine & ~traffic), (own, traffic)):
            foreign = np.flatnonzero(these & (codes >= 0) & ~np.r_[allowed, True][codes])
            if foreign.size:
                rematch(codes, foreign, allowed, (ts, x, y), (st, sx, sy, owner), gate_cls,
                        inc_gate, lim, pol.incident)
    fresh = np.flatnonzero(codes < 0)
    if fresh.size:
        labels = group_new(ts[fresh], x[fresh], y[fresh], pol.incident, camera=is_cam[fresh])
        order = np.argsort(labels, kind="stable")
        bounds = np.flatnonzero(np.diff(labels[order])) + 1
        for group in np.split(order, bounds):
            members = fresh[group]
            first = int(members[np.argmin(ts[members])])
            inc_id = incident_id(rep[first].event_id)
            if inc_id not in store.incidents:  # else a replay: closed, or joined anyway
                store.incidents[inc_id] = Incident(
                    id=inc_id, first_event=rep[first].event_id, first_ts=float(ts[first]),
                    last_ts=float(ts[first]), x=float(x[first]), y=float(y[first]),
                    x0=float(x[first]), y0=float(y[first]), lon=float(lon[first]),
                    lat=float(lat[first]), origin=lanes[first])
            codes[members] = len(incs)
            incs.append(store.incidents[inc_id])
    batch = Batch(ev, ts, x, y, is_cam, kinds, values, cls_idx, score, place)
    touched, dups = apply(batch, incs, codes, store.sites, out.changed, pol.incident)
    out.duplicates += dups
    return touched


def rematch(codes: npt.NDArray[np.intp], det: npt.NDArray[np.intp],
            allowed: npt.NDArray[np.bool_], points: tuple[F, F, F],
            paths_: tuple[F, F, F, npt.NDArray[np.intp]], gate_cls: npt.NDArray[np.intp],
            inc_gate: npt.NDArray[np.intp], lim: Limits, policy: IncidentPolicy) -> None:
    """Match the detections ``det`` again, against the ``allowed`` incidents only."""
    ts, x, y = points
    st, sx, sy, owner = paths_
    free = allowed[owner]
    tracks = None if lim.tracks is None else np.where(allowed[:, None], lim.tracks, np.nan)
    codes[det] = match(ts[det], x[det], y[det], st[free], sx[free], sy[free], policy,
                       gate_cls[det], inc_gate, owner[free], lim.subset(det, tracks))


def merge(store: Store, touched: set[str], now: float, out: CorrelatorResult) -> set[str]:
    """Merge each touched incident with an open one whose path meets its recent path
    (within ``radius_m`` and ``corroborate_s``, classes compatible): reports of one
    target that arrived in a different order can start two incidents. The one with an
    alert (the more severe, else the older) survives with its alert id; the other
    closes without a message of its own unless it had an alert too (then it clears,
    reason ``merged``). One query for the whole slice."""
    pol = store.policies.incident
    recent = [store.incidents[i].path[-3:, 0] for i in touched if i in store.incidents]
    since = min((float(p.min()) for p in recent if p.size), default=0.0) - pol.corroborate_s
    # only paths that reach that far forward can meet what the slice added
    incs = [i for i in store.open_of(IncidentKind.DETECTION)
            if not herd(i) and i.last_ts >= since]
    mine = [k for k, i in enumerate(incs) if i.id in touched and len(i.path)]
    if len(incs) < 2 or not mine:
        return touched
    st, sx, sy, owner = paths(incs)
    added = [incs[k].path[-3:] for k in mine]  # what this slice added
    qa = np.concatenate(added)
    qk = np.repeat(np.array(mine, np.intp), [len(a) for a in added])
    # only points within corroborate_s of those can meet them
    near = ((st >= qa[:, 0].min() - pol.corroborate_s)
            & (st <= qa[:, 0].max() + pol.corroborate_s))
    st, sx, sy, owner = st[near], sx[near], sy[near], owner[near]
    qi, si = within(qa[:, 1], qa[:, 2], sx, sy, pol.radius_m)
    a, b = qk[qi], owner[si]
    ok = (a != b) & (np.abs(qa[qi, 0] - st[si]) <= pol.corroborate_s)
    if not ok.any():
        return touched
    cls = np.array([merge_class(store, i) for i in incs], np.intp)
    ok &= (cls[a] < 0) | (cls[b] < 0) | (cls[a] == cls[b])
    # nor two targets a camera told apart by class: people walking past a herd it sees
    sure = store.policies.camera.min_confidence
    seen = np.array([fusion.INDEX.get(camera_class(i, sure) or "", -1) for i in incs], np.intp)
    ok &= (seen[a] < 0) | (seen[b] < 0) | (seen[a] == seen[b])
    confined = [store.placement.exits.confined(i) for i in incs]
    if any(confined):  # a port's lane traffic meets nothing beyond its port and exit
        exits = store.placement.exits
        ok &= exits.admits(confined, b, qa[qi, 1], qa[qi, 2])
        ok &= exits.admits(confined, a, sx[si], sy[si])
        # nor an alert: a walker alerted beside the port who walks up to its lanes is not
        # the queue there (merged, the alert would follow the queue and lose the walker)
        lane = np.array([c is not None for c in confined], bool)
        alerted = np.array([i.alert is not None for i in incs], bool)
        ok &= ~(lane[a] & alerted[b]) & ~(lane[b] & alerted[a])
    pairs = sorted({(min(x, y), max(x, y)) for x, y in zip(a[ok].tolist(), b[ok].tolist(),
                                                            strict=True)})
    root = list(range(len(incs)))

    def find(k: int) -> int:
        while root[k] != k:
            k = root[k]
        return k

    for x, y in pairs:
        rx, ry = find(x), find(y)
        if rx == ry or seen_apart(incs[rx], incs[ry], pol):
            continue
        keep, gone = survivor(incs[rx], incs[ry])
        merge_into(keep, gone)
        retire(store, gone, keep.alert.id if keep.alert else keep.id, "merged", now, out)
        store.dirty.add(keep.id)
        kept = rx if keep is incs[rx] else ry
        root[rx] = root[ry] = kept
        touched = (touched - {gone.id}) | {keep.id}
    return touched


def merge_class(store: Store, inc: Incident) -> int:
    """Person or vehicle by camera, else by fused class when fairly sure; else -1."""
    gate = gate_class(store, inc)
    if gate >= 0:
        return gate
    cls, conf = fusion.fuse(fusion.total(inc.scores), store.policies.fusion.min_score)
    return GATED.get(cls.value, -1) if conf >= 0.5 else -1


def gate_class(store: Store, inc: Incident) -> int:
    """Person or vehicle, when a camera confirmed it (the incident then refuses sensor
    hits whose signature says the other one), else -1. Person and animal signatures are
    confused too often to split incidents on."""
    return GATED.get(camera_class(inc, store.policies.camera.min_confidence) or "", -1)
