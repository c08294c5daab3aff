"""A worker's fetch holds a run of one partition's messages, then the next partition's: the
messages of one batch arrived together, so a partition whose run comes second in the batch
is not judged against the event time the first run brought. Here a fresh worker reads a
recorded scenario whose partitions were all unread until the batch that reads them."""

from __future__ import annotations

import zlib
from collections import Counter
from functools import cache

import pytest
from prometheus_client import CollectorRegistry

from geofences.index import GeofenceSet
from simulators.scenario import load_scenario
from simulators.world import World
from stream.batch import RawMessage
from stream.correlation.inventory import Inventory
from stream.evaluation.runner import worker_feed
from stream.metrics import Metrics
from stream.models import Alert
from stream.pipeline import Pipeline
from stream.settings import Settings

FENCES = GeofenceSet.load_bundled()
START = 1_800_000_000.0


def pipeline(name: str) -> Pipeline:
    inv = Inventory.from_records(World(load_scenario(name), start=START).truth_records())
    return Pipeline(Settings(), FENCES, Metrics(CollectorRegistry()),
                    inventory=Inventory(inv.cameras, inv.sites))


def rules(alerts: list[Alert]) -> list[str]:
    """The rule of each medium-or-worse alert id."""
    return sorted({a.id: a.rule for a in alerts if a.severity.rank >= 1}.values())


@cache
def in_event_order(name: str) -> list[str]:
    """The reference: each message read when it was sent."""
    pipe, alerts = pipeline(name), []
    for ts, msg in worker_feed(Settings(), World(load_scenario(name), start=START).run(), START,
                               after_s=400.0):
        alerts += pipe.process([msg], ts).alerts
    return rules(alerts)


def two_partitions(name: str, stamped: bool = False) -> tuple[list[list[RawMessage]], float]:
    """The scenario's messages in two partitions per topic (by key), and a time just after it
    ended. ``stamped``: each message carries that time as its arrival."""
    settings, ems = Settings(), list(World(load_scenario(name), start=START).run())
    now = max(em.ts for em in ems) + 1.0
    parts: list[list[RawMessage]] = [[], []]
    for em in ems:
        p = zlib.crc32(em.key.encode()) % 2
        parts[p].append(RawMessage(settings.topic(em.topic), p, len(parts[p]), em.key.encode(),
                                   em.value, now if stamped else None))
    return parts, now


def in_one_batch(name: str, stamped: bool) -> tuple[int, list[str]]:
    """The scenario read in one batch in partition order (all of partition 0, then all of
    partition 1) after it ended; late reports and rules. ``stamped``: each message its own
    arrival (at the batch's time)."""
    parts, now = two_partitions(name, stamped)
    msgs = parts[0] + parts[1]
    pipe = pipeline(name)
    pipe.process([], now - 1.0, unread={f"{m.topic}:{m.partition}" for m in msgs})
    out = pipe.process(msgs, now)
    alerts = out.alerts + [a for t in range(1, 400) for a in pipe.tick(now + t).alerts]
    return len(out.late), rules(alerts)


@pytest.mark.parametrize("name", ["tamper-gap", "five-on-foot"])
def test_a_batch_read_partition_after_partition_gives_the_scenario_in_event_order(
    name: str,
) -> None:
    assert in_one_batch(name, stamped=False) == (0, in_event_order(name))


def test_judged_message_by_message_the_second_partition_would_come_too_late() -> None:
    """The case is worth testing: one arrival per message gives other alerts."""
    assert in_one_batch("tamper-gap", stamped=True)[1] != in_event_order("tamper-gap")


def starved(name: str, tell: bool) -> tuple[int, list[str]]:
    """Partition 1 hands over its first 50 messages, then the worker reads all of partition
    0 in batches of 50, one a second (partition 1 silent far longer than ``idle_s``), then
    the rest of partition 1. ``tell``: the worker says which partitions it is behind on."""
    parts, now = two_partitions(name)
    runs = [parts[1][:50], parts[0], parts[1][50:]]
    batches = [run[i:i + 50] for run in runs for i in range(0, len(run), 50)]
    left = Counter(f"{m.topic}:{m.partition}" for m in parts[0] + parts[1])
    pipe, late = pipeline(name), 0
    alerts: list[Alert] = []
    for batch in batches:
        now += 1.0
        left.subtract(f"{m.topic}:{m.partition}" for m in batch)
        behind = {source for source, n in left.items() if n > 0} if tell else set()
        out = pipe.process(batch, now, unread=behind)
        late, alerts = late + len(out.late), alerts + out.alerts
    alerts += [a for t in range(1, 400) for a in pipe.tick(now + t).alerts]
    return late, rules(alerts)


@pytest.mark.parametrize("name", ["tamper-gap", "five-on-foot"])
def test_a_partition_left_behind_for_seconds_holds_the_clock_while_it_is_behind(
    name: str,
) -> None:
    assert starved(name, tell=True) == (0, in_event_order(name))


def test_judged_by_idleness_alone_the_partition_left_behind_comes_late() -> None:
    """The case is worth testing: a silent partition is idle after ``idle_s``."""
    assert starved("five-on-foot", tell=False) != (0, in_event_order("five-on-foot"))
