"""Bounded memory: burst rounds, then a steady run, printing worker and simulator RSS per
round.

Starts an embedded broker and a worker. 5,000 seismic sensors stand at fixed places over
40 km west of 111°W and up to 10 km north of the line's latitude there. Each burst round
produces ``--burst`` of their reports (gateway batches of 100) as fast as the broker takes
them, waits until the worker has consumed them all (its RSS then still holds the burst:
the event clock holds reports back until the stream goes idle), then until it has
correlated them (event time released past the newest report seen), and prints both times
and both RSS figures, then the RSS of the simulator (this process: it makes and sends the
reports) and of the broker (the embedded broker keeps every topic in memory, the
correlator's changelog too, so its RSS grows with what was written, not with a leak).
Then a steady run offers ``--rate`` reports/s for ``--steady-s`` seconds,
stamped with the wall clock, printing RSS every 10 s. The summary compares every later
round's settled RSS and the steady run with the settled RSS after the first (warm-up)
round and ends with a verdict line (the issue's bar: within 20%). A worker that dies
stops the soak with the end of its log.

Bursts are ``--gap-s`` apart in event time (default 30 minutes; the first ones stamped in
the past, so nothing is in the future): the correlator keeps an incident for its window
and retention (``window_s`` + ``retain_s``, 25 minutes) after its last report on purpose,
so rounds seconds apart would measure that policy, not a leak. With ``--gap-s 0`` every
burst is stamped with the wall clock, as before.

    python -m benchmarks.soak [--rounds 10] [--burst 100000] [--rate 2000] [--steady-s 60]

The issue's full soak is ``--burst 500000 --steady-s 1800`` (30 minutes).
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import orjson
from confluent_kafka import Producer
from prometheus_client.parser import text_string_to_metric_families

from benchmarks import stop_cleanly_on_signals
from benchmarks.hostile import _settings, _worker, rss_mb
from stream.broker import EmbeddedBroker, free_port
from stream.cli.processes import scrape_total, stop_process
from stream.topics import create_topics


def places(rng: random.Random, n: int = 5000) -> list[tuple[float, float]]:
    """Where the soak's ``n`` sensors stand (lon, lat): a sensor reports its own place."""
    return [(round(-111.0 + rng.uniform(-0.4, 0.0), 6), round(31.3334 + rng.uniform(0.0, 0.09), 6))
            for _ in range(n)]


def batches(n: int, seq0: int, rng: random.Random, sites: list[tuple[float, float]],
            ts: float | None = None) -> list[bytes]:
    """``n`` reports of random ``sites`` at ``ts`` (default: now) as gateway batches of 100
    (the last one smaller).

    >>> import random
    >>> r = random.Random(1)
    >>> rs = [x for b in batches(250, 0, r, places(r, 2), ts=1.8e9)
    ...       for x in orjson.loads(b)["reports"]]
    >>> len(rs), len({(x["sensor_id"], x["lon"], x["lat"]) for x in rs}), rs[-1]["ts"]
    (250, 2, 1800000000.0)
    """
    when = time.time() if ts is None else ts
    out = []
    for start in range(0, n, 100):
        reports = []
        for i in range(min(100, n - start)):
            k = rng.randrange(len(sites))
            reports.append({"v": 1, "sensor_id": f"s-{k}", "seq": seq0 + start + i,
                            "kind": "seismic", "ts": when, "lon": sites[k][0], "lat": sites[k][1]})
        out.append(orjson.dumps({"v": 1, "source": f"gw-{start % 50}", "reports": reports}))
    return out


def alive(worker: subprocess.Popen[bytes], log: Path, broker: EmbeddedBroker) -> None:
    """Stop the soak if the broker or the worker died, with the worker log's first error
    (what shutting down logs after it says little) and its end."""
    if broker.process is not None and broker.process.poll() is not None:
        raise SystemExit(f"the embedded broker exited ({broker.process.returncode})")
    if worker.poll() is not None:
        lines = log.read_text(errors="replace").splitlines()
        first = next((i for i, line in enumerate(lines)
                      if "[ERROR]" in line or "[CRITICAL]" in line or "Traceback" in line), None)
        head = [] if first is None else ["its first error:", *lines[first:first + 25], "..."]
        raise SystemExit(f"the worker exited ({worker.returncode}); "
                         + "\n".join([*head, "its log ends:", *lines[-15:]]))


def event_time(url: str) -> dict[str, float]:
    """The worker's ``borderwatch_event_time_seconds`` by clock (seen, released)."""
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            text = r.read().decode()
    except OSError:
        return {}
    return {s.labels["clock"]: s.value for family in text_string_to_metric_families(text)
            for s in family.samples if s.name == "borderwatch_event_time_seconds"}


