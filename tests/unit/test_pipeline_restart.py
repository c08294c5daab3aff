"""A worker killed in the middle of the five-person crossing and restarted from the state
keys it wrote resumes its incidents: the same alert ids as a worker that never stopped.

No Kafka: the scenario's messages go through :class:`Pipeline` in batches, the way the
worker mirrors ``changed`` keys into its table (orjson bytes, only the keys that changed)
and restores them; the restarted worker also gets the last batches again (offsets not yet
committed when it died)."""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from prometheus_client import CollectorRegistry

from geofences.index import GeofenceSet
from simulators.messages import Emission
from simulators.scenario import load_scenario
from simulators.world import World
from stream.batch import BatchResult, RawMessage
from stream.correlation import state_codec
from stream.metrics import Metrics
from stream.models import Alert, Severity
from stream.pipeline import Pipeline
from stream.settings import Settings

START = 1_800_000_000.0
SETTINGS = Settings(topic_prefix="bw")
FENCES = GeofenceSet.load_bundled()
BATCH = 40  # messages per batch
REDELIVERED = 3  # batches the restarted worker reads again
PAUSE_S = 15.0  # processing time the restart takes


def pipeline() -> Pipeline:
    return Pipeline(SETTINGS, FENCES, Metrics(registry=CollectorRegistry()))


def batches(emissions: list[Emission], first_offset: int) -> Iterator[list[RawMessage]]:
    """Messages as a worker fetches them: two partitions per topic (by key), in order."""
    msgs = [RawMessage(SETTINGS.topic(e.topic), zlib.crc32(e.key.encode()) % 2,
                       first_offset + n, e.key.encode(), e.value)
            for n, e in enumerate(emissions)]
    for i in range(0, len(msgs), BATCH):
        yield msgs[i:i + BATCH]


class Worker:
    """A pipeline, its processing clock, and the state table it writes (key -> bytes)."""

    def __init__(self, table: dict[str, bytes], now: float) -> None:
        self.pipeline = pipeline()
        self.table = table
        self.now = now
        self.alerts: list[Alert] = []
        if table:
            self.pipeline.restore({k: orjson.loads(v) for k, v in table.items()})

    def feed(self, batch: list[RawMessage]) -> None:
        self.now += 0.05
        for result in (self.pipeline.process(batch, now=self.now),
                       self.pipeline.tick(self.now)):
            self.alerts += result.alerts
            self.write(result)

    def write(self, result: BatchResult) -> None:
        for key, value in result.changed.items():
            if value is None:
                self.table.pop(key, None)
            else:
                self.table[key] = state_codec.dumps(value)

    def settle(self) -> None:
        """The worker's timer ticks after the replay, 2 s apart."""
        for _ in range(30):
            self.now += 2.0
            result = self.pipeline.tick(self.now)
            self.alerts += result.alerts
            self.write(result)


@pytest.fixture(scope="module")
def crossing() -> tuple[list[Emission], list[Emission]]:
    """Five-on-foot split 30 s after the group's true crossing (as the live test does)."""
    world = World(load_scenario("five-on-foot"), start=START)
    emissions = list(world.run())
    (group,) = [r for r in world.truth_records()
                if r.get("type") == "actor" and r.get("intrusion")]
    split = group["crossing"]["ts"] + 30
    first = [e for e in emissions if e.ts <= split]
    rest = [e for e in emissions if e.ts > split]
    assert first and rest
    return first, rest


def run_start(crossing: tuple[list[Emission], list[Emission]]) -> float:
    """The replay runs after the scenario happened (``simulate --fast`` places it so)."""
    return max(e.ts for e in crossing[0] + crossing[1]) + 1.0


def ids(alerts: list[Alert], min_severity: Severity = Severity.LOW) -> set[str]:
    return {a.id for a in alerts if Severity(a.severity).rank >= min_severity.rank}


def test_restart_mid_crossing_keeps_the_same_alert_ids(
    crossing: tuple[list[Emission], list[Emission]],
) -> None:
    first, rest = crossing
    head = list(batches(first, 0))
    tail = list(batches(rest, len(first)))

    steady = Worker({}, run_start(crossing))
    for b in head:
        steady.feed(b)
    steady.now += PAUSE_S
    for b in head[-REDELIVERED:] + tail:
        steady.feed(b)
    steady.settle()

    table: dict[str, bytes] = {}
    killed = Worker(table, run_start(crossing))
    for b in head:
        killed.feed(b)
    before = ids(killed.alerts, Severity.MEDIUM)
    assert before, "the crossing alerts before the kill"
    restarted = Worker(table, killed.now + PAUSE_S)
    for b in head[-REDELIVERED:] + tail:
        restarted.feed(b)
    restarted.settle()

    assert ids(restarted.alerts, Severity.MEDIUM) == before
    assert ids(killed.alerts + restarted.alerts) == ids(steady.alerts)
    assert [a.id for a in restarted.alerts if a.state.value == "new"] == [
        a.id for a in steady.alerts[len(killed.alerts):] if a.state.value == "new"]


def first_half_and_restart(
    crossing: tuple[list[Emission], list[Emission]],
) -> tuple[Worker, Worker]:
    """A worker fed the first half of the crossing, and one restarted from its table."""
    table: dict[str, bytes] = {}
    worker = Worker(table, run_start(crossing))
    for b in batches(crossing[0], 0):
        worker.feed(b)
    return worker, Worker(table, worker.now)


def test_restored_state_round_trips_unchanged(
    crossing: tuple[list[Emission], list[Emission]],
) -> None:
    """Restoring the written keys gives back the very state that wrote them."""
    worker, again = first_half_and_restart(crossing)
    table = worker.table
    state: dict[str, Any] = orjson.loads(state_codec.dumps(worker.pipeline.correlator.state()))
    assert orjson.loads(state_codec.dumps(again.pipeline.correlator.state())) == state
    cams = {f"cam:{c}" for c in worker.pipeline.cameras}
    assert cams, "cameras announce their sites in heartbeats"
    tracked = worker.pipeline.zones.objects  # zone stays of tracked alerts
    assert set(table) == set(state) | cams | {f"zon:{o}" for o in tracked}
    assert {o: again.pipeline.zones.state(o) for o in tracked} == {
        o: worker.pipeline.zones.state(o) for o in tracked}


def test_restarted_pipeline_knows_the_cameras_before_their_next_heartbeat(
    crossing: tuple[list[Emission], list[Emission]],
) -> None:
    worker, again = first_half_and_restart(crossing)
    assert again.pipeline.cameras == worker.pipeline.cameras
    assert set(again.pipeline.correlator.cameras.sites) == set(worker.pipeline.cameras.values())
