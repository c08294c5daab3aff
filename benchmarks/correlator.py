"""Throughput of the pure correlation core (no broker): reports/s through Correlator.process.

A synthetic night on 40 km of border: ``--targets`` walkers, each passing sensors that
fire in bursts around it, plus scattered nuisance hits (wind), fed in batches as a worker
would. Prints reports/s, incidents, alerts and the per-batch time.

    python -P benchmarks/correlator.py [--reports 300000] [--batch 5000] [--targets 200]
        [--quiet-s 3600]

``--quiet-s``: then that much event time with nothing but sensor heartbeats (one a
second), ten seconds a batch: what every step costs while the night's incidents wait for
their timers (idle clear, closing, forgetting).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from rich.console import Console
from rich.progress import track

from geofences.index import GeofenceSet
from stream import memory
from stream.correlation.engine import Correlator
from stream.correlation.evidence import Evidence, Heartbeat
from stream.models import GroundDetection, SensorHealth, SensorKind, TargetClass

T0 = 1_800_000_000.0


def synthesize(n: int, targets: int, rate: float, seed: int = 1) -> list[Evidence]:
    rng = np.random.default_rng(seed)
    frame = GeofenceSet.load_bundled().frame
    x0, y0 = frame.point([10_000.0])  # on the line, along its parallel part
    ts = np.sort(rng.uniform(0.0, n / rate, n))
    who = rng.integers(0, targets, n)
    noise = rng.random(n) < 0.02
    start_x = x0[0] + rng.uniform(0, 40_000, targets)
    speed = rng.uniform(0.8, 2.0, targets)
    x = start_x[who] + rng.normal(0, 20, n)
    y = y0[0] - 200 + speed[who] * (ts % 600) + rng.normal(0, 20, n)
    x = np.where(noise, x0[0] + rng.uniform(0, 40_000, n), x)
    y = np.where(noise, y0[0] + rng.uniform(0, 3000, n), y)
    lon, lat = frame.to_wgs84(x, y)
    sig = [TargetClass.UNKNOWN if z else TargetClass.PERSON for z in noise.tolist()]
    return [
        Evidence(GroundDetection(sensor_id=f"s-{int(xi // 50)}-{int(yi // 50)}", seq=i,
                                 kind=SensorKind.SEISMIC, ts=T0 + t, lon=lo, lat=la,
                                 strength=0.8, signature=s),
                 "bench.sensors.ground", 0, i)
        for i, (t, lo, la, xi, yi, s) in enumerate(
            zip(ts.tolist(), lon.tolist(), lat.tolist(), x.tolist(), y.tolist(), sig,
                strict=True))
    ]


def heartbeats(start: float, seconds: int, sensors: int = 50) -> list[Heartbeat]:
    """One heartbeat a second, ``sensors`` sensors taking turns."""
    return [Heartbeat(SensorHealth(sensor_id=f"hb-{i % sensors}", seq=i, kind=SensorKind.SEISMIC,
                                   ts=start + i, battery=0.9), "bench.sensors.health", 0)
            for i in range(seconds)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reports", type=int, default=300_000)
    ap.add_argument("--batch", type=int, default=5_000)
    ap.add_argument("--targets", type=int, default=200)
    ap.add_argument("--rate", type=float, default=10_000.0, help="event-time reports/s")
    ap.add_argument("--quiet-s", type=int, default=0,
                    help="then this much event time of heartbeats alone")
    args = ap.parse_args()
    memory.tune_collector()  # as the worker runs the core
    console = Console()
    with console.status("synthesizing reports"):
        evidence = synthesize(args.reports, args.targets, args.rate)
    cor = Correlator(GeofenceSet.load_bundled())
    alerts = tasks = 0
    busy = 0.0
    batches = [evidence[i:i + args.batch] for i in range(0, len(evidence), args.batch)]
    for batch in track(batches, description="correlating", console=console):
        now = batch[-1].report.ts + 0.5
        t = time.perf_counter()
        res = cor.process(batch, now=now)
        res2 = cor.tick(now + cor.policies.lifecycle.confirm_s)  # the worker's next tick
        busy += time.perf_counter() - t
        alerts += len(res.alerts) + len(res2.alerts)
        tasks += len(res.tasks)
    t = time.perf_counter()  # the stream goes idle: the clock releases what it held back
    res = cor.tick(now + cor.policies.lateness.idle_s)
    busy += time.perf_counter() - t
    alerts += len(res.alerts)
    console.print(f"reports {len(evidence):,} in {len(batches)} batches of {args.batch:,}: "
                  f"{len(evidence) / busy:,.0f} reports/s "
                  f"({busy / len(batches) * 1000:.1f} ms a batch)")
    console.print(f"incidents {len(cor.incidents):,}, alert messages {alerts:,}")
    if args.quiet_s:
        beats = heartbeats(evidence[-1].report.ts + 1.0, args.quiet_s)
        quiet = 0.0
        for i in track(range(0, len(beats), 10), description="quiet", console=console):
            b = beats[i:i + 10]
            t = time.perf_counter()
            res = cor.process([], now=b[-1].report.ts + 0.5, health=b)
            quiet += time.perf_counter() - t
            alerts += len(res.alerts)
        console.print(f"quiet: {args.quiet_s:,} s of event time in {quiet:.2f} s "
                      f"({quiet / args.quiet_s * 1000:.2f} ms per second of event time), "
                      f"incidents left {len(cor.incidents):,}")


if __name__ == "__main__":
    main()
