"""Simulator scale benchmark: 10,000 ground sensors along 100 km into the embedded broker.

Run: ``python -m benchmarks.simulator [--profile heartbeats|detections|all]``. For each
profile it prints the generation rate alone, then the rate of sensor reports (events)
acknowledged by the broker (idempotent producer, acks=all), with messages (gateway
batches) and bytes per second.
"""

from __future__ import annotations

import argparse
import gc
import time
import uuid
from typing import Any

from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition

from benchmarks import stop_cleanly_on_signals
from simulators.boundary import Boundary
from simulators.publish import KafkaSink
from simulators.scenario import Scenario, parse_scenario
from simulators.world import World
from stream.broker import EmbeddedBroker, free_port
from stream.settings import Settings
from stream.topics import create_topics

START = 1_800_000_000.0


PROFILES: dict[str, dict[str, Any]] = {
    # a heartbeat every 10 s, ordinary nuisance alarms: mostly health reports
    "heartbeats": {"heartbeat_s": 10.0, "nuisance_per_h": 2.0, "duration_s": 600.0},
    # a stormy night: every sensor alarms ~12 times a minute, heartbeats every 10 min
    "detections": {
        "heartbeat_s": 600.0,
        "nuisance_per_h": 720.0,
        "holdoff_s": 0.0,
        "duration_s": 120.0,
    },
}


def scale_scenario(
    duration_s: float,
    sensors: int = 10_000,
    length_km: float = 100.0,
    heartbeat_s: float = 10.0,
    nuisance_per_h: float = 2.0,
    holdoff_s: float = 5.0,
) -> Scenario:
    """One straight line of seismic sensors 100 km long, with 100 groups crossing it."""
    lat = 31.62  # ~32 km north of the boundary parallel, clear of the zones' edges
    west = -111.70
    east = west + length_km / 94.9  # degrees of longitude per km at 31.6°N
    (x0, x1), _ = Boundary.bundled().to_metric([west, east], [lat, lat])
    spacing = float(x1 - x0) / (sensors - 1) * (1 - 1e-9)
    actors: list[dict[str, Any]] = [
        {
            "id": f"group-{i:03d}",
            "cls": "person",
            "count": 1 + i % 5,
            "start_s": (i * 7) % 120,
            "path": [
                [west + (i + 0.5) * (east - west) / 100, lat - 0.003],
                [west + (i + 0.5) * (east - west) / 100, lat + 0.003],
            ],
        }
        for i in range(100)
    ]
    return parse_scenario(
        {
            "name": "scale-10k",
            "seed": 1,
            "duration_s": duration_s,
            "heartbeat_s": heartbeat_s,
            "gateway_size": 50,
            "local_start": "02:00",
            "sensor_lines": [
                {
                    "prefix": "s",
                    "kind": "seismic",
                    "start": [west, lat],
                    "end": [east, lat],
                    "spacing_m": spacing,
                    "nuisance_per_h": nuisance_per_h,
                    "holdoff_s": holdoff_s,
                }
            ],
            "actors": actors,
            "weather": [{"at_s": 0, "wind_mps": 4}],
        },
        "benchmark",
    )


def generate_only(sc: Scenario) -> tuple[World, int, float]:
    """Run the world without any I/O: (world, messages, seconds)."""
    world = World(sc, start=START)
    t0 = time.perf_counter()
    messages = sum(1 for _ in world.run())
    return world, messages, time.perf_counter() - t0


def count_messages(settings: Settings) -> int:
    c = Consumer(settings.consumer_config(f"bench-{uuid.uuid4().hex[:6]}"))
    total = 0
    try:
        for name in ("sensors.ground", "sensors.health", "sensors.camera"):
            topic = settings.topic(name)
            meta = c.list_topics(topic, timeout=10).topics[topic]
            c.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in meta.partitions])
            idle = time.monotonic()
            while time.monotonic() - idle < 2.0:
                got = c.consume(10_000, 0.2)
                if got:
                    total += sum(1 for m in got if not m.error())
                    idle = time.monotonic()
    finally:
        c.close()
    return total


def into_broker(sc: Scenario, broker: EmbeddedBroker, prefix: str) -> None:
    settings = Settings(
        bootstrap_servers=broker.bootstrap_servers, topic_prefix=prefix, partitions=4
    )
    create_topics(settings)
    sink = KafkaSink(settings)
    t0 = time.perf_counter()
    events = messages = size = 0
    for e in World(sc, start=START).run():
        sink.send(e)
        events += e.reports
        messages += 1
        size += len(e.value)
    produced = time.perf_counter() - t0
    sink.close()
    acked = time.perf_counter() - t0
    delivered, resent = sink.delivered, sink.resent
    del sink  # the producer goes before the broker does
    gc.collect()
    stored = count_messages(settings)
    print(f"into the broker: {events:,} events in {messages:,} messages, {size / 1e6:.1f} MB")
    print(f"  produce loop {produced:.2f} s, all acknowledged after {acked:.2f} s")
    print(
        f"  {events / acked:,.0f} events/s acknowledged, {messages / acked:,.0f} messages/s, "
        f"{size / acked / 1e6:.1f} MB/s (payload, before lz4)"
    )
    print(
        f"  messages in the broker afterwards: {stored:,} (sent {messages:,}, "
        f"acknowledged {delivered:,}, resent {resent})"
    )


def main() -> None:
    stop_cleanly_on_signals()
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--profile", choices=[*PROFILES, "all"], default="all")
    args = ap.parse_args()
    names = list(PROFILES) if args.profile == "all" else [args.profile]
    with EmbeddedBroker(port=free_port()) as broker:
        for name in names:
            t0 = time.perf_counter()
            sc = scale_scenario(**PROFILES[name])
            world = World(sc, start=START)
            print(
                f"== {name}: {len(world.layout):,} sensors along "
                f"{sc.sensor_lines[0].spacing_m * (len(world.layout) - 1) / 1000:.1f} km, "
                f"{len(world.tracks)} groups, {sc.duration_s:.0f} s of scenario, "
                f"built in {time.perf_counter() - t0:.2f} s"
            )
            gen, messages, secs = generate_only(sc)
            events = sum(gen.reports.values())
            print(
                f"generation only: {events:,} events ({messages:,} messages) in {secs:.2f} s = "
                f"{events / secs:,.0f} events/s"
            )
            print("  by kind: " + ", ".join(f"{k} {v:,}" for k, v in gen.reports.items()))
            into_broker(sc, broker, f"bench-{name}")


if __name__ == "__main__":
    main()