def verdict(after: list[float], steady: list[float], bound: float = 0.20) -> str:
    """The summary: every round after the warm-up one, and the steady run, against it.

    >>> print(verdict([500, 540, 590], [560]))
    after warm-up round: 500 MB; later rounds at most 590 MB (+18%); steady at most 560 MB (+12%)
    RSS within 20% of post-warm-up after every burst: yes
    RSS within 20% of post-warm-up in the steady run: yes
    >>> verdict([500, 640], []).splitlines()[1]
    'RSS within 20% of post-warm-up after every burst: no'
    """
    warm, later = after[0], after[1:] or after

    def pct(v: float) -> str:
        return f"{v:.0f} MB ({(v / warm - 1) * 100:+.0f}%)"

    def yes(values: list[float]) -> str:
        return "yes" if all(v <= warm * (1 + bound) for v in values) else "no"

    lines = [f"after warm-up round: {warm:.0f} MB; later rounds at most {pct(max(later))}"
             + (f"; steady at most {pct(max(steady))}" if steady else ""),
             f"RSS within {bound:.0%} of post-warm-up after every burst: {yes(later)}"]
    if steady:
        lines.append(f"RSS within {bound:.0%} of post-warm-up in the steady run: {yes(steady)}")
    return "\n".join(lines)


def main() -> None:
    stop_cleanly_on_signals()
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--burst", type=int, default=100_000)
    ap.add_argument("--rate", type=int, default=2_000)
    ap.add_argument("--steady-s", type=float, default=60.0)
    ap.add_argument("--gap-s", type=float, default=1800.0,
                    help="event time between bursts (0: all at the wall clock)")
    args = ap.parse_args()
    rng = random.Random(7)
    sites = places(rng)
    first = time.time() - args.rounds * args.gap_s
    with tempfile.TemporaryDirectory() as tmp, EmbeddedBroker(port=free_port()) as broker:
        s = _settings(broker.bootstrap_servers, Path(tmp) / "state")
        s = s.model_copy(update={"max_message_bytes": 1_048_576})
        create_topics(s)
        worker = _worker(s, Path(tmp) / "worker.log")
        url = f"http://127.0.0.1:{s.metrics_port}/metrics"
        producer = Producer(s.producer_config(**{"linger.ms": 20, "compression.type": "lz4"}))
        topic = s.topic("sensors.ground")
        sent = 0

        def consumed() -> float:
            return scrape_total(url, "borderwatch_events_consumed_total") or 0.0

        def state_keys() -> float:
            return scrape_total(url, "borderwatch_state_keys") or 0.0

        def settle(t0: float) -> float:
            """Wait until the worker correlated every report it holds back (event time
            released past the newest report seen); the seconds that took."""
            while time.monotonic() - t0 < 600:
                alive(worker, Path(tmp) / "worker.log", broker)
                clock = event_time(url)
                if clock.get("released", 0.0) >= clock.get("seen", 1.0):
                    break
                time.sleep(0.5)
            return time.monotonic() - t0

        def offer(values: list[bytes]) -> None:
            for v in values:
                while True:
                    try:
                        producer.produce(topic, v, b"gw")
                        break
                    except BufferError:
                        producer.poll(0.05)
            producer.flush(120)

        def broker_mb() -> float:
            return rss_mb(broker.process.pid) if broker.process else float("nan")

        print(f"worker RSS at start: {rss_mb(worker.pid):.0f} MB", flush=True)
        print(f"{'round':>5} {'reports':>9} {'drain s':>8} {'drained MB':>10} {'settle s':>8} "
              f"{'worker MB':>9} {'sim MB':>8} {'broker MB':>9} {'state keys':>10}")
        after: list[float] = []
        steady: list[float] = []
        try:
            for rnd in range(1, args.rounds + 1):
                stamp = first + (rnd - 1) * args.gap_s if args.gap_s > 0 else None
                values = batches(args.burst, sent, rng, sites, stamp)
                t0 = time.monotonic()
                offer(values)
                sent += args.burst
                while consumed() < sent and time.monotonic() - t0 < 600:
                    alive(worker, Path(tmp) / "worker.log", broker)
                    time.sleep(0.5)
                drain = time.monotonic() - t0
                drained = rss_mb(worker.pid)  # the burst still held back by the event clock
                settled = settle(time.monotonic())
                rss = rss_mb(worker.pid)
                after.append(rss)
                print(f"{rnd:>5} {args.burst:>9} {drain:>8.1f} {drained:>10.0f} {settled:>8.1f} "
                      f"{rss:>9.0f} {rss_mb(os.getpid()):>8.0f} {broker_mb():>9.0f} "
                      f"{state_keys():>10.0f}",
                      flush=True)
            print(f"steady: {args.rate} reports/s for {args.steady_s:.0f} s", flush=True)
            t_end = time.monotonic() + args.steady_s
            next_print = time.monotonic() + 10
            while time.monotonic() < t_end:
                tick = time.monotonic()
                alive(worker, Path(tmp) / "worker.log", broker)
                offer(batches(args.rate, sent, rng, sites))
                sent += args.rate
                time.sleep(max(0.0, 1.0 - (time.monotonic() - tick)))
                if time.monotonic() >= next_print:
                    next_print += 10
                    lag = sent - consumed()
                    steady.append(rss_mb(worker.pid))
                    print(f"  t+{args.steady_s - (t_end - time.monotonic()):5.0f} s  worker "
                          f"{rss_mb(worker.pid):.0f} MB  broker {broker_mb():.0f} MB  not yet "
                          f"consumed {lag:.0f}  state keys {state_keys():.0f}", flush=True)
            end = rss_mb(worker.pid)
            print(verdict(after, [*steady, end]), flush=True)
        finally:
            stop_process("worker", worker)


if __name__ == "__main__":
    main()
