"""Offline scoring of alerts against ground truth.

Truth is a list of :class:`TruthIncident` (JSON array or JSON lines, one object each)::

    {"actor_id": "group-1", "cls": "person", "true_intrusion": true,
     "crossing_ts": 1800000300.0, "lon": -111.0001, "lat": 31.33334}

A simulator truth file (JSON lines with ``type`` records) is read too: see
:func:`truth_from_records`. ``true_intrusion`` is false for actors that must not alert
(wildlife, a patrol).
``crossing_ts``/``lon``/``lat`` is where and when the actor crossed the boundary (or, for
a non-intrusion, where it was). An alert (all its messages, by id) detects a truth
incident when one of its positions lies within ``radius_m`` and its event time within
``window_s`` of it. Alerts matching no true intrusion are false alerts.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict

from geofences.frame import Frame
from stream.models import Alert, Severity


class TruthIncident(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    actor_id: str
    cls: str
    true_intrusion: bool
    crossing_ts: float
    lon: float
    lat: float


@dataclass(frozen=True, slots=True)
class Score:
    alerts: int  # distinct alert ids considered
    truth_incidents: int  # true intrusions
    detected: int
    missed: int
    false_alerts: int
    duplicate_alerts: int  # extra alert ids on an already detected intrusion

    @property
    def false_alert_ratio(self) -> float:
        return self.false_alerts / self.alerts if self.alerts else 0.0


def truth_from_records(records: Iterable[dict[str, Any]]) -> list[TruthIncident]:
    """Truth incidents from a simulator truth file's ``actor`` records: ``intrusion``, the
    ``crossing`` (ts, lon, lat), or where the actor started when it never crossed."""
    out = []
    for r in records:
        if r.get("type") != "actor":
            continue
        c = r.get("crossing") or {}
        ts, lon, lat = ((c["ts"], c["lon"], c["lat"]) if c else tuple(r["path"][0][:3]))
        out.append(TruthIncident(actor_id=r["id"], cls=r["cls"], true_intrusion=r["intrusion"],
                                 crossing_ts=ts, lon=lon, lat=lat))
    return out


def load_truth(path: str | Path) -> list[TruthIncident]:
    text = Path(path).read_text().strip()
    if not text:
        return []
    rows = json.loads(text) if text.startswith("[") else [json.loads(x) for x in text.splitlines()
                                                          if x.strip()]
    if rows and "type" in rows[0]:  # a simulator truth file
        return truth_from_records(rows)
    return [TruthIncident.model_validate(r) for r in rows]


def score(alerts: Iterable[Alert], truth: Sequence[TruthIncident], *, radius_m: float = 500.0,
          window_s: float = 900.0, min_severity: Severity | None = None,
          skip_rules: tuple[str, ...] = ("tamper", "sensor-fault")) -> Score:
    """Count detected, missed and false alerts. Alerts below ``min_severity`` and those of
    ``skip_rules`` (sensor tamper and fault alerts are not intrusion alerts) are left out."""
    msgs = [a for a in alerts if (min_severity is None or a.severity.rank >= min_severity.rank)
            and a.rule not in skip_rules]
    ids = sorted({a.id for a in msgs})
    true = [t for t in truth if t.true_intrusion]
    if not ids:
        return Score(0, len(true), 0, len(true), 0, 0)
    lons = [a.lon for a in msgs] + [t.lon for t in true]
    lats = [a.lat for a in msgs] + [t.lat for t in true]
    to_metric = Frame.for_extent((min(lons), min(lats), max(lons), max(lats))).to_metric
    ax, ay = to_metric([a.lon for a in msgs], [a.lat for a in msgs])
    at = np.array([a.event_ts for a in msgs])
    aid = np.array([ids.index(a.id) for a in msgs])
    hits = np.zeros((len(ids), len(true)), bool)
    if true:
        tx, ty = to_metric([t.lon for t in true], [t.lat for t in true])
        tt = np.array([t.crossing_ts for t in true])
        near = ((np.hypot(ax[:, None] - tx[None, :], ay[:, None] - ty[None, :]) <= radius_m)
                & (np.abs(at[:, None] - tt[None, :]) <= window_s))
        np.logical_or.at(hits, aid, near)
    per_truth = hits.sum(axis=0)
    detected = int((per_truth > 0).sum())
    return Score(
        alerts=len(ids), truth_incidents=len(true), detected=detected,
        missed=len(true) - detected, false_alerts=int((~hits.any(axis=1)).sum()),
        duplicate_alerts=int(np.clip(per_truth - 1, 0, None).sum()),
    )
