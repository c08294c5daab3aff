"""Zone events of tracked alerts: a person walking north from the strip, through a zone."""

from __future__ import annotations

from typing import Any

import orjson
import shapely
from prometheus_client import CollectorRegistry

from geofences.index import GeofenceSet, Zone
from geofences.stretches.nogales_sasabe import PARALLEL_LAT
from stream.batch import RawMessage
from stream.correlation import state_codec
from stream.metrics import Metrics
from stream.models import ZoneEvent
from stream.pipeline import Pipeline
from stream.settings import Settings

TS = 1_800_000_000.0
S = Settings(topic_prefix="bw", zone_hysteresis_m=25.0, zone_dwell_s=300.0)
LINE_LAT = PARALLEL_LAT  # the boundary at 111°W
M_PER_DEG = 110_900.0  # metres per degree of latitude here
#: a closed area 400-700 m north of the line at 111°W
CLOSED = Zone("closed-test", "test closed area", "restricted",
              shapely.box(-111.005, LINE_LAT + 400 / M_PER_DEG, -110.995,
                          LINE_LAT + 700 / M_PER_DEG))


def walk(p: Pipeline, metres_north: list[float], start: int = 0,
         state: dict[str, Any] | None = None) -> list[ZoneEvent]:
    """A camera sees one person every 20 s at these distances north of the line; the
    state the pipeline hands out is collected in ``state``."""
    events = []
    for i, north in enumerate(metres_north, start):
        ts = TS + 20 * i
        det = {"v": 1, "camera_id": "cam-1", "seq": i, "ts": ts, "lon": -111.0,
               "lat": LINE_LAT + north / M_PER_DEG, "cls": "person", "confidence": 0.95}
        out = p.process([RawMessage("bw.sensors.camera", 0, i, b"cam-1", orjson.dumps(det))],
                        now=ts + 0.5)
        events.extend(out.zone_events)
        if state is not None:
            state.update(out.changed)
    return events


def pipeline() -> tuple[Pipeline, CollectorRegistry]:
    bundled = GeofenceSet.load_bundled()
    fences = GeofenceSet.from_zones("with-closed", [*bundled.zones, CLOSED],
                                    boundary=bundled.boundary)
    reg = CollectorRegistry()
    return Pipeline(S, fences, Metrics(registry=reg)), reg


NORTHWARD = [-300.0 + 30.0 * i for i in range(41)]  # 300 m south .. 900 m north, 800 s


def test_walking_north_across_the_line_enters_exits_and_dwells() -> None:
    p, reg = pipeline()
    events = walk(p, NORTHWARD)
    got = [(e.kind, e.zone_id) for e in events]
    # tracked from south of the line (an approach alert), so crossing it enters the zones
    assert {("enter", z) for z in ("strip-nog-sas", "buffer-1km", "sector-nogales")} <= set(got)
    assert got.index(("enter", "strip-nog-sas")) < got.index(("exit", "strip-nog-sas"))
    assert got.index(("exit", "strip-nog-sas")) < got.index(("enter", "closed-test"))
    assert got.index(("enter", "closed-test")) < got.index(("exit", "closed-test"))
    assert ("dwell", "buffer-1km") in got and ("dwell", "buffer-3km") in got
    assert not any(kind == "dwell" and zone.startswith("sector-") for kind, zone in got)
    assert len(got) == len(set(got))  # each transition once
    alert_ids = {e.alert_id for e in events}
    assert len(alert_ids) == 1 and all(e.geofence_version == "with-closed" for e in events)
    enter = next(e for e in events if e.kind == "enter" and e.zone_id == "closed-test")
    assert 400 <= (enter.lat - LINE_LAT) * M_PER_DEG <= 430
    exit_ = next(e for e in events if e.kind == "exit" and e.zone_id == "closed-test")
    assert (exit_.lat - LINE_LAT) * M_PER_DEG > 700 + 25  # only beyond the hysteresis band
    assert exit_.since == enter.ts and exit_.zone_type == "restricted"
    count = reg.get_sample_value
    assert count("borderwatch_zone_events_total", {"kind": "enter", "zone_type": "restricted"}) == 1


def test_first_sight_inside_zones_gives_no_enter() -> None:
    p, _ = pipeline()
    events = walk(p, [5.0 + 30.0 * i for i in range(31)])  # tracked from ~150 m north
    got = [(e.kind, e.zone_id) for e in events]
    assert not any(kind == "enter" and zone != "closed-test" for kind, zone in got), got
    assert ("enter", "closed-test") in got and ("dwell", "buffer-1km") in got


def test_zone_events_name_the_patrol_sector_where_they_happen() -> None:
    p, _ = pipeline()
    events = walk(p, NORTHWARD)
    assert events and {e.sector for e in events} == {"nogales"}  # 111°W is east of 111°15'W


def test_a_restarted_worker_carries_on_without_repeating_or_missing_events() -> None:
    whole, _ = pipeline()
    expected = walk(whole, NORTHWARD)
    first, _ = pipeline()
    state: dict[str, Any] = {}
    before = walk(first, NORTHWARD[:22], state=state)  # ~360 m north: inside buffers
    assert any(k.startswith("zon:") for k in state)
    second, _ = pipeline()
    second.restore(orjson.loads(state_codec.dumps(state)))  # as JSON, like the changelog
    after = walk(second, NORTHWARD[22:], start=22)
    assert before and after
    assert [(e.kind, e.zone_id, e.ts, e.since) for e in before + after] == [
        (e.kind, e.zone_id, e.ts, e.since) for e in expected
    ]
