"""Event-time deadlines of incidents and their alerts: when the correlator must look at an
incident again although no report came (confirmation wait over, escalation, idle clear,
a held-back update, closing a quiet incident, forgetting a closed one).

A deadline fires at the first step boundary at or after it (``ceil(deadline / step)``), so
the same stream fires the same timers at the same moments however it was batched.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping

from stream.correlation.incidents import Incident
from stream.correlation.policies import Policies


class Timers:
    def __init__(self, policies: Policies) -> None:
        self.policies = policies

    def deadlines(self, inc: Incident) -> Iterator[float]:
        pol = self.policies
        if not inc.open:
            yield (inc.closed_ts or 0.0) + pol.incident.retain_s
            return
        rec = inc.alert
        if inc.kind == "fault":  # no escalation or idle clear: it clears when it recovers
            if inc.fault in ("chattering", "stuck"):
                yield inc.last_ts + pol.faults.recover_s
            return
        if rec is not None:
            yield inc.last_ts + pol.lifecycle.clear_idle_s
            if not rec["escalated"] and rec.get("ack") is None:
                yield rec["raised_ts"] + pol.lifecycle.escalate_unacked_s
            if rec.get("pending"):
                yield rec["sent_ts"] + pol.lifecycle.update_interval_s
            return
        if inc.kind == "detection":
            if inc.armed_event_ts is not None:
                yield inc.armed_event_ts + pol.lifecycle.confirm_s
            yield inc.last_ts + pol.incident.window_s

    def next_due(self, incidents: Mapping[str, Incident], after: float,
                 step: float) -> float | None:
        """The first step boundary after ``after`` at which a timer fires."""
        best: float | None = None
        for inc in incidents.values():
            for d in self.deadlines(inc):
                b = math.ceil(d / step) * step
                if b > after and (best is None or b < best):
                    best = b
        return best

    def due(self, incidents: Mapping[str, Incident], after: float, now: float,
            step: float) -> list[str]:
        """Incidents with a deadline firing in ``(after, now]``, in id order."""
        return sorted(i for i, inc in incidents.items()
                      if any(after < math.ceil(d / step) * step <= now
                             for d in self.deadlines(inc)))
