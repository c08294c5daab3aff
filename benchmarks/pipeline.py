"""Throughput and event->alert latency through the real broker and worker.

Runs, in one go on one embedded broker, the BorderWatch worker (batched agent) with the
correlator and with the naive one-alert-per-detection rule, and a plain per-event Faust
agent doing the naive rule's work, and prints events/s, p50/p99 latency and the ratios.
The load is a stormy night: seismic reports from 5,000 fixed sensor sites along the
line, one in 1,000 (latency phase: one in 20) from a site in the border strip.

    python -m benchmarks.pipeline [--reports 300000] [--baseline-reports 30000]

Throughput: a backlog of N reports is produced first, then the worker starts; the
rate is N over the time from its first to its last consumed report (from its
/metrics). Latency: reports are then offered at a fixed rate with ``ts`` = send
time; latency is the time an alert message is read back from the alert topic minus its
``event_ts`` (its newest evidence). The correlator raises few alerts by design (one per
incident, at most 6 new ones per zone a minute), so its latency rests on few samples.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import orjson
from confluent_kafka import OFFSET_END, Consumer, Producer, TopicPartition
from rich.console import Console
from rich.table import Table

from geofences.index import GeofenceSet
from stream.broker import EmbeddedBroker, free_port
from stream.cli.demo import scrape_total, stop_process, wait_worker_ready
from stream.models import Alert
from stream.settings import Settings
from stream.topics import create_topics

console = Console(width=120)


@dataclass
class Case:
    name: str
    command: list[str]
    reports_per_message: int
    reports: int
    rule: str = "correlate"


@dataclass
class Result:
    case: Case
    events_per_s: float
    p50_ms: float
    p99_ms: float
    alerts: int


def _sites(home_m: float, n: int = 2500) -> list[tuple[float, float]]:
    """``n`` sensor sites along the bundled boundary, ``home_m`` metres on its US side."""
    frame = GeofenceSet.load_bundled().frame
    lon, lat = frame.to_wgs84(*frame.point(np.linspace(0.0, frame.length, n), home_m))
    return [(round(a, 7), round(b, 7)) for a, b in zip(lon.tolist(), lat.tolist(), strict=True)]


STRIP_SITES = _sites(11.0)  # inside the 60-ft strip
BUFFER_SITES = _sites(2200.0)  # in the 3 km buffer


def report(seq: int, inside: bool, ts: float) -> dict[str, object]:
    """A seismic report from a fixed sensor site (sensors report their own position)."""
    k = seq % len(STRIP_SITES)
    lon, lat = STRIP_SITES[k] if inside else BUFFER_SITES[k]
    return {
        "v": 1,
        "sensor_id": f"{'strip' if inside else 'buffer'}-{k}",
        "seq": seq,
        "kind": "seismic",
        "ts": ts,
        "lon": lon,
        "lat": lat,
        "strength": round(0.3 + 0.7 * random.random(), 3),
    }


def messages(first: int, n: int, per_msg: int, inside_every: int, ts: float) -> list[bytes]:
    out = []
    for start in range(first, first + n, per_msg):
        items = [
            report(i, i % inside_every == 0, ts)
            for i in range(start, min(start + per_msg, first + n))
        ]
        out.append(
            orjson.dumps(
                items[0] if per_msg == 1 else {"v": 1, "source": f"gw-{start}", "reports": items}
            )
        )
    return out


def produce(producer: Producer, topic: str, values: list[bytes]) -> None:
    for i, v in enumerate(values):
        while True:
            try:
                producer.produce(topic, v, f"gw-{i % 64}".encode())
                break
            except BufferError:
                producer.poll(0.05)
    producer.flush(120)


def consumed(url: str) -> float:
    return scrape_total(url, "borderwatch_events_consumed_total") or 0.0


def run_case(
    case: Case, broker: EmbeddedBroker, state: Path, rate: float, seconds: float
) -> Result:
    tag = uuid.uuid4().hex[:6]
    s = Settings(
        bootstrap_servers=broker.bootstrap_servers,
        topic_prefix=f"bench{tag}",
        app_id=f"bench-{tag}",
        data_dir=state / tag,
        metrics_port=free_port(),
        web_port=free_port(),
        partitions=4,
        rule=case.rule,
    )
    create_topics(s)
    topic = s.topic("sensors.ground")
    producer = Producer(s.producer_config(**{"linger.ms": 20, "batch.num.messages": 10000}))
    with console.status(f"[{case.name}] producing a backlog of {case.reports:,} reports"):
        produce(
            producer, topic, messages(0, case.reports, case.reports_per_message, 1000, time.time())
        )
    env = {
        f"BORDERWATCH_{k.upper()}": str(v)
        for k, v in s.model_dump(exclude_none=True).items()
        if k != "sasl_password"
    }
    log = state / f"{tag}.log"
    proc = subprocess.Popen(
        case.command,
        env={**os.environ, **env},
        start_new_session=True,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{s.metrics_port}/metrics"
    try:
        with console.status(f"[{case.name}] worker starting"):
            try:
                wait_worker_ready(url, proc, timeout=120)
            except RuntimeError as exc:
                raise RuntimeError(f"{exc}:\n{log.read_text()[-3000:]}") from None
        first = last = None
        with console.status(f"[{case.name}] draining the backlog") as status:
            deadline = time.monotonic() + 600
            while time.monotonic() < deadline:
                n = consumed(url)
                now = time.monotonic()
                if n > 0 and first is None:
                    first = (now, n)
                if n >= case.reports:
                    last = (now, n)
                    break
                status.update(f"[{case.name}] draining the backlog: {n:,.0f}/{case.reports:,}")
                time.sleep(0.05)
        if first is None or last is None:
            raise RuntimeError(f"{case.name}: backlog not drained")
        eps = (last[1] - first[1]) / max(last[0] - first[0], 1e-6)
        lat = latency_phase(case, s, producer, rate, seconds)
    finally:
        stop_process("worker", proc)
    return Result(
        case,
        eps,
        float(np.percentile(lat, 50) * 1000),
        float(np.percentile(lat, 99) * 1000),
        len(lat),
    )


def latency_phase(
    case: Case, s: Settings, producer: Producer, rate: float, seconds: float
) -> np.ndarray:
    """Offer ``rate`` reports/s for ``seconds``; 1 in 20 is inside the strip."""
    topic = s.topic("alerts")
    consumer = Consumer(s.consumer_config(f"bench-{uuid.uuid4().hex[:6]}"))
    parts = consumer.list_topics(topic, timeout=10).topics[topic].partitions
    consumer.assign([TopicPartition(topic, p, OFFSET_END) for p in parts])
    consumer.poll(0.5)
    per_tick = max(1, int(rate / 20))
    seq, latencies, t0 = 10_000_000, [], time.monotonic()
    phase_start = time.time()  # alerts of the backlog may still arrive: they are not counted
    sent_alerts = 0

    def record(value: bytes | None) -> None:
        event_ts = Alert.model_validate_json(value or b"").event_ts
        if event_ts >= phase_start:
            latencies.append(time.time() - event_ts)

    with console.status(f"[{case.name}] latency at {rate:,.0f} reports/s"):
        while time.monotonic() - t0 < seconds:
            tick = time.monotonic()
            vals = messages(seq, per_tick, case.reports_per_message, 20, time.time())
            sent_alerts += sum(1 for i in range(seq, seq + per_tick) if i % 20 == 0)
            for v in vals:
                producer.produce(s.topic("sensors.ground"), v, b"gw-lat")
            producer.poll(0)
            seq += per_tick
            while time.monotonic() - tick < 0.05:
                msg = consumer.poll(0.005)
                if msg is not None and not msg.error():
                    record(msg.value())
        producer.flush(30)
        end = time.monotonic() + 20
        while len(latencies) < sent_alerts and time.monotonic() < end:
            msg = consumer.poll(0.1)
            if msg is not None and not msg.error():
                record(msg.value())
    consumer.close()
    return np.array(latencies) if latencies else np.array([float("nan")])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reports", type=int, default=300_000, help="backlog for the batched worker")
    ap.add_argument(
        "--baseline-reports", type=int, default=30_000, help="backlog for one-report messages"
    )
    ap.add_argument(
        "--rate", type=float, default=2000.0, help="offered reports/s in the latency phase"
    )
    ap.add_argument("--seconds", type=float, default=8.0, help="length of the latency phase")
    args = ap.parse_args()
    worker = [sys.executable, "-m", "stream.cli", "worker"]
    baseline = [sys.executable, "-m", "benchmarks.per_event_worker"]
    cases = [
        Case("worker, correlator, batches of 100", worker, 100, args.reports),
        Case("worker, naive rule, batches of 100", worker, 100, args.reports, "naive"),
        Case("worker, naive rule, 1 per message", worker, 1, args.baseline_reports, "naive"),
        Case("per-event agent, naive, 1 per message", baseline, 1, args.baseline_reports, "naive"),
    ]
    results = []
    with tempfile.TemporaryDirectory() as tmp, EmbeddedBroker(port=free_port()) as broker:
        for case in cases:
            results.append(run_case(case, broker, Path(tmp), args.rate, args.seconds))
    base = results[-1].events_per_s
    table = Table(title="BorderWatch pipeline: embedded broker, one worker, same machine")
    for col in ("path", "reports", "events/s", "x per-event", "alerts", "p50 ms", "p99 ms"):
        table.add_column(col, justify="right" if col != "path" else "left")
    for r in results:
        table.add_row(
            r.case.name,
            f"{r.case.reports:,}",
            f"{r.events_per_s:,.0f}",
            f"{r.events_per_s / base:.1f}",
            str(r.alerts),
            f"{r.p50_ms:.1f}",
            f"{r.p99_ms:.1f}",
        )
    console.print(table)
    console.print(
        f"latency phase: {args.rate:,.0f} reports/s offered for {args.seconds:g} s,"
        " 1 in 20 in the strip"
    )


if __name__ == "__main__":
    main()
