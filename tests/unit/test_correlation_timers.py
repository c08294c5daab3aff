"""The timer heap fires exactly what a scan of every incident's deadlines would, at every
step of recorded scenarios cut into batches (it only reschedules the incidents the
correlator marked as changed)."""

from __future__ import annotations

import math
import random
from collections.abc import Mapping

import pytest

from stream.correlation.engine import Correlator
from stream.correlation.evidence import Evidence, Heartbeat
from stream.correlation.incidents import Incident
from stream.correlation.inventory import Inventory
from stream.correlation.timers import Timers
from tests.unit.test_correlation_determinism import FENCES, cut, recorded


class Checked(Timers):
    """Asserts that every answer of the heap is the full scan's."""

    calls = 0

    def _all(self, incidents: Mapping[str, Incident], step: float) -> dict[str, set[float]]:
        return {i: {math.ceil(d / step) * step for d in self.deadlines(inc)}
                for i, inc in incidents.items()}

    def next_due(self, incidents: Mapping[str, Incident], after: float,
                 step: float) -> float | None:
        got = super().next_due(incidents, after, step)
        scan = [b for bs in self._all(incidents, step).values() for b in bs if b > after]
        assert got == min(scan, default=None)
        Checked.calls += 1
        return got

    def due(self, incidents: Mapping[str, Incident], after: float, now: float,
            step: float) -> list[str]:
        got = super().due(incidents, after, now, step)
        scan = sorted(i for i, bs in self._all(incidents, step).items()
                      if any(after < b <= now for b in bs))
        assert got == scan
        return got


@pytest.mark.parametrize("name", ["tamper-gap", "five-on-foot", "sensor-faults",
                                  "vehicle-drive-through"])
def test_the_heap_fires_what_a_scan_of_every_incident_would(name: str) -> None:
    items, end, sensors = recorded(name)
    cor = Correlator(FENCES, inventory=Inventory(sites=sensors))
    cor.timers = Checked(cor.policies)
    cor.store.dirty = cor.timers.changes()
    Checked.calls = 0
    now = end + 1.0
    for b in cut(list(items), random.Random(5), 300):
        now += 0.01
        cor.process([i for i in b if isinstance(i, Evidence)], now=now,
                    health=[i for i in b if isinstance(i, Heartbeat)])
    cor.tick(now + cor.policies.lateness.idle_s)
    cor.tick(now + 3600.0)  # nothing new: clears and forgets as event time stands still
    assert Checked.calls > 100


def test_a_restored_correlator_keeps_its_timers() -> None:
    items, end, sensors = recorded("tamper-gap")
    half = len(items) // 2
    first = Correlator(FENCES, inventory=Inventory(sites=sensors))
    first.process([i for i in items[:half] if isinstance(i, Evidence)], now=end + 1,
                  health=[i for i in items[:half] if isinstance(i, Heartbeat)])
    second = Correlator(FENCES, inventory=Inventory(sites=sensors))
    second.timers = Checked(second.policies)
    second.store.dirty = second.timers.changes()
    second.restore(first.state())
    rest = items[half:]
    second.process([i for i in rest if isinstance(i, Evidence)], now=end + 2,
                   health=[i for i in rest if isinstance(i, Heartbeat)])
    second.tick(end + 2 + second.policies.lateness.idle_s)
