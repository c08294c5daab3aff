"""The correlator's state goes with the sensor partition its evidence came on: a worker
that holds fewer partitions after a rebalance restores exactly the incidents, sensors,
held reports and clocks of those it holds, and correlates them as before.

No Kafka: two crossings far apart arrive on partitions 0 and 1 of the ground topic; the
keys each batch changed are placed as the worker places them
(:mod:`stream.state_partitions`) in a table that remembers each key's partition."""

from __future__ import annotations

from typing import Any

import orjson
from prometheus_client import CollectorRegistry

from geofences.index import GeofenceSet
from stream import state_partitions
from stream.batch import RawMessage
from stream.correlation import state_codec
from stream.metrics import Metrics
from stream.pipeline import Pipeline
from stream.settings import Settings

SETTINGS = Settings(topic_prefix="bw")
FENCES = GeofenceSet.load_bundled()
T0 = 1_800_000_000.0


def _pipeline() -> Pipeline:
    return Pipeline(SETTINGS, FENCES, Metrics(registry=CollectorRegistry()))


def _message(partition: int, offset: int, along_m: float, t: float) -> RawMessage:
    """Two strip sensors at ``along_m`` saying "person" at ``t``."""
    frame = FENCES.frame
    reports = []
    for k in range(2):
        lon, lat = frame.to_wgs84(*frame.point(along_m + 30.0 * k, 11.0))
        reports.append({"v": 1, "sensor_id": f"s-{int(along_m)}-{k}", "seq": offset,
                        "kind": "seismic", "ts": t, "lon": round(float(lon), 7),
                        "lat": round(float(lat), 7), "strength": 0.9, "signature": "person"})
    value = orjson.dumps({"v": 1, "source": f"gw-{partition}", "reports": reports})
    return RawMessage(SETTINGS.topic("sensors.ground"), partition, offset, b"gw", value)


def _place(p: Pipeline, changed: dict[str, Any], held: set[int],
           table: dict[str, tuple[int, bytes]]) -> None:
    """Write ``changed`` into ``table`` as the worker does: key -> (partition, value)."""
    writes, _ = state_codec.encode_changes(
        state_partitions.per_partition_meta(changed, held), 1 << 20)
    homes = state_partitions.homes(writes, p.correlator, p.heard)
    for k, v in writes.items():
        if v is None:
            table.pop(k, None)
        else:
            table[k] = (homes.get(k, table.get(k, (0, b""))[0]), v)


def test_a_worker_given_one_partition_restores_its_incidents_and_nothing_else() -> None:
    first, table = _pipeline(), {}
    held = {0, 1}
    for i in range(3):
        t = T0 + 5.0 * i
        out = first.process([_message(0, i, 5_000.0, t), _message(1, i, 40_000.0, t)], t)
        _place(first, out.changed, held, table)
    out = first.tick(T0 + 60.0)
    _place(first, out.changed, held, table)
    by_partition = {first.correlator.home(i) for i in first.correlator.incidents}
    assert by_partition == {0, 1}
    assert {k for k, (q, _) in table.items() if k.startswith("meta")} == {"meta:0", "meta:1"}

    where = {k: q for k, (q, _) in table.items()}
    kept = state_partitions.held_by({k: v for k, (_, v) in table.items()}, {1}, where)
    second = _pipeline()
    second.restore({k: orjson.loads(v) for k, v in kept.items()})
    assert {second.correlator.home(i) for i in second.correlator.incidents} == {1}
    assert sorted(second.correlator.incidents) == sorted(
        i for i in first.correlator.incidents if first.correlator.home(i) == 1)
    assert set(second.correlator.clock.sources) == {"bw.sensors.ground:1"}
    assert second.correlator.sites and all(n.startswith("s-40000") for n in second.correlator.sites)
