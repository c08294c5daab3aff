"""The scale rows' backlog and how its messages are keyed (see :mod:`benchmarks.scale`).

Both keyings carry the same reports (same seed, same strengths, same event time):

* ``gateway`` (as deployed): every sensor site belongs to one gateway. The sites of both
  lines, sorted by their position along the boundary, are cut into ``gateways`` contiguous
  blocks; a gateway forwards only its own sites' reports, at most ``PER_MESSAGE`` a message
  and at least every ``GATEWAY_WAIT_S`` of event time, keyed by its id. One sensor's
  reports stay on one partition.
* ``round-robin`` (``benchmarks.pipeline``'s load): messages of ``PER_MESSAGE`` consecutive
  reports, whichever sites sent them, keyed by ``gateways`` ids in turn. Every sensor's
  reports are spread over every partition.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence

import numpy as np
import orjson
from confluent_kafka import Producer

from benchmarks.stormy_night import Load
from geofences.index import GeofenceSet

#: One message as produced: key, value.
Keyed = tuple[bytes, bytes]
KEYINGS = ("gateway", "round-robin")
PER_MESSAGE = 100  # reports a message, as pipeline.py's batched rows
TICK_S = 0.05  # event time advances in steps of this, like pipeline.py's latency phase
GATEWAY_WAIT_S = 0.5  # a gateway holds a report at most this long (< the correlator's hold)


def assign_gateways(along_m: Sequence[float], gateways: int) -> list[int]:
    """Gateway (0 .. ``gateways`` - 1) of each site, given each site's metres along the
    boundary: the sites in order along it (ties by index) cut into contiguous blocks whose
    sizes differ by at most one."""
    n = len(along_m)
    order = sorted(range(n), key=lambda i: (along_m[i], i))
    out = [0] * n
    for rank, site in enumerate(order):
        out[site] = rank * min(gateways, n) // n
    return out


def site_gateways(load: Load, gateways: int) -> dict[str, int]:
    """Sensor id -> gateway for every site of ``load``'s strip and buffer lines."""
    ids = [f"{line}-{k}" for line in ("strip", "buffer") for k in range(load.sites)]
    lon, lat = np.array(load.strip + load.buffer).T
    frame = GeofenceSet.load_bundled().frame
    along = frame.along(*frame.to_metric(lon, lat))
    return dict(zip(ids, assign_gateways(along.tolist(), gateways), strict=True))


def _ticks(load: Load, reports: int, rate: float,
           start: float) -> Iterator[tuple[float, range]]:
    """Event time and report numbers of each tick: ``rate * TICK_S`` reports (rounded to
    whole messages) at ``start`` + the tick's offset."""
    per_tick = max(PER_MESSAGE, round(rate * TICK_S / PER_MESSAGE) * PER_MESSAGE)
    for k, first in enumerate(range(0, reports, per_tick)):
        yield round(start + k * per_tick / rate, 3), range(first, min(first + per_tick, reports))


def backlog(load: Load, reports: int, rate: float, start: float, seed: int) -> list[bytes]:
    """``reports`` reports of ``load``, ``PER_MESSAGE`` consecutive ones a message, tick by
    tick (see :func:`_ticks`); strengths drawn from ``seed``."""
    random.seed(seed)
    return [m for ts, seqs in _ticks(load, reports, rate, start)
            for m in load.messages(seqs.start, len(seqs), PER_MESSAGE, ts)]


def round_robin(messages: list[bytes], gateways: int) -> list[Keyed]:
    """``messages`` keyed by ``gateways`` ids in turn, as ``benchmarks.pipeline.produce``."""
    return [(f"gw-{i % gateways}".encode(), m) for i, m in enumerate(messages)]


def _message(gateway: int, items: list[dict[str, object]]) -> Keyed:
    key = f"gw-{gateway}"
    return key.encode(), orjson.dumps({"v": 1, "source": key, "reports": items})


def by_gateway(load: Load, reports: int, rate: float, start: float, seed: int,
               gateways: int) -> list[Keyed]:
    """The same reports as :func:`backlog`, each in a message of its site's gateway: a
    gateway sends once it holds ``PER_MESSAGE`` reports, or at a tick once its oldest
    waited ``GATEWAY_WAIT_S``; whatever is left at the end goes last."""
    random.seed(seed)
    owner = site_gateways(load, gateways)
    held: dict[int, list[dict[str, object]]] = {}
    since: dict[int, float] = {}  # gateway -> event time of its oldest held report
    out: list[Keyed] = []
    for ts, seqs in _ticks(load, reports, rate, start):
        for seq in seqs:
            r = load.report(seq, ts)
            g = owner[str(r["sensor_id"])]
            since.setdefault(g, ts)
            held.setdefault(g, []).append(r)
            if len(held[g]) == PER_MESSAGE:
                out.append(_message(g, held.pop(g)))
                del since[g]
        for g in [g for g, t in since.items() if round(ts - t, 3) >= GATEWAY_WAIT_S]:
            out.append(_message(g, held.pop(g)))
            del since[g]
    out.extend(_message(g, items) for g, items in held.items())
    return out


def keyed_backlog(load: Load, keying: str, reports: int, rate: float, start: float,
                  seed: int, gateways: int) -> list[Keyed]:
    """The backlog of every row under ``keying`` (one of ``KEYINGS``)."""
    if keying == "gateway":
        return by_gateway(load, reports, rate, start, seed, gateways)
    if keying == "round-robin":
        return round_robin(backlog(load, reports, rate, start, seed), gateways)
    raise ValueError(f"unknown keying {keying!r}: one of {', '.join(KEYINGS)}")


def produce_keyed(producer: Producer, topic: str, messages: list[Keyed]) -> None:
    """Produce ``messages`` with their keys, then flush."""
    for key, value in messages:
        while True:
            try:
                producer.produce(topic, value, key)
                break
            except BufferError:
                producer.poll(0.05)
    producer.poll(0)
    producer.flush(120)
