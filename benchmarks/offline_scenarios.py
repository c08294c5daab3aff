"""Correlated alerts vs the naive one-alert-per-detection rule on every bundled scenario,
offline (no broker): the simulator's messages go straight into the pure cores, camera
tasks go back to the simulated cameras, and alerts are scored against the ground truth.

    python -P benchmarks/offline_scenarios.py [SCENARIO ...] [--start 1800000000] [--burst]

``--burst`` feeds the scenario the way a live worker sees ``borderwatch simulate --fast``:
every message at once, spread over two partitions per topic by key, in batches of up to
500 messages that mix topics and partitions and hold minutes of event time out of order,
processed at a wall clock that barely moves (no camera cues: the messages are all sent).

(``-P``: do not put ``benchmarks/`` first on the import path, where a module may share
a package's name.)

Prints, per scenario: true intrusions, and for each rule the alert ids raised (and those
of at least medium severity), intrusions detected, missed, false alerts, duplicates.
"""

from __future__ import annotations

import argparse
import random
import zlib
from collections.abc import Iterator

import orjson
from rich.console import Console
from rich.table import Table

from geofences.index import GeofenceSet
from simulators.messages import Emission
from simulators.scenario import load_scenario
from simulators.world import World
from stream.correlation.engine import Correlator
from stream.correlation.evaluate import Score, score, truth_from_records
from stream.correlation.evidence import Evidence, Heartbeat
from stream.correlation.inventory import Inventory
from stream.correlation.zone_rule import ZoneEntryRule
from stream.models import Alert, CameraDetection, GroundDetection, SensorHealth, Severity

SCENARIOS = ["crossing", "five-on-foot", "quiet-night", "vehicle-drive-through",
             "tamper-gap", "busy-port", "sensor-faults"]


def _sites(world: World) -> Inventory:
    """The scenario's cameras and sensor sites (not its gateways: no sensor is expected
    before it is heard, as in a worker given no inventory)."""
    inv = Inventory.from_records(world.truth_records())
    return Inventory(inv.cameras, inv.sites)


def run(name: str, start: float, fences: GeofenceSet) -> tuple[list[Alert], list[Alert], World]:
    world = World(load_scenario(name), start=start)
    cor, naive = Correlator(fences, inventory=_sites(world)), ZoneEntryRule(fences)
    alerts: list[Alert] = []
    naive_alerts: list[Alert] = []
    offset, last_tick, now = 0, 0.0, start
    for em in world.run():
        doc = orjson.loads(em.value)
        evidence, health = [], []
        for r in doc.get("reports", [doc]):
            offset += 1
            raw = orjson.dumps(r)
            if em.topic.endswith("ground"):
                evidence.append(Evidence(GroundDetection.model_validate_json(raw), em.topic, 0,
                                         offset))
            elif em.topic.endswith("camera"):
                evidence.append(Evidence(CameraDetection.model_validate_json(raw), em.topic, 0,
                                         offset))
            else:
                health.append(SensorHealth.model_validate_json(raw))
        now = em.ts + 0.5
        res = cor.process(evidence, now=now, health=health)
        alerts += res.alerts
        naive_alerts += naive.evaluate(evidence, now)
        for t in res.tasks:
            world.cue(t.camera_id, t.lon, t.lat, t.ts, t.incident_id)
        if now - last_tick >= 5.0:
            alerts += cor.tick(now).alerts
            last_tick = now
    alerts += cor.tick(now + 3600.0).alerts
    return alerts, naive_alerts, world


def decode(em: Emission, offset: int, partition: int = 0) -> tuple[list[Evidence],
                                                                   list[SensorHealth]]:
    doc = orjson.loads(em.value)
    evidence, health = [], []
    for i, r in enumerate(doc.get("reports", [doc])):
        raw = orjson.dumps(r)
        if em.topic.endswith("ground"):
            evidence.append(Evidence(GroundDetection.model_validate_json(raw), em.topic,
                                     partition, offset + i))
        elif em.topic.endswith("camera"):
            evidence.append(Evidence(CameraDetection.model_validate_json(raw), em.topic,
                                     partition, offset + i))
        else:
            health.append(SensorHealth.model_validate_json(raw))
    return evidence, health


