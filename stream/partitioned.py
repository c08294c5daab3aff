"""Correlation by place in one process: raw sensor messages routed to the partitions of
the places they report on (:mod:`stream.placed`), one :class:`~stream.pipeline.Pipeline`
per partition. What a worker holding every partition of the placed topic computes, and so
what any number of workers in one consumer group compute together.

>>> from prometheus_client import CollectorRegistry
>>> from geofences.index import GeofenceSet
>>> from stream.metrics import Metrics
>>> from stream.settings import Settings
>>> group = Partitioned(Settings(partitions=3), GeofenceSet.load_bundled(),
...                     Metrics(CollectorRegistry()))
>>> raw = RawMessage("borderwatch.sensors.ground", 0, 0, b"gw-1", b"{}")
>>> [len(r.dead_letters) for r in group.process([raw], now=1.8e9).values()]
[1, 0, 0]
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import replace
from typing import NamedTuple

from geofences.index import GeofenceSet
from stream import progress, topics
from stream.batch import BatchResult, RawMessage
from stream.codec import decoders, future_letter
from stream.core_gauges import CoreGauges
from stream.correlation.clock import Mark
from stream.correlation.places import Places
from stream.correlation.policies import Policies
from stream.correlation.tasking import CameraSite
from stream.metrics import Metrics
from stream.models import DeadLetter
from stream.pipeline import Pipeline
from stream.placed import Copies, Share, copies, report_shares
from stream.settings import Settings


def places_of(settings: Settings, fences: GeofenceSet) -> Places:
    """The placing of ``settings`` over the boundary of ``fences``."""
    return Places(fences.frame, settings.partitions, settings.place_cell_m,
                  settings.place_margin_m)


class Routed(NamedTuple):
    """Where a message goes: its topic and, per partition, the copy it gets and the shares
    of the copy's reports; ``ts``: its newest valid report's time; ``letters``: the dead
    letters of what it refused (sent once, by the router)."""

    topic: str
    copies: Copies
    ts: float | None = None
    letters: tuple[DeadLetter, ...] = ()


class Router:
    """Where a raw message goes: a sensor message to the placed topic of its kind, on the
    partitions of the places it reports on; an ack on the partition it came on, a tick to
    every partition."""

    def __init__(self, settings: Settings, places: Places) -> None:
        self.places = places
        self.skew_s = settings.clock_skew_s
        self.decoders = decoders(settings)
        self.placed = {settings.topic(name): topics.placed_topic(settings, name)
                       for name in topics.PLACED}
        self.ticks = settings.topic(topics.TICKS.name)

    def route(self, msg: RawMessage, now: float) -> Routed:
        """Where ``msg`` goes, arriving at ``now`` (reports further ahead of it than the
        clock-skew tolerance are refused here)."""
        raw = msg.value or b""
        if msg.topic == self.ticks:
            return Routed(msg.topic, {p: (raw, ()) for p in self.places.everywhere})
        topic = self.placed.get(msg.topic)
        if topic is None:
            return Routed(msg.topic, {msg.partition % self.places.partitions: (raw, ())})
        items, letters = self.decoders[msg.topic].decode(
            raw, topic=msg.topic, partition=msg.partition, offset=msg.offset, key=msg.key)
        ahead = [i for i in items if i.report.ts > now + self.skew_s]
        if ahead:
            letters.append(future_letter(msg, ahead, now, self.skew_s))
            items = [i for i in items if i.report.ts <= now + self.skew_s]
        reports = [i.report for i in items]
        shares = report_shares(self.places, reports)
        return Routed(topic, copies(raw, [i.index for i in items], shares, not letters),
                      max((r.ts for r in reports), default=None), tuple(letters))


class Partitioned:
    """One pipeline per placed partition held; :meth:`process` routes a batch between
    them, :meth:`process_placed` takes messages already on their partitions."""

    def __init__(
        self,
        settings: Settings,
        fences: GeofenceSet,
        metrics: Metrics,
        policies: Policies | None = None,
        cameras: Sequence[CameraSite] = (),
        sensor_sites: dict[str, tuple[float, float]] | None = None,
    ) -> None:
        self.settings, self.metrics, self.fences = settings, metrics, fences
        self._args = (policies, cameras, sensor_sites)
        self.places = places_of(settings, fences)
        self.router = Router(settings, self.places)
        self.gauges = CoreGauges(metrics)
        self.pipes: dict[int, Pipeline] = {}
        self.hold(range(self.places.partitions))

    def hold(self, partitions: Iterable[int]) -> None:
        """Fresh pipelines for exactly these partitions (a worker given them restores
        their state into them)."""
        self.pipes = {p: Pipeline(self.settings, self.fences, self.metrics, *self._args,
                                  share=Share(self.places, p))
                      for p in sorted(partitions)}

    @property
    def idle_s(self) -> float:
        """Processing time after which a silent sensor partition counts as idle."""
        return (self._args[0] or Policies.bundled()).lateness.idle_s

    @property
    def policies_version(self) -> str:
        return next(iter(self.pipes.values())).correlator.policies.version if self.pipes \
            else "-"

    def use_fences(self, fences: GeofenceSet) -> None:
        """Switch every pipeline to another geofence set (the partitions stay as placed:
        a new boundary moves stretches only for workers started on it)."""
        self.fences = fences
        for pipe in self.pipes.values():
            pipe.use_fences(fences)

    def split(self, messages: Iterable[RawMessage], now: float
              ) -> tuple[dict[int, list[RawMessage]], list[DeadLetter]]:
        """Each partition's messages, in order, each on its placed topic and partition,
        and the dead letters the routing refused."""
        out: dict[int, list[RawMessage]] = {p: [] for p in self.pipes}
        letters: list[DeadLetter] = []
        for msg in messages:
            to = self.router.route(msg, now if msg.ts is None else min(msg.ts, now))
            letters += to.letters
            for p, (value, shares) in sorted(to.copies.items()):
                out[p].append(replace(msg, topic=to.topic, partition=p, value=value,
                                      origin=msg.sent, shares=shares))
            if to.ts is not None:  # the others hear how far its partition got, as live
                mark = progress.encode([Mark(f"{msg.topic}:{msg.partition}", to.ts)])
                for p in sorted(out.keys() - to.copies.keys()):
                    out[p].append(RawMessage(to.topic, p, -1, None, mark, msg.ts,
                                             progress=True))
        return out, letters

    def process(self, messages: Sequence[RawMessage], now: float) -> dict[int, BatchResult]:
        """Each partition's result of its share of ``messages`` (the routing's dead letters
        with the lowest partition's)."""
        batches, letters = self.split(messages, now)
        out = self.process_placed(batches, now)
        if letters:
            first = out[min(out)]
            first.dead_letters[:0] = letters
        return out

    def process_placed(self, batches: dict[int, list[RawMessage]], now: float,
                       unread: Collection[str] = ()) -> dict[int, BatchResult]:
        """Each held partition's result of its messages (``unread``: ``topic:partition``
        of the placed partitions holding messages not handed over yet)."""
        out = {}
        for p, batch in sorted(batches.items()):
            mine = {u for u in unread if u.rsplit(":", 1)[-1] == str(p)}
            out[p] = self.pipes[p].process(batch, now, mine)
        pipes = self.pipes.values()
        self.gauges.show([pipe.clock for pipe in pipes],
                         sum((pipe.open_faults() for pipe in pipes), Counter()))
        return out


def merged(results: Mapping[int, BatchResult]) -> BatchResult:
    """The outputs of every partition's result, partition by partition (state changes
    stay with each partition's result).

    >>> merged({0: BatchResult(reports=2), 1: BatchResult(reports=3)}).reports
    5
    """
    out = BatchResult()
    for p in sorted(results):
        r = results[p]
        out.alerts += r.alerts
        out.dead_letters += r.dead_letters
        out.health += r.health
        out.tasks += r.tasks
        out.late += r.late
        out.zone_events += r.zone_events
        out.rate_limited.update(r.rate_limited)
        out.reports += r.reports
        out.positions += r.positions
    return out
