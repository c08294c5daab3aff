"""Workers in one consumer group share the correlation: 1, 2 and 3 workers take the same
gateway-keyed backlog (the pipeline benchmark's load, with crossings) and raise the same
alerts, and together hold the correlation state once (each the keys of the changelog
partitions it owns, no standby copies of the others')."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from benchmarks import scale
from benchmarks.scale_load import keyed_backlog
from benchmarks.stormy_night import Load
from stream.broker import EmbeddedBroker

pytestmark = pytest.mark.integration

REPORTS = 20_000
RATE = 10_000.0


def test_one_two_and_three_workers_raise_the_same_alerts_and_hold_the_state_once(
        broker: EmbeddedBroker, tmp_path: Path) -> None:
    start = float(int(time.time() - REPORTS / RATE - 60))
    messages = keyed_backlog(Load(500, 1000, 5000), "gateway", REPORTS, RATE, start, 1, 16)
    rows = [scale.run_row(n, broker, tmp_path, 6, messages, REPORTS, 0.0, 300.0)
            for n in (1, 2, 3)]
    one = rows[0]
    assert len(one.alerts) >= 4  # the backlog's crossings, at least
    for row in rows[1:]:
        assert scale.differences(one.alerts, row.alerts) == [], row.workers
        assert all(k > 0 for k in row.state_keys)
        # a few keys every worker writes for itself (its meta, sites it heard) are in each
        assert sum(row.state_keys) <= 1.1 * one.state_keys[0], row.state_keys
