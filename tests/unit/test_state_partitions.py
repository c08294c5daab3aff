"""The correlator's state goes with its placed partition: a worker that holds fewer
partitions after a rebalance restores exactly the incidents, sensors and clocks of those
it holds, and correlates on as the worker before it would have.

No Kafka: two crossings far apart along the boundary (different stretches, hence different
placed partitions) are routed as the route agent routes them; the keys each batch changed
are written as the ingest agent writes them (:mod:`stream.state_partitions`) into a table
that remembers each key's partition."""

from __future__ import annotations

from typing import Any

import orjson
from prometheus_client import CollectorRegistry

from geofences.index import GeofenceSet
from stream import state_partitions
from stream.batch import BatchResult, RawMessage
from stream.correlation import state_codec
from stream.metrics import Metrics
from stream.partitioned import Partitioned
from stream.settings import Settings

SETTINGS = Settings(topic_prefix="bw", partitions=4)
FENCES = GeofenceSet.load_bundled()
T0 = 1_800_000_000.0
FAR_M, NEAR_M = 5_000.0, 25_000.0  # stretches 0 and 2 of 10 km: partitions 0 and 2


def _group() -> Partitioned:
    return Partitioned(SETTINGS, FENCES, Metrics(registry=CollectorRegistry()))


def _message(offset: int, along_m: float, t: float) -> RawMessage:
    """Two strip sensors at ``along_m`` saying "person" at ``t``."""
    frame = FENCES.frame
    reports = []
    for k in range(2):
        lon, lat = frame.to_wgs84(*frame.point(along_m + 30.0 * k, 11.0))
        reports.append({"v": 1, "sensor_id": f"s-{int(along_m)}-{k}", "seq": offset,
                        "kind": "seismic", "ts": t, "lon": round(float(lon), 7),
                        "lat": round(float(lat), 7), "strength": 0.9, "signature": "person"})
    value = orjson.dumps({"v": 1, "source": "gw", "reports": reports})
    return RawMessage(SETTINGS.topic("sensors.ground"), 0, offset, b"gw", value)


def _write(results: dict[int, BatchResult], table: dict[str, tuple[int, bytes]]) -> None:
    """Write each partition's changes into ``table`` as the worker does."""
    writes = {p: state_codec.encode_changes(r.changed, 1 << 20)[0] for p, r in results.items()}
    keys, homes = state_partitions.placed(writes)
    for k, v in keys.items():
        if v is None:
            table.pop(k, None)
        else:
            table[k] = (homes[k], v)


def _alerts(results: dict[int, Any]) -> list[tuple[str, str]]:
    return [(a.id, a.state.value) for r in results.values() for a in r.alerts]


def test_a_worker_given_one_partition_restores_its_incidents_and_nothing_else() -> None:
    first, table = _group(), {}
    parts = {first.places.owner_xy(*FENCES.frame.point(m, 11.0)) for m in (FAR_M, NEAR_M)}
    assert len(parts) == 2, "the two crossings must lie on different placed partitions"
    near = first.places.owner_xy(*FENCES.frame.point(NEAR_M, 11.0))
    for i in range(3):
        t = T0 + 5.0 * i
        _write(first.process([_message(2 * i, FAR_M, t), _message(2 * i + 1, NEAR_M, t)], t),
               table)
    _write(first.process([], T0 + 60.0), table)
    holding = {p for p, pipe in first.pipes.items() if pipe.correlator.incidents}
    assert holding == parts
    assert {state_partitions.partition_of(k) for k in table} <= set(range(4))

    second = _group()
    second.hold([near])
    for p, pipe in second.pipes.items():
        kept = state_partitions.of_partition({k: v for k, (_, v) in table.items()}, p)
        pipe.restore({k: orjson.loads(v) for k, v in kept.items()})
    restored = second.pipes[near].correlator
    assert sorted(restored.incidents) == sorted(first.pipes[near].correlator.incidents)
    assert restored.sites and all(n.startswith(f"s-{int(NEAR_M)}") for n in restored.sites)
    assert set(restored.clock.sources) == set(first.pipes[near].correlator.clock.sources)

    # both go on alike: the same alerts of that partition from here on
    later = [_message(100 + i, NEAR_M, T0 + 900.0 + 5 * i) for i in range(3)]
    ahead = [first.process([m], T0 + 900.0 + 5 * i) for i, m in enumerate(later)]
    again = [second.process_placed({near: second.split([m], T0 + 900.0 + 5 * i)[0][near]},
                                   T0 + 900.0 + 5 * i)
             for i, m in enumerate(later)]
    assert [_alerts({near: r[near]}) for r in ahead] == [_alerts(r) for r in again]


def test_a_report_near_a_stretch_end_is_correlated_on_both_sides_and_alerted_once() -> None:
    group = _group()
    edge = SETTINGS.place_cell_m * 2 - 200.0  # 200 m before the end of stretch 1
    out: list[Any] = []
    for i in range(6):
        t = T0 + 10.0 * i
        res = group.process([_message(i, edge + 20.0 * i, t)], t)
        out += [(p, a.id) for p, r in res.items() for a in r.alerts]
    res = group.process([], T0 + 1_000.0)
    out += [(p, a.id) for p, r in res.items() for a in r.alerts]
    seeing = {p for p, pipe in group.pipes.items() if pipe.correlator.incidents}
    assert seeing == {1, 2}
    assert out and {p for p, _ in out} == {1}  # the owner's stretch holds the first report
