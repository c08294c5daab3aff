"""Where two runs of the same trial disagree (e.g. live through broker and worker, and pure).

Compared: every correlated alert id with its final state and highest severity, and every
scored figure of both rules, except the naive rule's latencies: its alerts carry the
processing time they were raised at, which in a live replay is not the event time.

>>> from stream.evaluation.scoring import TrialScore
>>> from stream.evaluation.runner import TrialResult
>>> a = TrialResult("foot/0", "foot", 0, 1, "", TrialScore(alert_ids=1), TrialScore(),
...                 [("alr-1", "new", "high")])
>>> b = TrialResult("foot/0", "foot", 0, 1, "", TrialScore(alert_ids=2), TrialScore(),
...                 [("alr-1", "new", "high"), ("alr-2", "new", "medium")])
>>> differences(a, b)
['alert alr-2: - / new medium', 'correlated alert_ids: 1 / 2']
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from stream.evaluation.report import outcome
from stream.evaluation.runner import TrialResult

PROCESSING_TIME = ("latency_first_s", "latency_crossing_s")


def _flat(value: Any, path: str, skip: tuple[str, ...]) -> dict[str, Any]:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            if k not in skip:
                out.update(_flat(v, f"{path} {k}" if path else k, skip))
        return out
    if isinstance(value, list) and value and isinstance(value[0], dict):
        out = {}
        for i, v in enumerate(value):
            name = v.get("actor_id", i)
            out.update(_flat(v, f"{path} {name}", skip))
        return out
    if isinstance(value, list):  # ids: their order is the order alerts happened to come in
        return {path: sorted(value)}
    return {path: round(value, 3) if isinstance(value, float) else value}


def _fmt(v: Any) -> str:
    return "-" if v is None else " ".join(v) if isinstance(v, tuple) else str(v)


def differences(a: TrialResult, b: TrialResult) -> list[str]:
    """One line per difference, ``a`` first: ``what: a's value / b's value``."""
    lines = []
    oa, ob = outcome(a), outcome(b)
    for ident in sorted(oa.keys() | ob.keys()):
        if oa.get(ident) != ob.get(ident):
            lines.append(f"alert {ident}: {_fmt(oa.get(ident))} / {_fmt(ob.get(ident))}")
    for rule, skip in (("correlated", ()), ("naive", PROCESSING_TIME)):
        fa = _flat(asdict(getattr(a, rule)), rule, skip)
        fb = _flat(asdict(getattr(b, rule)), rule, skip)
        for k in sorted(fa.keys() | fb.keys()):
            if fa.get(k) != fb.get(k):
                lines.append(f"{k}: {_fmt(fa.get(k))} / {_fmt(fb.get(k))}")
    return lines
