"""Zone events through the broker and a worker: a person walking north across the line."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from geofences.index import GeofenceSet
from geofences.stretches.nogales_sasabe import PARALLEL_LAT
from stream.cli.processes import stop_process
from stream.models import ZoneEvent
from stream.settings import Settings
from tests.conftest import run_cli, start_worker
from tests.kafka_helpers import consume, produce

pytestmark = pytest.mark.integration

LINE_LAT = PARALLEL_LAT  # the boundary at 111°W
M_PER_DEG = 110_900.0  # metres per degree of latitude here


@pytest.fixture
def short_dwell(topics: Settings, tmp_path: Path) -> Iterator[Settings]:
    """A worker that reports a dwell after 30 s in a zone."""
    settings = topics.model_copy(update={"zone_dwell_s": 30.0})
    proc = start_worker(settings, tmp_path / "worker.log")
    yield settings
    stop_process("worker", proc)


def test_walk_across_the_line_enters_exits_and_dwells(short_dwell: Settings) -> None:
    settings = short_dwell
    # one camera follows a person from 120 m south to 120 m north of the line at 111°W,
    # 3 m every 2 s, ending 10 s ago (one key: the worker sees it in order, in any batches)
    t0 = time.time() - 170
    walk = [
        {"v": 1, "camera_id": "cam-1", "seq": i, "ts": round(t0 + 2 * i, 3), "lon": -111.0,
         "lat": LINE_LAT + (-120 + 3 * i) / M_PER_DEG, "cls": "person", "confidence": 0.95}
        for i in range(81)
    ]
    produce(settings, settings.topic("sensors.camera"),
            [(b"cam-1", orjson.dumps(d)) for d in walk])
    events = [ZoneEvent.model_validate_json(v) for _, v in
              consume(settings, settings.topic("zone-events"), expect=7, timeout=60)]
    got = [(e.kind, e.zone_id) for e in events]
    assert sorted(got) == sorted([
        ("enter", "strip-nog-sas"), ("enter", "buffer-1km"), ("enter", "buffer-3km"),
        ("enter", "sector-nogales"), ("exit", "strip-nog-sas"), ("dwell", "buffer-1km"),
        ("dwell", "buffer-3km"),
    ]), got
    assert got.index(("enter", "strip-nog-sas")) < got.index(("exit", "strip-nog-sas"))
    north = {(e.kind, e.zone_id): (e.lat - LINE_LAT) * M_PER_DEG for e in events}
    assert -1 <= north["enter", "strip-nog-sas"] <= 10  # at the line
    assert north["exit", "strip-nog-sas"] > 18.288 + 25  # beyond strip and hysteresis band
    assert len({e.alert_id for e in events}) == 1
    assert {e.geofence_version for e in events} == {GeofenceSet.load_bundled().version}
    assert {e.sector for e in events} == {"nogales"}

    shown = run_cli(settings, "geofences", "events", "--from-beginning", "--json",
                    "--timeout", "3", "--sector", "nogales").stdout.splitlines()
    assert [ZoneEvent.model_validate_json(line) for line in shown] == events
