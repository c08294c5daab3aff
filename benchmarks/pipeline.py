"""Throughput and event->alert latency through the real broker and worker.

Runs, in one go on one embedded broker, the BorderWatch worker (batched agent) with the
correlator and with the naive one-alert-per-detection rule, and a plain per-event Faust
agent doing the naive rule's work, and prints events/s, p50/p99 latency and the ratios.
The load is a stormy night: seismic reports from ``--sites`` fixed sensor sites in the
border strip and as many in the buffer, one report in ``--strip-every`` from the strip,
keyed by 64 gateways. With the default 2,500 sites a line every buffer sensor fires
several times a second: the correlator's fault watch calls them all chattering, so
its rows measure a fault storm; ``--sites 50000`` gives each sensor a few hits a minute.
In the latency phase, one crossing every ``--crossing-every`` reports: two neighbouring
strip sensors saying "person", which the correlator alerts on (spread along the line;
at the default rate and length the strip gets four, under the bundled policy's limit of
six new alerts a zone a minute, beyond which crossings are folded, not alerted).

    python -m benchmarks.pipeline [--reports 300000] [--baseline-reports 30000]
        [--rate 10000] [--seconds 10] [--sites 2500] [--strip-every 1000]
        [--crossing-every 20000]

Throughput: a backlog of N reports (their event times at ``--rate``, ending just before
it is produced) is produced first, then the worker starts; the rate is the reports of its
batches after the first over the time from the end of its first batch to the end of its
last (``borderwatch_reports_done_total``: a batch is done when its outputs and state are
on the broker), and its CPU a 1,000 reports over that time (its
``process_cpu_seconds_total``: less swayed by what else the machine runs than events/s,
so runs on a busy machine compare). Latency: reports are
then offered at ``--rate`` for ``--seconds`` with ``ts`` = send time, and the phase ends
on facts (the worker's group committed every offered report, which it does only once
their alerts are on the broker, and the alert topic was read to its end). A sample is a
new alert: read-back time minus the send time of the report that completed its rule (see
:func:`latency_phase`). The scale rows (1, 2 and 3 workers in one group: CPU per 1,000
reports, alerts compared) are ``benchmarks.scale``.
"""

from __future__ import annotations

import argparse
import dataclasses
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import numpy as np
from confluent_kafka import Producer, TopicPartition

from benchmarks import stop_cleanly_on_signals
from benchmarks.pipeline_results import Case, Result, console, print_results
from benchmarks.stormy_night import Load
from benchmarks.worker_metrics import cpu_seconds, cycle, done, phases
from stream import kafka_clients
from stream.broker import EmbeddedBroker, free_port
from stream.cli.processes import stop_process, wait_worker_ready
from stream.correlation.policies import Policies
from stream.evaluation.facts import wait_lag_zero
from stream.evaluation.live import settings_env
from stream.models import Alert, AlertState
from stream.settings import Settings
from stream.topics import create_topics


def produce(
    producer: Producer, topic: str, values: list[bytes], flush: bool = True, first_key: int = 0
) -> None:
    """Messages keyed by 64 gateways, so every partition delivers (and holds event time)."""
    for i, v in enumerate(values, start=first_key):
        while True:
            try:
                producer.produce(topic, v, f"gw-{i % 64}".encode())
                break
            except BufferError:
                producer.poll(0.05)
    producer.poll(0)
    if flush:
        producer.flush(120)


def backlog(load: Load, case: Case, rate: float, now: float) -> list[bytes]:
    """The backlog's messages, their reports' event times at ``rate`` reports/s and ending
    5 s before ``now``: what the broker holds after the worker was away, each report with
    the time it was made. (Stamped all with one time, the whole backlog was one step of
    event time: the worker only held it back, and correlated it once the latency phase
    moved the clock, inside that phase.)"""
    plain = dataclasses.replace(load, crossing_every=0)  # crossings: latency phase only
    step = max(case.reports_per_message, int(rate / 20) // case.reports_per_message
               * case.reports_per_message)  # 1/20 s of event time, whole messages
    start = now - 5.0 - case.reports / rate
    return [v for first in range(0, case.reports, step)
            for v in plain.messages(first, min(step, case.reports - first),
                                    case.reports_per_message, start + first / rate)]


