"""Per-family and overall figures from scored trials (pure).

>>> from stream.evaluation.scoring import IntrusionOutcome, TrialScore
>>> s = TrialScore([IntrusionOutcome("g", "person", alert_id="A", latency_first_s=2.0)],
...                alert_ids=2, false_ids=["B"], km_days=0.5)
>>> f = summarise([s])
>>> f.detected, f.intrusions, f.false_alerts, f.false_fraction, f.false_rate
(1, 1, 1, 0.5, 2.0)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from stream.evaluation.scoring import TrialScore
from stream.evaluation.stats import pd_lower, percentile, poisson_interval


@dataclass(frozen=True)
class Figures:
    trials: int
    intrusions: int  # reported by at least one sensor or camera
    unreported: int  # crossed where no sensor or camera reported them
    detected: int
    pd: float | None
    pd_lower95: float | None
    alert_ids: int
    false_alerts: int
    nuisance_alerts: int
    false_fraction: float | None
    km_days: float
    false_rate: float | None  # per km of border per day
    false_rate_low: float | None
    false_rate_high: float | None
    duplicates: int
    duplicates_per_intrusion: float | None
    latency_first_p50: float | None
    latency_first_p95: float | None
    latency_first_p99: float | None
    latency_crossing_p50: float | None
    latency_crossing_p95: float | None
    latency_crossing_p99: float | None
    heading_p50: float | None
    heading_p90: float | None
    headings: int
    class_right: float | None
    sector_right: float | None
    dwell_expected: int
    dwell_seen: int
    faults: int
    faults_alerted: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _frac(k: int, n: int) -> float | None:
    return k / n if n else None


def summarise(scores: Sequence[TrialScore]) -> Figures:
    every = [o for s in scores for o in s.intrusions]
    outs = [o for o in every if o.reported]
    hits = [o for o in outs if o.detected]
    false = sum(len(s.false_ids) for s in scores)
    ids = sum(s.alert_ids for s in scores)
    exposure = sum(s.km_days for s in scores)
    lo, hi = poisson_interval(false, exposure) if exposure > 0 else (None, None)
    lat_f = [o.latency_first_s for o in hits if o.latency_first_s is not None]
    lat_c = [o.latency_crossing_s for o in hits if o.latency_crossing_s is not None]
    head = [o.heading_error_deg for o in hits if o.heading_error_deg is not None]
    dups = sum(o.duplicates for o in outs)
    return Figures(
        trials=len(scores), intrusions=len(outs), unreported=len(every) - len(outs),
        detected=len(hits),
        pd=_frac(len(hits), len(outs)),
        pd_lower95=pd_lower(len(hits), len(outs)) if outs else None,
        alert_ids=ids, false_alerts=false,
        nuisance_alerts=sum(len(s.nuisance_ids) for s in scores),
        false_fraction=_frac(false, ids), km_days=exposure,
        false_rate=false / exposure if exposure > 0 else None,
        false_rate_low=lo, false_rate_high=hi,
        duplicates=dups, duplicates_per_intrusion=_frac(dups, len(outs)),
        latency_first_p50=percentile(lat_f, 50), latency_first_p95=percentile(lat_f, 95),
        latency_first_p99=percentile(lat_f, 99),
        latency_crossing_p50=percentile(lat_c, 50), latency_crossing_p95=percentile(lat_c, 95),
        latency_crossing_p99=percentile(lat_c, 99),
        heading_p50=percentile(head, 50), heading_p90=percentile(head, 90), headings=len(head),
        class_right=_frac(sum(bool(o.class_right) for o in hits), len(hits)),
        sector_right=_frac(sum(bool(o.sector_right) for o in hits), len(hits)),
        dwell_expected=sum(o.dwell_expected for o in outs),
        dwell_seen=sum(o.dwell_expected and o.dwell_seen for o in outs),
        faults=sum(s.faults for s in scores),
        faults_alerted=sum(s.faults_alerted for s in scores),
    )
