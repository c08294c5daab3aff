"""Score one trial's alerts against its ground truth: pure, in metres and event-time seconds.

Alert ids are matched one-to-one to true intrusions (an id may match an intrusion when one
of its messages lies within ``radius_m`` of where the intruder was at that message's event
time, and within ``window_s`` of the crossing); the assignment minimises distance. Ids
that could have matched an already matched intrusion are duplicates; the others are false
(``nuisance`` when they sit on a harmless actor such as an animal or port traffic).
Only ids that reach ``min_severity`` count; tamper and sensor-fault alerts are scored as
health alerts.
An intruder no sensor or camera reported cannot be detected; it is counted apart.

A heading is judged against the intruder's course when the alert showed it (a walker who
turned along the strip after crossing heads along the line), a sector against the sector
covering the intruder when each message was sent, give or take ``sector_m`` near a split.

>>> walk = Actor("g", "person", True, (0.0, 100.0), (0.0, 0.0), (-50.0, 50.0),
...              crossing_ts=50.0, first_report_ts=40.0, heading_deg=0.0, sector="a")
>>> hit = AlertMsg("A-1", "correlate", 1, 5.0, 3.0, 52.0, 53.0, "a", "person", 10.0)
>>> far = AlertMsg("A-2", "correlate", 2, 4000.0, 0.0, 60.0, 61.0, "a", "unknown", None)
>>> s = score_trial(TrialTruth([walk], []), [hit, far], [], Options())
>>> s.intrusions[0].alert_id, s.intrusions[0].latency_first_s, s.false_ids
('A-1', 13.0, ['A-2'])
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise

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
    heading_deg: float | None = None  # at the crossing (true azimuth)
    sector: str | None = None  # the patrol sector covering the crossing
    dwell_expected: bool = False
    #: true azimuth of each leg of the path (``t[i]`` to ``t[i + 1]``; NaN: standing);
    #: empty: ``heading_deg`` all along
    legs_deg: tuple[float, ...] = ()

    def at(self, ts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return np.interp(ts, self.t, self.x), np.interp(ts, self.t, self.y)

    def courses_at(self, ts: float, lag_m: float = 0.0) -> list[float]:
        """Where the intruder was heading at ``ts`` (its leg then, or the last it moved on),
        and on the legs it walked in the last ``lag_m`` metres before: a turn shows in
        ground sensors' reports only once the intruder is that far on its new course.

        >>> a = Actor("w", "person", True, (0.0, 10.0, 20.0, 30.0), (0.0, 0.0, 0.0, 50.0),
        ...           (0.0, 10.0, 10.0, 10.0), legs_deg=(0.0, float("nan"), 90.0))
        >>> a.courses_at(5.0), a.courses_at(15.0), a.courses_at(22.0), a.courses_at(99.0)
        ([0.0], [0.0], [90.0], [90.0])
        >>> a.courses_at(22.0, lag_m=15.0), a.courses_at(29.0, lag_m=15.0)
        ([0.0, 90.0], [90.0])
        """
        if not self.legs_deg:
            return [] if self.heading_deg is None else [self.heading_deg]
        moving = [j for j, h in enumerate(self.legs_deg) if not np.isnan(h)]
        if not moving:
            return []
        now = min(max(int(np.searchsorted(self.t, ts, side="right")) - 1, 0),
                  len(self.legs_deg) - 1)
        before = [j for j in moving if j <= now]
        cur = before[-1] if before else moving[0]
        cum = np.r_[0.0, np.cumsum(np.hypot(np.diff(self.x), np.diff(self.y)))]
        walked = float(np.interp(ts, self.t, cum))
        return [self.legs_deg[j] for j in before[:-1] if cum[j + 1] >= walked - lag_m] + \
            [self.legs_deg[cur]]


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


#: ``(sector, xs, ys)`` -> how much further (m) each point lies from that patrol sector
#: than from the nearest one (0: the sector covers it or is the nearest; inf: no sector)
SectorExcess = Callable[[str | None, np.ndarray, np.ndarray], np.ndarray]


@dataclass(frozen=True)
class TrialTruth:
    actors: list[Actor]
    faults: list[FaultTruth]
    duration_s: float = 0.0
    border_km: float = 0.0
    #: the set's patrol sectors; None: a message's sector must be the actor's ``sector``
    sector_excess: SectorExcess | None = None


@dataclass(frozen=True)
class Options:
    radius_m: float = 300.0
    window_s: float = 900.0
    min_severity: int = 1
    #: a message may name a sector this much further from the intruder than the nearest
    #: one (an alert keeps its sector until clearly inside another)
    sector_m: float = 250.0
    #: a heading may be that of the course the intruder left less than this far back
    heading_lag_m: float = 100.0


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
            _describe(o, actor, by_id[ids[matched[j]]], zones, opt, truth.sector_excess)
        out.intrusions.append(o)
    _health(out, truth, alerts)
    return out


def _describe(o: IntrusionOutcome, actor: Actor, msgs: list[AlertMsg],
              zones: Sequence[ZoneMark], opt: Options, excess: SectorExcess | None) -> None:
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
    if headed:
        h = float(headed[-1].heading_deg)  # type: ignore[arg-type]
        courses = actor.courses_at(headed[-1].event_ts, opt.heading_lag_m)
        if courses:
            o.heading_error_deg = min(_angle(h, c) for c in courses)
    o.class_right = last.cls == actor.cls
    o.sector_right = _sector_right(actor, msgs, opt, excess)
    o.dwell_seen = any(z.alert_id == o.alert_id and z.kind == "dwell"
                       and z.zone_type == "border_strip" for z in zones)


def _sector_right(actor: Actor, msgs: list[AlertMsg], opt: Options,
                  excess: SectorExcess | None) -> bool:
    """Every message names a sector covering the intruder then (or within ``sector_m`` of
    nearest), and the alert changed sector no more often than the intruder did between
    its messages."""
    if excess is None:
        return actor.sector is not None and all(m.sector == actor.sector for m in msgs)
    named = [m.sector for m in msgs]
    if None in named:
        return False
    x, y = actor.at(np.array([m.event_ts for m in msgs]))
    names = sorted({str(n) for n in named})
    gap = np.array([excess(n, x, y) for n in names])  # (sectors, messages)
    if any(gap[names.index(str(n)), i] > opt.sector_m for i, n in enumerate(named)):
        return False
    nearest = [names[k] for k in np.argmin(gap, axis=0).tolist()]
    return _changes(named) <= _changes(nearest)


def _changes(seq: Sequence[str | None]) -> int:
    return sum(a != b for a, b in pairwise(seq))


def _health(out: TrialScore, truth: TrialTruth, alerts: Sequence[AlertMsg]) -> None:
    health = [m for m in alerts if m.rule in HEALTH_RULES]
    for f in truth.faults:
        out.faults += 1
        if any(m.event_ts >= f.at_ts - 5.0 and min(
                np.hypot(np.subtract(f.xs, m.x), np.subtract(f.ys, m.y))) <= HEALTH_RADIUS_M
               for m in health):
            out.faults_alerted += 1
