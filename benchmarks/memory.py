"""Memory of one worker's correlation core (no broker): RSS with ``--sensors`` sensors and
``--incidents`` open incidents in it.

Every sensor sends one heartbeat with its position (the core's sensor sites and fault
watch learn it), then walkers cross lines of sensors: each target passes ``sensors /
incidents`` sensors 10 m apart across the border at 1.4 m/s, each firing once ("person"),
so each target is one incident with a path, a fitted track and its evidence (and, in a
zone, an alert or a rate-limited fold). Targets start within ``--span-s`` of each other,
well inside the 600 s an incident stays open, and stand ``--spacing-m`` apart: the widest
join gate is 250 m + 5 m/s x 60 s = 550 m (``stream/correlation/incidents.py``, bundled
policies), and lines 800 m apart leave 710 m between their sensors, so none merge.
10,000 targets that far apart do not fit along the bundled line (60 km): they stand on a
grid aligned with the line's chord (from its first to its last point in the set's metric
frame), rows parallel to it on both sides, up to about 55 km from the line.

Runs on the worker's allocator (:func:`stream.memory.use_system_allocator`; this command
starts itself again on it). Prints VmRSS before the core is built, after the heartbeats
and after the walkers (each after a trim, as the worker does every 10 s), the peak
(VmHWM), the incidents and sensors the core holds, the growth per sensor and per
incident, and the size of its persisted state (:meth:`Correlator.state`, key and orjson
value). Exits 1 if the core holds fewer than 90% of the incidents or sensors asked for.

    python -m benchmarks.memory [--sensors 100000] [--incidents 10000] [--batch 5000]
        [--spacing-m 800] [--span-s 20]
"""

from __future__ import annotations

import argparse
import gc
import math
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from rich.console import Console
from rich.progress import track

from geofences.frame import Frame
from geofences.index import GeofenceSet
from stream import memory
from stream.correlation import state_codec
from stream.correlation.engine import Correlator
from stream.correlation.evidence import Evidence, Heartbeat
from stream.models import GroundDetection, SensorHealth, SensorKind, TargetClass

T0 = 1_800_000_000.0
STEP_M = 10.0  # between two sensors of a line (at most 90 m for a whole line)
WALK_MPS = 1.4
F = npt.NDArray[np.float64]


def status_mb() -> tuple[float, float]:
    """This process's resident set now and at its peak (VmRSS, VmHWM), in MB."""
    d = dict(line.split(":", 1) for line in
             Path("/proc/self/status").read_text().splitlines() if ":" in line)
    return int(d["VmRSS"].split()[0]) / 1024, int(d["VmHWM"].split()[0]) / 1024


def axes(frame: Frame) -> tuple[float, float, float, float, float]:
    """The line's first point, the unit vector of its chord (to its last point) and the
    chord's length."""
    (ax, bx), (ay, by) = frame.point([0.0, frame.length])
    chord = math.hypot(bx - ax, by - ay)
    return ax, ay, (bx - ax) / chord, (by - ay) / chord, chord


