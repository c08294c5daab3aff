"""Alerts are a function of the event stream alone: recorded bundled scenarios, cut into
random batches and reordered within the clock's hold, give the same alerts as the whole
stream in one batch (ids, states, severities, classes, sectors, positions, rules)."""

from __future__ import annotations

import random
import zlib
from functools import cache

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geofences.index import GeofenceSet
from simulators.scenario import load_scenario
from simulators.world import World
from stream.correlation.engine import Correlator
from stream.correlation.evidence import Evidence, Heartbeat
from stream.correlation.inventory import Inventory
from stream.models import Alert, CameraDetection, GroundDetection, SensorHealth

FENCES = GeofenceSet.load_bundled()
START = 1_800_000_000.0
#: Not sensor-faults: its gateway uploads five minutes of stored reports at once, far beyond
#: the hold; which of them are late is decided per message at its arrival time, which these
#: items do not carry (tests/unit/test_pipeline_arrival_order.py replays its messages).
SCENARIOS = ("crossing", "tamper-gap", "vehicle-drive-through", "five-on-foot")
Item = Evidence | Heartbeat


@cache
def recorded(name: str) -> tuple[tuple[Item, ...], float, dict[str, tuple[float, float]]]:
    """The scenario's reports in the order it sent them (two partitions per topic, by key),
    when it ended, and the sensor sites."""
    world = World(load_scenario(name), start=START)
    items: list[Item] = []
    offset = 0
    for em in world.run():
        part = zlib.crc32(em.key.encode()) % 2
        doc = orjson.loads(em.value)
        for r in doc.get("reports", [doc]):
            offset += 1
            raw = orjson.dumps(r)
            if em.topic.endswith("ground"):
                items.append(Evidence(GroundDetection.model_validate_json(raw), em.topic, part,
                                      offset))
            elif em.topic.endswith("camera"):
                items.append(Evidence(CameraDetection.model_validate_json(raw), em.topic, part,
                                      offset))
            else:
                items.append(Heartbeat(SensorHealth.model_validate_json(raw), em.topic, part))
    sensors = Inventory.from_records(world.truth_records()).sites
    return tuple(items), max(i.report.ts for i in items), sensors


def replay(name: str, batches: list[list[Item]]) -> list[tuple[object, ...]]:
    """Feed the batches the way a worker catching up does (one after another, right after
    the scenario ended), then let the stream go idle; what every alert message said."""
    _, end, sensors = recorded(name)
    cor = Correlator(FENCES, inventory=Inventory(sites=sensors))
    alerts: list[Alert] = []
    now = end + 1.0
    for b in batches:
        now += 0.01
        ev = [i for i in b if isinstance(i, Evidence)]
        hb = [i for i in b if isinstance(i, Heartbeat)]
        alerts += cor.process(ev, now=now, health=hb).alerts
    alerts += cor.tick(now + cor.policies.lateness.idle_s).alerts
    return [(a.id, a.revision, a.state, a.severity, a.cls, a.sector, a.rule, a.zone_id,
             round(a.lon, 6), round(a.lat, 6), a.heading_deg) for a in alerts]


@cache
def reference(name: str) -> list[tuple[object, ...]]:
    return replay(name, [list(recorded(name)[0])])


def cut(items: list[Item], rng: random.Random, largest: int) -> list[list[Item]]:
    out, i = [], 0
    while i < len(items):
        n = rng.randint(1, largest)
        out.append(items[i:i + n])
        i += n
    return out


def reorder(items: tuple[Item, ...], rng: random.Random, hold: float) -> list[Item]:
    """Each report may overtake others by less than ``hold`` seconds of event time (sorted
    by its time plus a random delay below the hold; ties keep the sending order)."""
    keyed = [(it.report.ts + rng.uniform(0, hold * 0.999), k, it) for k, it in enumerate(items)]
    return [it for _, _, it in sorted(keyed, key=lambda t: (t[0], t[1]))]


def test_the_recorded_scenarios_alert_at_all() -> None:
    """The reference runs tell a story worth comparing (crossings and tampers alert)."""
    for name in ("crossing", "tamper-gap"):
        assert {row[6] for row in reference(name)} - {None}


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SCENARIOS), st.integers(0, 2**32 - 1),
       st.sampled_from([1, 7, 100, 5000]), st.booleans())
def test_batch_cuts_and_reordering_within_the_hold_change_no_alert(
    name: str, seed: int, largest: int, shuffle: bool
) -> None:
    items = recorded(name)[0]
    rng = random.Random(seed)
    hold = Correlator(FENCES).policies.lateness.hold_s
    stream = reorder(items, rng, hold) if shuffle else list(items)
    assert replay(name, cut(stream, rng, largest)) == reference(name)
