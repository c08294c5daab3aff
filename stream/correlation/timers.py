"""Event-time deadlines of incidents and their alerts: when the correlator must look at an
incident again although no report came (confirmation wait over, escalation, idle clear,
a held-back update, closing a quiet incident, forgetting a closed one).

A deadline fires at the first step boundary at or after it (``ceil(deadline / step)``), so
the same stream fires the same timers at the same moments however it was batched.

The boundaries wait in a heap: the correlator says which incidents changed
(:meth:`Timers.touch`; every id it marks for the state table) and only those are
rescheduled, so a step costs what changed, not every open incident. A boundary an incident
no longer has stays in the heap until it comes up and is skipped (lazy deletion).
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable, Iterator, Mapping

from stream.correlation.incidents import Incident
from stream.correlation.policies import Policies


class Timers:
    def __init__(self, policies: Policies) -> None:
        self.policies = policies
        self._heap: list[tuple[float, str]] = []
        #: incident id -> the boundaries it has now (those in the heap that still count)
        self._at: dict[str, frozenset[float]] = {}
        self._stale: set[str] = set()

    def touch(self, inc_ids: Iterable[str]) -> None:
        """These incidents changed (or appeared, or went): reschedule them."""
        self._stale.update(inc_ids)

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
        if rec is not None and not rec.open:  # a herd's, cleared: closes once quiet
            yield inc.last_ts + pol.incident.window_s
            return
        if rec is not None:
            yield inc.last_ts + rec.idle_s(pol.lifecycle.clear_idle_s, inc.last_ts)
            if not rec.escalated and rec.ack is None:
                yield rec.raised_ts + pol.lifecycle.escalate_unacked_s
            if rec.pending:
                yield rec.sent_ts + pol.lifecycle.update_interval_s
            return
        if inc.kind == "detection":
            if inc.armed_event_ts is not None:
                yield inc.armed_event_ts + pol.lifecycle.confirm_s
            yield inc.last_ts + pol.incident.window_s

    def _refresh(self, incidents: Mapping[str, Incident], step: float) -> None:
        for i in self._stale:
            inc = incidents.get(i)
            now = (frozenset(math.ceil(d / step) * step for d in self.deadlines(inc))
                   if inc is not None else frozenset())
            for b in now - self._at.get(i, frozenset()):
                heapq.heappush(self._heap, (b, i))
            if now:
                self._at[i] = now
            else:
                self._at.pop(i, None)
        self._stale.clear()

    def _live(self, b: float, i: str) -> bool:
        return b in self._at.get(i, ())

    def next_due(self, incidents: Mapping[str, Incident], after: float,
                 step: float) -> float | None:
        """The first step boundary after ``after`` at which a timer fires."""
        self._refresh(incidents, step)
        h = self._heap
        while h:
            b, i = h[0]
            if b > after and self._live(b, i):
                return b
            heapq.heappop(h)  # passed (``after`` only grows) or no longer the incident's
        return None

    def due(self, incidents: Mapping[str, Incident], after: float, now: float,
            step: float) -> list[str]:
        """Incidents with a deadline firing in ``(after, now]``, in id order."""
        self._refresh(incidents, step)
        h = self._heap
        out: set[str] = set()
        while h and h[0][0] <= now:
            b, i = heapq.heappop(h)
            if b > after and self._live(b, i):
                out.add(i)
        return sorted(out)

    def changes(self) -> Changes:
        """A set for the ids of changed incidents that reschedules each one added."""
        return Changes(self)


class Changes(set[str]):
    """Ids of changed incidents (for the state table); each added is rescheduled too."""

    def __init__(self, timers: Timers) -> None:
        super().__init__()
        self.timers = timers

    def add(self, inc_id: str) -> None:
        super().add(inc_id)
        self.timers._stale.add(inc_id)

    def update(self, *ids: Iterable[str]) -> None:
        for it in ids:
            for i in it:
                self.add(i)