def sites(frame: Frame, n: int, spacing: float) -> tuple[F, F]:
    """``n`` target sites ``spacing`` apart (metric x, y): a grid aligned with the line's
    chord, columns along it, rows parallel to it on both sides, nearest first.

    >>> f = GeofenceSet.load_bundled().frame
    >>> x, y = sites(f, 500, 800.0)
    >>> d = np.hypot(x[:, None] - x, y[:, None] - y) + np.eye(500) * 1e9
    >>> side = np.sign(f.signed_distance(x, y))
    >>> len(x), round(float(d.min())), int((side > 0).sum()), int((side < 0).sum())
    (500, 800, 423, 77)
    """
    ax, ay, ux, uy, chord = axes(frame)
    cols = max(int(chord // spacing), 1)
    k = np.arange(n)
    row = k // cols
    u = (k % cols + 0.5) * spacing + (chord - cols * spacing) / 2
    v = spacing * ((row + 1) // 2) * np.where(row % 2, 1, -1)  # 0, -s, +s, -2s, ...
    return ax + u * ux + v * uy, ay + u * uy - v * ux  # (uy, -ux): the home side


@dataclass(frozen=True, slots=True)
class Load:
    """Per sensor: its position, the time of its heartbeat and of its detection."""

    lon: F
    lat: F
    beat_ts: F
    hit_ts: F


def synthesize(frame: Frame, sensors: int, incidents: int, spacing: float = 800.0,
               span: float = 20.0, seed: int = 1) -> Load:
    """Sensor ``j`` stands on the line of target ``j % incidents``, ``j // incidents``-th
    from its far end; heartbeats within the first 10 s, detections after."""
    rng = np.random.default_rng(seed)
    sx, sy = sites(frame, incidents, spacing)
    _, _, ux, uy, _ = axes(frame)
    j = np.arange(sensors)
    target, k = j % incidents, j // incidents
    per = np.bincount(target, minlength=incidents)
    step = min(STEP_M, 90.0 / max(int(per.max()) - 1, 1))
    d = (k - (per[target] - 1) / 2) * step  # a line across the border, walked homewards
    lon, lat = frame.to_wgs84(sx[target] + d * uy, sy[target] - d * ux)
    start = 10.0 + rng.uniform(0.0, span, incidents)
    return Load(lon, lat, rng.uniform(0.0, 10.0, sensors), start[target] + k * step / WALK_MPS)


def heartbeats(load: Load, idx: npt.NDArray[np.intp]) -> list[Heartbeat]:
    """The heartbeats of sensors ``idx``, each with its position."""
    return [Heartbeat(SensorHealth(sensor_id=f"s-{j}", seq=0, kind=SensorKind.SEISMIC,
                                   ts=T0 + t, battery=0.9, lon=lo, lat=la),
                      "bench.sensors.health", 0)
            for j, t, lo, la in zip(idx.tolist(), load.beat_ts[idx].tolist(),
                                    load.lon[idx].tolist(), load.lat[idx].tolist(), strict=True)]


def detections(load: Load, idx: npt.NDArray[np.intp]) -> list[Evidence]:
    """The detections of sensors ``idx``: a person passing (strengths vary)."""
    kinds = (SensorKind.SEISMIC, SensorKind.ACOUSTIC)
    return [Evidence(GroundDetection(sensor_id=f"s-{j}", seq=1, kind=kinds[j % 2], ts=T0 + t,
                                     lon=lo, lat=la, strength=0.6 + 0.3 * (j % 7) / 6,
                                     signature=TargetClass.PERSON),
                     "bench.sensors.ground", 0, j)
            for j, t, lo, la in zip(idx.tolist(), load.hit_ts[idx].tolist(),
                                    load.lon[idx].tolist(), load.lat[idx].tolist(), strict=True)]


def batches(ts: F, size: int) -> list[npt.NDArray[np.intp]]:
    """Sensor indices in time order, ``size`` at a time."""
    order = np.argsort(ts, kind="stable")
    return [order[i:i + size] for i in range(0, order.size, size)]


def feed_beats(cor: Correlator, load: Load, idx: npt.NDArray[np.intp]) -> None:
    """One message of heartbeats, as the worker takes it: sites learnt, then correlated."""
    beats = heartbeats(load, idx)
    for j, lo, la in zip(idx.tolist(), load.lon[idx].tolist(), load.lat[idx].tolist(),
                         strict=True):
        cor.place_sensor(f"s-{j}", lo, la)
    now = beats[-1].report.ts + 0.5
    cor.process([], now=now, health=beats)
    cor.tick(now + cor.policies.lifecycle.confirm_s)


def feed_hits(cor: Correlator, load: Load, idx: npt.NDArray[np.intp]) -> None:
    """One message of detections, then the worker's next tick."""
    ev = detections(load, idx)
    now = ev[-1].report.ts + 0.5
    cor.process(ev, now=now)
    cor.tick(now + cor.policies.lifecycle.confirm_s)


def settle(cor: Correlator) -> None:
    """The stream goes idle: the clock releases what it held back."""
    cor.tick(cor.watermark + 0.5 + cor.policies.lateness.idle_s)


def held(cor: Correlator) -> tuple[int, int, int]:
    """Open incidents, sensor sites and sensors in the fault watch the core holds."""
    return (sum(i.open for i in cor.incidents.values()), len(cor.sites),
            len(cor.store.faults.beats))


def state_bytes(cor: Correlator) -> dict[str, int]:
    """Bytes of the persisted state (its encoded values) by kind of key."""
    return state_codec.bytes_by_kind({k: state_codec.dumps(v) for k, v in cor.state().items()})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sensors", type=int, default=100_000)
    ap.add_argument("--incidents", type=int, default=10_000)
    ap.add_argument("--batch", type=int, default=5_000, help="reports a message")
    ap.add_argument("--spacing-m", type=float, default=800.0, help="between two targets")
    ap.add_argument("--span-s", type=float, default=20.0, help="targets start within this")
    args = ap.parse_args()
    memory.RERUN_ALLOWED = True  # on the worker's allocator (this command runs again)
    memory.use_system_allocator()
    memory.tune_collector()  # as the worker runs the core
    console = Console()
    console.print(f"allocator: {memory.allocator()}")
    wall = time.perf_counter()
    fences = GeofenceSet.load_bundled()
    with console.status("synthesizing"):
        load = synthesize(fences.frame, args.sensors, args.incidents, args.spacing_m,
                          args.span_s)
    gc.collect()
    memory.trim()
    before, _ = status_mb()
    cor = Correlator(fences)
    rss: list[tuple[float, float]] = []  # (now, peak) after each phase
    for label, ts, feed in (("heartbeats", load.beat_ts, feed_beats),
                            ("walkers", load.hit_ts, feed_hits)):
        for idx in track(batches(ts, args.batch), label, console=console):
            feed(cor, load, idx)
        settle(cor)
        gc.collect()
        memory.trim()
        rss.append(status_mb())
    (mid, _), (after, peak) = rss
    n_open, n_sites, n_watched = held(cor)
    t_load = time.perf_counter() - wall
    with console.status("encoding state"):
        size = state_bytes(cor)
    mb = 1024 * 1024
    console.print(f"RSS before the core {before:,.0f} MB, after heartbeats {mid:,.0f} MB, "
                  f"after walkers {after:,.0f} MB (peak {peak:,.0f} MB)")
    console.print(f"core holds {n_open:,} open incidents (of {len(cor.incidents):,}), "
                  f"{n_sites:,} sensor sites, {n_watched:,} sensors in the fault watch")
    console.print(f"growth {after - before:,.0f} MB: {(mid - before) * mb / args.sensors:,.0f} "
                  f"B a sensor (heartbeat), {(after - mid) * mb / args.incidents:,.0f} B an "
                  f"incident with its sensors' hits; "
                  f"{(after - before) * mb / args.incidents:,.0f} B an incident all told")
    console.print(f"persisted state {sum(size.values()) / mb:,.1f} MB ("
                  + ", ".join(f"{k} {v / mb:,.1f}" for k, v in sorted(size.items())) + ")")
    console.print(f"wall {time.perf_counter() - wall:,.1f} s ({t_load:,.1f} s to the figures)")
    if n_open < 0.9 * args.incidents or min(n_sites, n_watched) < 0.9 * args.sensors:
        raise SystemExit(f"the core holds {n_open:,} open incidents and {n_sites:,} sensors, "
                         f"far fewer than the {args.incidents:,} and {args.sensors:,} asked for")


if __name__ == "__main__":
    main()
