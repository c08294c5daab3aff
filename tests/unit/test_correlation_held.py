"""The held-back buffer's changelog keys stay small however many reports share a step."""

from __future__ import annotations

import orjson

from stream.correlation.evidence import Evidence, Heartbeat
from stream.correlation.held import CHUNK, Held, dump, load
from stream.correlation.seen import digest
from stream.models import CameraDetection, GroundDetection, SensorHealth, SensorKind, TargetClass


def _ev(i: int) -> Evidence:
    r = GroundDetection(sensor_id=f"s-{i % 50}", seq=i, kind=SensorKind.SEISMIC,
                        ts=1_800_000_000.0, lon=-111.0, lat=31.34)
    return Evidence(r, "borderwatch.sensors.ground", 0, i)


def test_a_burst_in_one_step_is_written_in_chunks_and_restores_whole() -> None:
    held = Held()
    for i in range(5 * CHUNK + 3):
        held.add(7, _ev(i))
    first = held.changed()
    assert len(first) == 6
    assert max(len(v) for v in first.values()) == CHUNK
    assert max(len(orjson.dumps(v)) for v in first.values()) < 100_000
    held.add(7, _ev(10_000))  # one more report rewrites only the last chunk
    assert list(held.changed()) == ["buf:7:0:5"]
    again = Held()
    for key, value in held.state().items():
        again.restore(key, value)
    assert sorted(e.offset for e in again.take(8)) == sorted(e.offset for e in held.take(8))
    released = held.changed()
    assert released == {f"buf:7:0:{c}": None for c in range(6)}  # released: keys deleted


def test_a_key_written_before_chunking_is_rewritten_as_chunks() -> None:
    held = Held()
    held.restore("buf:3", [dump(_ev(i)) for i in range(4)])
    out = held.changed()
    assert out["buf:3"] is None and len(out["buf:3:0:0"]) == 4
    assert len(held.take(4)) == 4


def test_a_chunk_holds_one_partitions_reports_and_older_mixed_chunks_are_split() -> None:
    held = Held()
    for i in range(6):
        e = _ev(i)
        held.add(7, Evidence(e.report, e.topic, i % 3, i))
    out = held.changed()
    assert sorted(out) == ["buf:7:0:0", "buf:7:1:0", "buf:7:2:0"]
    assert {d["p"] for d in out["buf:7:1:0"]} == {1}
    mixed = [d for v in out.values() for d in v]
    again = Held()
    again.restore("buf:7:0", mixed)  # as a worker before per-partition chunks wrote it
    rewritten = again.changed()
    assert rewritten.pop("buf:7:0") is None
    assert rewritten == out



def test_a_held_heartbeat_keeps_how_far_its_clock_lay_from_its_gateways() -> None:
    beat = SensorHealth(sensor_id="s-1", seq=1, kind=SensorKind.SEISMIC, ts=1_800_000_000.0,
                        battery=0.9)
    for skew in (0.0, -68.0):
        assert load(dump(Heartbeat(beat, "borderwatch.sensors.health", 2, skew))) == Heartbeat(
            beat, "borderwatch.sensors.health", 2, skew)


def test_a_held_report_is_written_as_its_model_writes_it_and_read_back_whole() -> None:
    beat = SensorHealth(sensor_id="s-1", seq=1, kind=SensorKind.SEISMIC, ts=1_800_000_000.0,
                        battery=0.9, fault=True, lon=-111.0, lat=31.34)
    cam = CameraDetection(camera_id="cam-1", seq=4, ts=1_800_000_001.5, lon=-111.0,
                          lat=31.34, cls=TargetClass.PERSON, confidence=0.7, bearing_deg=12.0)
    items = [_ev(1), Heartbeat(beat, "borderwatch.sensors.health", 2, -68.0),
             Evidence(cam, "borderwatch.sensors.camera", 1, 9), _ev(2),
             Heartbeat(beat, "borderwatch.sensors.health", 2, 0.0)]
    docs = [dump(it) for it in items]
    assert [orjson.loads(orjson.dumps(d["r"])) for d in docs] == [
        it.report.model_dump(mode="json") for it in items]
    assert [load(orjson.loads(orjson.dumps(d))) for d in docs] == items


def test_a_held_report_is_released_as_it_came_and_a_restored_one_as_it_was_saved() -> None:
    held = Held()
    reports = [_ev(i) for i in range(4)]
    for e in reports:
        held.add(7, e)
    held.restore("buf:8:0:0", [dump(_ev(10))])  # as after a restart
    assert held.forget({digest("s-1:1")}) == 1  # an incident already took s-1:1
    out = held.take(9)
    kept = [e for e in out if e.offset < 10]
    assert [e.offset for e in kept] == [0, 2, 3]
    assert all(e is reports[e.offset] for e in kept)  # not decoded again
    assert [e for e in out if e.offset == 10] == [_ev(10)]
    assert len(held) == 0 and held.live == {}


def test_a_report_is_documented_only_if_it_is_still_held_when_the_state_is_written(
        monkeypatch) -> None:
    import stream.correlation.held as held_module
    documented: list[int] = []

    def counting(it: Evidence | Heartbeat) -> dict[str, object]:
        documented.append(it.offset if isinstance(it, Evidence) else -1)
        return dump(it)

    monkeypatch.setattr(held_module, "dump", counting)
    held = Held()
    held.add(7, _ev(1))
    held.add(9, _ev(2))
    assert len(held.take(8)) == 1  # released in the batch that brought it
    out = held.changed()
    assert out == {"buf:7:0:0": None, "buf:9:0:0": [dump(_ev(2))]}
    assert documented == [2]
    assert held.state() == {"buf:9:0:0": [dump(_ev(2))]} and documented == [2]  # once


def test_reports_added_in_runs_are_held_as_added_one_by_one() -> None:
    """:meth:`Held.add_all` (a message's reports at once) keeps what :meth:`Held.add` of
    each keeps: the same chunks, in the same order, across chunk, step and partition
    boundaries, after a restore too."""
    def item(i: int) -> Evidence:
        e = _ev(i)
        ts = 1_800_000_000.0 + (i // 150) * 2.0  # runs of 150 in a step of 2 s
        return Evidence(e.report.model_copy(update={"ts": ts}), e.topic, (i // 40) % 3, i)

    items = [item(i) for i in range(1_000)]
    one, runs = Held(), Held()
    for h in (one, runs):
        h.restore("buf:900000000:1:0", [dump(item(5_000 + k)) for k in range(CHUNK - 7)])
    for it in items:
        one.add(int(it.report.ts // 2.0), it)
    runs.add_all(items, lambda ts: int(ts // 2.0))
    sizes = {k: len(v) for k, v in runs.state().items()}
    assert sizes["buf:900000000:1:0"] == CHUNK  # the restored chunk filled up, no further
    assert max(sizes.values()) == CHUNK and sum(sizes.values()) == 1_000 + CHUNK - 7
    assert runs.changed() == one.changed()
    assert runs.tail == one.tail
    assert [e.offset for e in runs.take(10**10)] == [e.offset for e in one.take(10**10)]
