"""A worker's fetch holds a run of one partition's messages, then the next partition's: the
messages of one batch arrived together, so a partition whose run comes second in the batch
is not judged against the event time the first run brought. Here a fresh worker reads a
recorded scenario whose partitions were all unread until the batch that reads them."""

from __future__ import annotations

import zlib
from functools import cache

import pytest
from prometheus_client import CollectorRegistry

from geofences.index import GeofenceSet
from simulators.scenario import load_scenario
from simulators.world import World
from stream.batch import RawMessage
from stream.correlation.tasking import sites_from_records
from stream.evaluation.runner import worker_feed
from stream.metrics import Metrics
from stream.models import Alert
from stream.pipeline import Pipeline
from stream.settings import Settings

FENCES = GeofenceSet.load_bundled()
START = 1_800_000_000.0


def pipeline(name: str) -> Pipeline:
    cameras, sensors = sites_from_records(World(load_scenario(name), start=START).truth_records())
    return Pipeline(Settings(), FENCES, Metrics(CollectorRegistry()), cameras=cameras,
                    sensor_sites=sensors)


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


def in_one_batch(name: str, stamped: bool) -> tuple[int, list[str]]:
    """The scenario in two partitions per topic, read in one batch in partition order (all
    of partition 0, then all of partition 1) after it ended; late reports and rules.
    ``stamped``: each message its own arrival (at the batch's time)."""
    settings, ems = Settings(), list(World(load_scenario(name), start=START).run())
    now = max(em.ts for em in ems) + 1.0
    parts = [zlib.crc32(em.key.encode()) % 2 for em in ems]
    msgs = [RawMessage(settings.topic(em.topic), p, i, em.key.encode(), em.value,
                       now if stamped else None)
            for p in (0, 1) for i, (em, q) in enumerate(zip(ems, parts, strict=True)) if q == p]
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
