"""Incidents: detections grouped by space and time, in metres and seconds (UTM 12N).

A detection joins the open incident whose last position is nearest, if it lies within
``radius_m + max_speed_mps * |dt|`` of it and ``|dt| <= window_s`` (dt: time since the
incident's last evidence). Detections that join none start new incidents, grouped among
themselves in time order. An :class:`Incident` is plain data (``to_dict``/``from_dict``),
so a worker can keep it in a changelogged table and resume it after a restart.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from stream.correlation.policies import IncidentPolicy

MAX_REFS_HEAD = 5
MAX_REFS_TAIL = 25
MAX_SEEN = 512
_CHUNK = 4096


@dataclass(slots=True)
class Incident:
    """Everything known about one incident; JSON-native fields only."""

    id: str
    first_event: str
    first_ts: float
    last_ts: float
    x: float  # last position, metric
    y: float
    x0: float  # first position, metric
    y0: float
    lon: float
    lat: float
    kind: str = "detection"  # or "tamper"
    zone_id: str | None = None
    zone_type: str | None = None
    zone_name: str | None = None
    zone_priority: int = -1
    sector: str | None = None
    boundary_reached: bool = False
    backlog: bool = False
    modalities: list[str] = field(default_factory=list)
    #: ground sensor id -> [hits, sum of hit times, x, y]
    sensor_hits: dict[str, list[float]] = field(default_factory=dict)
    #: sensor or camera id -> best score per class (fusion.CLASSES order)
    scores: dict[str, list[float]] = field(default_factory=dict)
    camera_conf: dict[str, float] = field(default_factory=dict)  # class -> best camera conf
    evidence: list[dict[str, Any]] = field(default_factory=list)
    evidence_count: int = 0
    seen: dict[str, None] = field(default_factory=dict)
    track: dict[str, float] | None = None
    task: dict[str, Any] | None = None
    alert: dict[str, Any] | None = None
    folded_into: str | None = None  # alert id that counted this rate-limited incident
    closed_ts: float | None = None

    @property
    def open(self) -> bool:
        return self.closed_ts is None

    def add_ref(self, ref: dict[str, Any]) -> None:
        self.evidence_count += 1
        self.evidence.append(ref)
        if len(self.evidence) > MAX_REFS_HEAD + MAX_REFS_TAIL:
            del self.evidence[MAX_REFS_HEAD]

    def mark_seen(self, event_id: str) -> bool:
        """Remember an event id; False if it was already counted (a redelivery)."""
        if event_id in self.seen:
            return False
        self.seen[event_id] = None
        if len(self.seen) > MAX_SEEN:
            del self.seen[next(iter(self.seen))]
        return True

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["seen"] = list(self.seen)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Incident:
        d = dict(d)
        d["seen"] = dict.fromkeys(d.get("seen", ()))
        return cls(**d)


def match(
    ts: npt.NDArray[np.float64], x: npt.NDArray[np.float64], y: npt.NDArray[np.float64],
    inc_t: npt.NDArray[np.float64], inc_x: npt.NDArray[np.float64],
    inc_y: npt.NDArray[np.float64], policy: IncidentPolicy,
    cls: npt.NDArray[np.intp] | None = None, inc_cls: npt.NDArray[np.intp] | None = None,
) -> npt.NDArray[np.intp]:
    """For each detection, the index of the open incident it joins, or -1.

    With classes (index, -1: none), a detection never joins an incident of another class:
    a person walking past vehicles in a port-of-entry lane is an incident of its own."""
    out = np.full(ts.size, -1, dtype=np.intp)
    if ts.size == 0 or inc_t.size == 0:
        return out
    for lo in range(0, ts.size, _CHUNK):
        sl = slice(lo, lo + _CHUNK)
        d = np.hypot(x[sl, None] - inc_x[None, :], y[sl, None] - inc_y[None, :])
        dt = np.abs(ts[sl, None] - inc_t[None, :])
        gate = (d <= policy.radius_m + policy.max_speed_mps * dt) & (dt <= policy.window_s)
        if cls is not None and inc_cls is not None:
            pc, ic = cls[sl, None], inc_cls[None, :]
            gate &= (pc < 0) | (ic < 0) | (pc == ic)
        d = np.where(gate, d, np.inf)
        best = np.argmin(d, axis=1)
        ok = np.isfinite(d[np.arange(best.size), best])
        out[sl] = np.where(ok, best, -1)
    return out


def group_new(
    ts: npt.NDArray[np.float64], x: npt.NDArray[np.float64], y: npt.NDArray[np.float64],
    policy: IncidentPolicy, cls: npt.NDArray[np.intp] | None = None,
) -> npt.NDArray[np.intp]:
    """Group detections that joined no incident: a group label per detection (time order);
    like :func:`match`, detections of two different classes never group."""
    labels = np.full(ts.size, -1, dtype=np.intp)
    gx: list[float] = []
    gy: list[float] = []
    gt: list[float] = []
    gc: list[int] = []
    c = cls if cls is not None else np.full(ts.size, -1, dtype=np.intp)
    for i in np.argsort(ts, kind="stable").tolist():
        if gt:
            ax, ay, at, ac = np.asarray(gx), np.asarray(gy), np.asarray(gt), np.asarray(gc)
            dt = np.abs(ts[i] - at)
            d = np.hypot(x[i] - ax, y[i] - ay)
            ok = (d <= policy.radius_m + policy.max_speed_mps * dt) & (dt <= policy.window_s)
            ok &= (c[i] < 0) | (ac < 0) | (ac == c[i])
            d = np.where(ok, d, np.inf)
            k = int(np.argmin(d))
            if np.isfinite(d[k]):
                labels[i] = k
                gx[k], gy[k], gt[k] = float(x[i]), float(y[i]), max(gt[k], float(ts[i]))
                gc[k] = gc[k] if gc[k] >= 0 else int(c[i])
                continue
        labels[i] = len(gt)
        gc.append(int(c[i]))
        gx.append(float(x[i]))
        gy.append(float(y[i]))
        gt.append(float(ts[i]))
    return labels
