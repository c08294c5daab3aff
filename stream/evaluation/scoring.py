"""Score one trial's alerts against its ground truth: pure, in metres and event-time seconds.

Alert ids are matched one-to-one to true intrusions (an id may match an intrusion when one
of its messages lies within ``radius_m`` of where the intruder was at that message's event
time, and within ``window_s`` of the crossing); the assignment minimises distance. Ids
that could have matched an already matched intrusion are duplicates; the others are false
(``nuisance`` when they sit on a harmless actor such as an animal or port traffic).
Only ids that reach ``min_severity`` count; tamper and sensor-fault alerts are scored as
health alerts.
An intruder no sensor or camera reported cannot be detected; it is counted apart.

>>> walk = Actor("g", "person", True, (0.0, 100.0), (0.0, 0.0), (-50.0, 50.0),
...              crossing_ts=50.0, first_report_ts=40.0, heading_deg=0.0, sector="a")
>>> hit = AlertMsg("A-1", "correlate", 1, 5.0, 3.0, 52.0, 53.0, "a", "person", 10.0)
>>> far = AlertMsg("A-2", "correlate", 2, 4000.0, 0.0, 60.0, 61.0, "a", "unknown", None)
>>> s = score_trial(TrialTruth([walk], []), [hit, far], [], Options())
>>> s.intrusions[0].alert_id, s.intrusions[0].latency_first_s, s.false_ids
('A-1', 13.0, ['A-2'])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linear_sum_assignment

HEALTH_RULES = ("tamper", "sensor-fault")
HEALTH_RADIUS_M = 100.0


@dataclass(frozen=True)
class Actor:
    """An actor of the ground truth in the metric frame; its path is ``t``, ``x``, ``y``
    knots (straight lines between them)."""

    id: str
    cls: str
    intrusion: bool
    t: tuple[float, ...]
    x: tuple[float, ...]
    y: tuple[float, ...]
    crossing_ts: float | None = None
    first_report_ts: float | None = None
    heading_deg: float | None = None  # at the crossing, from grid north
    sector: str | None = None  # the patrol sector covering the crossing
    dwell_expected: bool = False

    def at(self, ts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return np.interp(ts, self.t, self.x), np.interp(ts, self.t, self.y)


@dataclass(frozen=True)
class AlertMsg:
    """One alert message, reduced to what scoring needs (position in metres)."""

    id: str
    rule: str
    severity: int  # 0 low, 1 medium, 2 high, 3 critical
    x: float
    y: float
    event_ts: float
    raised_ts: float
    sector: str | None
    cls: str
    heading_deg: float | None


@dataclass(frozen=True)
class ZoneMark:
    alert_id: str
    kind: str
    zone_type: str


@dataclass(frozen=True)
class FaultTruth:
    kind: str
    xs: tuple[float, ...]
    ys: tuple[float, ...]
    at_ts: float


@dataclass(frozen=True)
class TrialTruth:
    actors: list[Actor]
    faults: list[FaultTruth]
    duration_s: float = 0.0
    border_km: float = 0.0


@dataclass(frozen=True)
class Options:
    radius_m: float = 300.0
    window_s: float = 900.0
    min_severity: int = 1


@dataclass
class IntrusionOutcome:
    actor_id: str
    cls: str
    alert_id: str | None = None
    duplicates: int = 0
    latency_first_s: float | None = None
    latency_crossing_s: float | None = None
    heading_error_deg: float | None = None
    class_right: bool | None = None
    sector_right: bool | None = None
    dwell_expected: bool = False
    dwell_seen: bool = False
    #: did any sensor or camera report the intruder? (Pd counts only those)
    reported: bool = True

    @property
    def detected(self) -> bool:
        return self.alert_id is not None


@dataclass
class TrialScore:
    intrusions: list[IntrusionOutcome] = field(default_factory=list)
    alert_ids: int = 0
    false_ids: list[str] = field(default_factory=list)
    nuisance_ids: list[str] = field(default_factory=list)
    faults: int = 0
    faults_alerted: int = 0
    km_days: float = 0.0

    @property
    def passed(self) -> bool:
        return all(o.detected or not o.reported for o in self.intrusions) and not self.false_ids


def _feasible(msgs: list[AlertMsg], actor: Actor, opt: Options, anchor: float | None
              ) -> float | None:
    """Smallest distance of ``msgs`` to ``actor`` (None: too far in space or time)."""
    ts = np.array([m.event_ts for m in msgs])
    if anchor is not None:
        ok = np.abs(ts - anchor) <= opt.window_s
    else:
        ok = (ts >= actor.t[0] - opt.window_s) & (ts <= actor.t[-1] + opt.window_s)
    if not ok.any():
        return None
    ax, ay = actor.at(ts[ok])
    d = np.hypot(np.array([m.x for m in msgs])[ok] - ax, np.array([m.y for m in msgs])[ok] - ay)
    best = float(d.min())
    return best if best <= opt.radius_m else None


def _angle(a: float, b: float) -> float:
    return abs((a - b + 180.0) % 360.0 - 180.0)


def score_trial(truth: TrialTruth, alerts: Sequence[AlertMsg], zones: Sequence[ZoneMark],
                opt: Options) -> TrialScore:
    by_id: dict[str, list[AlertMsg]] = {}
    for m in alerts:
        if m.rule not in HEALTH_RULES:
            by_id.setdefault(m.id, []).append(m)
    ids = sorted(i for i, ms in by_id.items() if max(m.severity for m in ms) >= opt.min_severity)
    true = [a for a in truth.actors if a.intrusion]
    other = [a for a in truth.actors if not a.intrusion]
    cost = np.full((len(ids), len(true)), np.inf)
    for i, aid in enumerate(ids):
        for j, actor in enumerate(true):
            d = _feasible(by_id[aid], actor, opt, actor.crossing_ts)
            if d is not None:
                cost[i, j] = d
    matched: dict[int, int] = {}
    if ids and true and np.isfinite(cost).any():
        rows, cols = linear_sum_assignment(np.where(np.isfinite(cost), cost, 1e12))
        matched = {int(c): int(r) for r, c in zip(rows, cols, strict=True)
                   if np.isfinite(cost[r, c])}
    taken = set(matched.values())
    out = TrialScore(alert_ids=len(ids), km_days=truth.border_km * truth.duration_s / 86400.0)
    dups = np.zeros(len(true), int)
    for i, aid in enumerate(ids):
        if i in taken:
            continue
        if np.isfinite(cost[i]).any():
            dups[int(np.argmin(cost[i]))] += 1
            continue
        out.false_ids.append(aid)
        if any(_feasible(by_id[aid], a, opt, None) is not None for a in other):
            out.nuisance_ids.append(aid)
    for j, actor in enumerate(true):
        o = IntrusionOutcome(actor.id, actor.cls, duplicates=int(dups[j]),
                             dwell_expected=actor.dwell_expected,
                             reported=actor.first_report_ts is not None)
        if j in matched:
            _describe(o, actor, by_id[ids[matched[j]]], zones, opt)
        out.intrusions.append(o)
    _health(out, truth, alerts)
    return out


def _describe(o: IntrusionOutcome, actor: Actor, msgs: list[AlertMsg],
              zones: Sequence[ZoneMark], opt: Options) -> None:
    o.alert_id = msgs[0].id
    first = min((m for m in msgs if m.severity >= opt.min_severity), key=lambda m: m.raised_ts)
    if actor.first_report_ts is not None:
        o.latency_first_s = first.raised_ts - actor.first_report_ts
    if actor.crossing_ts is not None:
        o.latency_crossing_s = first.raised_ts - actor.crossing_ts
    # the latest message: messages come in the order sent (every message of an alert
    # carries the same raised_ts, so it cannot tell them apart)
    last = msgs[-1]
    headed = [m for m in msgs if m.heading_deg is not None]
    if headed and actor.heading_deg is not None:
        h = headed[-1].heading_deg
        o.heading_error_deg = _angle(float(h), actor.heading_deg)  # type: ignore[arg-type]
    o.class_right = last.cls == actor.cls
    o.sector_right = actor.sector is not None and all(m.sector == actor.sector for m in msgs)
    o.dwell_seen = any(z.alert_id == o.alert_id and z.kind == "dwell"
                       and z.zone_type == "border_strip" for z in zones)


def _health(out: TrialScore, truth: TrialTruth, alerts: Sequence[AlertMsg]) -> None:
    health = [m for m in alerts if m.rule in HEALTH_RULES]
    for f in truth.faults:
        out.faults += 1
        if any(m.event_ts >= f.at_ts - 5.0 and min(
                np.hypot(np.subtract(f.xs, m.x), np.subtract(f.ys, m.y))) <= HEALTH_RADIUS_M
               for m in health):
            out.faults_alerted += 1
