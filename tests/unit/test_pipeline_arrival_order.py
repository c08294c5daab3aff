"""A batch gives what its messages give one at a time: each message is judged at the time
it arrived (its timestamp), so even reports far beyond the clock's hold — a gateway's
five-minute upload in the bundled ``sensor-faults`` scenario, judged here with two minutes
of allowed lateness — are late or not whatever batches the stream was cut into."""

from __future__ import annotations

import random
from functools import cache

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry

from geofences.index import GeofenceSet
from simulators.scenario import load_scenario
from simulators.world import World
from stream.batch import RawMessage
from stream.correlation.inventory import Inventory
from stream.correlation.policies import Policies
from stream.evaluation.runner import worker_feed
from stream.metrics import Metrics
from stream.pipeline import Pipeline
from stream.settings import Settings

FENCES = GeofenceSet.load_bundled()
_BUNDLED = Policies.bundled()
#: the bundled policies with less allowed lateness than the upload's delay: part of it is late
POLICIES = _BUNDLED.model_copy(
    update={"lateness": _BUNDLED.lateness.model_copy(update={"allowed_s": 120.0})})
START = 1_800_000_000.0
Feed = tuple[tuple[float, RawMessage], ...]


@cache
def recorded() -> tuple[Feed, dict[str, tuple[float, float]]]:
    world = World(load_scenario("sensor-faults"), start=START)
    feed = tuple(worker_feed(Settings(), world.run(), START, after_s=200.0))
    sensors = Inventory.from_records(world.truth_records()).sites
    return feed, sensors


def replay(batches: list[list[tuple[float, RawMessage]]]) -> tuple[list[object], list[str]]:
    """Every alert message (what it said) and every late report's event id."""
    sensors = recorded()[1]
    pipe = Pipeline(Settings(), FENCES, Metrics(CollectorRegistry()), POLICIES,
                    inventory=Inventory(sites=sensors))
    alerts: list[object] = []
    late: list[str] = []
    for b in batches:
        out = pipe.process([m for _, m in b], now=max(ts for ts, _ in b))
        alerts += [(a.id, a.revision, a.state, a.severity, a.cls, a.sector, round(a.lon, 6),
                    round(a.lat, 6)) for a in out.alerts]
        late += [e.event_id for e in out.late]
    return alerts, late


@cache
def one_at_a_time() -> tuple[list[object], list[str]]:
    return replay([[m] for m in recorded()[0]])


def test_the_upload_is_partly_late_one_message_at_a_time() -> None:
    """The reference is worth comparing: it alerts, and part of the upload is late."""
    alerts, late = one_at_a_time()
    assert alerts and late


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**32 - 1), st.sampled_from([7, 100, 5000]))
def test_any_batch_cut_gives_the_same_alerts_and_late_reports(seed: int, largest: int) -> None:
    feed, rng, batches, i = recorded()[0], random.Random(seed), [], 0
    while i < len(feed):
        n = rng.randint(1, largest)
        batches.append(list(feed[i:i + n]))
        i += n
    assert replay(batches) == one_at_a_time()