def poll_pause(first: tuple[float, float, float] | None, now: float, n: float,
               total: float) -> float:
    """Seconds until the next read of the worker's progress: 50 ms until its first batch
    is done and once the rest would take under 3 s at its rate so far, 0.5 s between.
    Each read is served by the worker it measures, about 1 CPU ms each (20 a second took
    12-24 CPU ms a second of an idle worker); the two ends, which set the figure, are
    still read to 50 ms.

    >>> poll_pause(None, 10.0, 0, 300_000)
    0.05
    >>> poll_pause((10.0, 50_000, 0.0), 11.0, 100_000, 300_000)  # 50,000/s: 4 s to go
    0.5
    >>> poll_pause((10.0, 50_000, 0.0), 13.0, 220_000, 300_000)  # 1.4 s to go
    0.05
    """
    if first is None or now <= first[0] or n <= first[1]:
        return 0.05
    rate = (n - first[1]) / (now - first[0])
    return 0.05 if (total - n) / rate < 3.0 else 0.5


def run_case(case: Case, broker: EmbeddedBroker, state: Path, rate: float, seconds: float,
             load: Load) -> Result:
    """One case: its backlog's throughput, then its latency phase."""
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
        produce(producer, topic, backlog(load, case, rate, time.time()))
    log = state / f"{tag}.log"
    proc = subprocess.Popen(
        case.command,
        env=settings_env(s),
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
        # from the end of the worker's first batch to the end of its last: the batches
        # between are measured whole (counting from the first report consumed, the first
        # batch's time without its reports and the last's reports without their time
        # swung the figure by a batch, a sixth of a 300,000-report backlog)
        first = last = None
        with console.status(f"[{case.name}] draining the backlog") as status:
            deadline = time.monotonic() + 600
            while time.monotonic() < deadline:
                n = done(url)
                now = time.monotonic()
                if n > 0 and first is None:
                    first = (now, n, cpu_seconds(url))
                if n >= case.reports:
                    last = (now, n, cpu_seconds(url))
                    break
                status.update(f"[{case.name}] draining the backlog: {n:,.0f}/{case.reports:,}")
                time.sleep(poll_pause(first, now, n, case.reports))
        if first is None or last is None:
            raise RuntimeError(f"{case.name}: backlog not drained")
        if last[1] <= first[1]:
            raise RuntimeError(f"{case.name}: the backlog fit in one batch, which measures "
                               "nothing between batch ends: give more reports")
        eps = (last[1] - first[1]) / max(last[0] - first[0], 1e-6)
        cpu_ms = 1e6 * (last[2] - first[2]) / max(last[1] - first[1], 1.0)
        before = phases(url)
        by_rule = latency_phase(case, s, producer, rate, seconds, load)
        batches = cycle(before, phases(url))
    finally:
        stop_process("worker", proc)
    lat = np.array([v for got, _ in by_rule.values() for v in got.tolist()] or [float("nan")])
    return Result(
        case,
        eps,
        float(np.percentile(lat, 50) * 1000),
        float(np.percentile(lat, 99) * 1000),
        int(np.isfinite(lat).sum()),  # samples (a phase without any gives one NaN)
        by_rule,
        batches,
        cpu_ms,
    )


def latency_phase(
    case: Case, s: Settings, producer: Producer, rate: float, seconds: float, load: Load
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Offer ``rate`` reports/s of ``load`` for ``seconds``, then
    wait until the worker committed every offered report (it commits a batch only after
    its alerts are on the broker) and read the alert topic to its end; a thread reads the
    alerts as they come throughout.

    A sample is one new alert: processing time it was read back minus the send time of
    the report that completed its rule (reports carry ``ts`` = send time). The naive rule
    alerts on one report (its ``event_ts``); the correlator raises an alert at a step of
    event time (``raised_ts``) once the watermark is ``hold_s`` past it, so the completing
    report is the first one sent at ``raised_ts + hold_s``. Alerts only the end of the
    offered stream completes (the idle flush) are not counted. The samples by rule, with
    the same measured to the alert's producer timestamp (when the worker sent it: what
    lies between is the broker and the reader)."""
    hold = Policies.bundled().lateness.hold_s if case.rule == "correlate" else None
    topic = s.topic("alerts")
    reads = kafka_clients.consumer(s, f"bench-{uuid.uuid4().hex[:6]}")
    parts = reads.list_topics(topic, timeout=10).topics[topic].partitions
    start = {p: reads.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1] for p in parts}
    reads.assign([TopicPartition(topic, p, start[p]) for p in parts])
    last = dict(start)  # next offset to read, per partition
    per_tick = max(1, int(rate / 20))
    seq, t0, phase_start = 10_000_000, time.monotonic(), time.time()
    read: list[tuple[float, float, bytes]] = []  # read at, sent at, the alert (parsed later)

    def drain(timeout: float) -> None:
        """Take what has arrived (a fault storm's alerts come in thousands)."""
        got = reads.consume(1000, timeout)
        at = time.time()
        for msg in got:
            if not msg.error():
                last[msg.partition() or 0] = (msg.offset() or 0) + 1
                sent = msg.timestamp()[1] / 1000.0  # the producer's CreateTime
                read.append((at, sent, msg.value() or b""))

    stop = threading.Event()

    def keep_reading() -> None:
        """Read alerts as they come, also while the worker catches up after the phase."""
        while not stop.is_set():
            drain(0.02)

    reader = threading.Thread(target=keep_reading, name="alert-reader", daemon=True)
    reader.start()
    try:
        with console.status(f"[{case.name}] latency at {rate:,.0f} reports/s"):
            while time.monotonic() - t0 < seconds:
                tick = time.monotonic()
                vals = load.messages(seq, per_tick, case.reports_per_message, time.time())
                produce(producer, s.topic("sensors.ground"), vals, flush=False, first_key=seq)
                seq += per_tick
                time.sleep(max(0.0, 0.05 - (time.monotonic() - tick)))  # the offered rate
            last_sent = time.time()
            producer.flush(30)
        with console.status(f"[{case.name}] waiting for the worker to commit the offered"
                            " reports"):
            wait_lag_zero(s, s.app_id, [s.topic("sensors.ground")], time.monotonic() + 120)
            ends = kafka_clients.end_offsets(s, [topic])
    finally:
        stop.set()
        reader.join()
    while any(last[p] < end for (_, p), end in ends.items()):
        drain(0.1)
    reads.close()
    samples: dict[str, list[tuple[float, float]]] = {}
    for at, sent, raw in read:
        alert = Alert.model_validate_json(raw)
        if hold is None:
            due = alert.event_ts
        elif alert.state == AlertState.NEW and alert.revision == 0:
            due = alert.raised_ts + hold
        else:
            continue
        if phase_start <= due <= last_sent:
            samples.setdefault(alert.rule, []).append((at - due, sent - due))
    return {rule: (np.array([r for r, _ in v]), np.array([t for _, t in v]))
            for rule, v in sorted(samples.items())}


def main() -> None:
    stop_cleanly_on_signals()
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arg = ap.add_argument
    arg("--reports", type=int, default=300_000, help="backlog for the batched worker")
    arg("--baseline-reports", type=int, default=30_000, help="backlog for one-report messages")
    arg("--rate", type=float, default=10_000.0, help="offered reports/s in the latency phase")
    arg("--seconds", type=float, default=10.0, help="length of the latency phase")
    arg("--strip-every", type=int, default=1000,
        help="1 report in this many is from a site in the border strip")
    arg("--sites", type=int, default=2500, help="sensor sites in the strip and in the buffer")
    arg("--crossing-every", type=int, default=20_000,
        help="latency phase: one crossing (two strip sensors saying person) in this many")
    args = ap.parse_args()
    load = Load(args.sites, args.strip_every, args.crossing_every)
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
            results.append(run_case(case, broker, Path(tmp), args.rate, args.seconds, load))
    print_results(results, args)


if __name__ == "__main__":
    main()
