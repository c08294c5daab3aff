"""The memory benchmark's load, small: one open incident per target, every sensor known."""

from __future__ import annotations

from benchmarks import memory
from geofences.index import GeofenceSet
from stream.correlation.engine import Correlator
from stream.correlation.incidents import IncidentKind


def test_each_target_is_one_open_incident_and_every_sensor_is_known() -> None:
    fences = GeofenceSet.load_bundled()
    load = memory.synthesize(fences.frame, sensors=500, incidents=50)
    cor = Correlator(fences)
    for idx in memory.batches(load.beat_ts, 200):
        memory.feed_beats(cor, load, idx)
    memory.settle(cor)
    assert memory.held(cor) == (0, 500, 500)
    for idx in memory.batches(load.hit_ts, 200):
        memory.feed_hits(cor, load, idx)
    memory.settle(cor)

    assert memory.held(cor) == (50, 500, 500)
    incs = list(cor.incidents.values())
    assert all(i.kind == IncidentKind.DETECTION for i in incs)
    # each walker's ten sensors, all in its own incident: none merged, none split
    assert sorted(len(i.sensor_hits) for i in incs) == [10] * 50
    assert {s for i in incs for s in i.sensor_hits} == {f"s-{j}" for j in range(500)}
    assert all(i.track for i in incs)  # each walker's line is a track
    size = memory.state_bytes(cor)
    assert size["inc"] > 0 and size["site"] > 0 and size["flt"] > 0
