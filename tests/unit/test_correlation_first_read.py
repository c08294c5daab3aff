"""A fresh worker (or one after a rebalance) reads its partitions one after another: the
sensor partitions may run minutes ahead before the health partition delivers at all. The
worker says which assigned partitions it has not read yet; the clock waits for them, so
the alerts are those of the stream read interleaved."""

from __future__ import annotations

import pytest

from stream.correlation.engine import Correlator
from stream.correlation.evidence import Evidence, Heartbeat
from stream.correlation.inventory import Inventory
from tests.unit.test_correlation_determinism import FENCES, Item, recorded, reference


def source(it: Item) -> str:
    return f"{it.topic}:{it.partition}"


def partition_by_partition(name: str, tell: bool) -> tuple[list[tuple[object, ...]], int]:
    """Every sensor partition first (in batches of 50), the health partitions last; with
    ``tell`` each batch says which assigned partitions have not delivered yet. What every
    alert message said, and how many reports went to late-events."""
    items, end, sensors = recorded(name)
    order = sorted({source(i) for i in items}, key=lambda s: ("health" in s, s))
    by_source = {s: [i for i in items if source(i) == s] for s in order}
    cor = Correlator(FENCES, inventory=Inventory(sites=sensors))
    alerts, late, now = [], 0, end + 1.0
    for k, s in enumerate(order):
        unread = set(order[k + 1:]) if tell else set()
        part = by_source[s]
        for b in range(0, len(part), 50):
            now += 0.01
            batch = part[b:b + 50]
            res = cor.process([i for i in batch if isinstance(i, Evidence)], now=now,
                              health=[i for i in batch if isinstance(i, Heartbeat)],
                              unread=unread)
            alerts += res.alerts
            late += len(res.late)
    alerts += cor.tick(now + cor.policies.lateness.idle_s).alerts
    rows = [(a.id, a.revision, a.state, a.severity, a.cls, a.sector, a.rule, a.zone_id,
             round(a.lon, 6), round(a.lat, 6), a.heading_deg) for a in alerts]
    return rows, late


@pytest.mark.parametrize("name", ["tamper-gap", "five-on-foot"])
def test_the_health_partition_read_last_gives_the_alerts_of_the_interleaved_stream(
    name: str,
) -> None:
    rows, late = partition_by_partition(name, tell=True)
    assert late == 0
    assert rows == reference(name)


def test_without_knowing_the_unread_partitions_the_tamper_report_comes_too_late() -> None:
    """What the worker saw before it told the clock about its assignment."""
    rows, late = partition_by_partition("tamper-gap", tell=False)
    assert late > 0 or rows != reference("tamper-gap")
    assert "tamper" in {r[6] for r in reference("tamper-gap")}