def burst_batches(emissions: list[Emission], seed: int = 7, partitions: int = 2
                  ) -> Iterator[tuple[list[tuple[Emission, int, int]], set[str]]]:
    """Batches as a worker fetches them after a fast publish: per (topic, partition) queues
    in order, drained in random chunks into batches of at most 500 messages; with each,
    the sources (``topic:partition``) still holding messages, as the worker's adapter
    tells its correlator from the partitions' end offsets."""
    queues: dict[tuple[str, int], list[tuple[Emission, int, int]]] = {}
    for em in emissions:
        part = zlib.crc32(em.key.encode()) % partitions
        q = queues.setdefault((em.topic, part), [])
        q.append((em, part, len(q)))
    rng = random.Random(seed)
    while any(queues.values()):
        batch: list[tuple[Emission, int, int]] = []
        while len(batch) < 500 and any(queues.values()):
            q = rng.choice([q for q in queues.values() if q])
            n = min(rng.randint(20, 200), 500 - len(batch))
            batch += q[:n]
            del q[:n]
        yield batch, {f"{t}:{p}" for (t, p), q in queues.items() if q}


def run_burst(name: str, start: float, fences: GeofenceSet
              ) -> tuple[list[Alert], list[Alert], World]:
    scenario = load_scenario(name)  # placed as `simulate --fast` does: it ends at ``start``
    world = World(scenario, start=start - scenario.duration_s)
    emissions = list(world.run())
    cor, naive = Correlator(fences, inventory=_sites(world)), ZoneEntryRule(fences)
    alerts: list[Alert] = []
    naive_alerts: list[Alert] = []
    now = start
    for batch, unread in burst_batches(emissions):
        evidence: list[Evidence] = []
        health: list[Heartbeat] = []
        for em, part, offset in batch:
            ev, h = decode(em, offset * 1000, part)
            evidence += ev
            health += [Heartbeat(r, em.topic, part) for r in h]  # each partition a source
        now += 0.05
        res = cor.process(evidence, now=now, health=health, unread=unread)
        alerts += res.alerts
        naive_alerts += naive.evaluate(evidence, now)
        alerts += cor.tick(now).alerts
    for _ in range(30):  # the worker's ticks after the burst, 2 s apart
        now += 2.0
        alerts += cor.tick(now).alerts
    alerts += cor.tick(now + 3600.0).alerts
    return alerts, naive_alerts, world


def cells(s: Score, medium: Score) -> list[str]:
    return [f"{s.alerts} ({medium.alerts})", str(s.detected), str(s.missed), str(s.false_alerts),
            str(s.duplicate_alerts)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenarios", nargs="*", default=SCENARIOS)
    ap.add_argument("--start", type=float, default=1_800_000_000.0)
    ap.add_argument("--burst", action="store_true",
                    help="feed it as a live worker sees a fast publish (see above)")
    args = ap.parse_args()
    console = Console(width=max(Console().width, 120))
    fences = GeofenceSet.load_bundled()
    mode = "burst batches" if args.burst else "in time"
    table = Table(title=f"{mode}: alerts (>= medium) / detected / missed / false / duplicate")
    for col in ("scenario", "truth", "correlated", "det", "miss", "false", "dup",
                "naive", "det", "miss", "false", "dup"):
        table.add_column(col)
    for name in args.scenarios:
        with console.status(f"running {name}"):
            alerts, naive, world = (run_burst if args.burst else run)(name, args.start, fences)
        truth = truth_from_records(world.truth_records())
        med = Severity.MEDIUM
        row = cells(score(alerts, truth), score(alerts, truth, min_severity=med))
        nrow = cells(score(naive, truth), score(naive, truth, min_severity=med))
        tamper = len({a.id for a in alerts if a.rule == "tamper"})
        faults = len({a.id for a in alerts if a.rule == "sensor-fault"})
        table.add_row(name, f"{sum(t.true_intrusion for t in truth)}"
                      + (f" (+{tamper} tamper)" if tamper else "")
                      + (f" (+{faults} fault)" if faults else ""), *row, *nrow)
    console.print(table)


if __name__ == "__main__":
    main()
