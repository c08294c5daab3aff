"""The benchmarks' reading of a worker's /metrics: the batch cycle between two scrapes."""

from __future__ import annotations

import doctest

from prometheus_client import CollectorRegistry, generate_latest

from benchmarks import worker_metrics
from stream.metrics import Metrics


def test_the_module_examples_hold() -> None:
    result = doctest.testmod(worker_metrics)
    assert result.attempted > 0 and result.failed == 0


def test_cycle_from_the_worker_s_own_metrics() -> None:
    m = Metrics(CollectorRegistry())
    for seconds in (0.5, 1.5):
        m.batch_seconds.labels(phase="process").observe(seconds)
        m.batch_seconds.labels(phase="send").observe(seconds / 5)
    before = worker_metrics.phases_of(generate_latest(m.registry).decode())
    m.batch_seconds.labels(phase="process").observe(2.0)
    m.batch_seconds.labels(phase="send").observe(0.4)
    after = worker_metrics.phases_of(generate_latest(m.registry).decode())
    assert after == {"process": (4.0, 3.0), "send": (0.8, 3.0)}
    assert worker_metrics.cycle(before, after) == {"process": (2.0, 1), "send": (0.4, 1)}
