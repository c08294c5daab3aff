"""Facts a live evaluation waits on, never a quiet period: the true end of partitions, a
consumer group's lag on them, a worker's /metrics samples.

The embedded broker may report a partition's end offset below its last message (it answers
with the last batch's base offset + 1), so the true end is read: from the reported end on
to the end-of-partition event, whose offset is the fetch's high watermark.
"""

from __future__ import annotations

import math
import time
import urllib.request
from collections.abc import Callable, Sequence
from typing import TypeVar

from confluent_kafka import TopicPartition
from prometheus_client.parser import text_string_to_metric_families

from stream import kafka_clients
from stream.settings import Settings

POLL_S = 0.2

T = TypeVar("T")


class NotYet(RuntimeError):
    """A fact did not hold before its deadline; the message says which and how far off."""


def until(fact: Callable[[], T | None], timeout: float, missing: Callable[[], str]) -> T:
    """What ``fact()`` returns once it is not None, asked every ``POLL_S`` (another
    process's state: a log, a /metrics page, a query) for ``timeout`` seconds; else
    :class:`NotYet` with ``missing()``.

    >>> until(lambda: 42, 1.0, lambda: "never")
    42
    >>> until(lambda: None, 0.0, lambda: "no answer")
    Traceback (most recent call last):
    ...
    stream.evaluation.facts.NotYet: no answer
    """
    deadline = time.monotonic() + timeout
    while (got := fact()) is None:
        if time.monotonic() > deadline:
            raise NotYet(missing())
        time.sleep(POLL_S)
    return got


def partition_ends(settings: Settings, topics: Sequence[str],
                   deadline: float) -> dict[tuple[str, int], int]:
    """``{(topic, partition): end offset}`` of every partition of ``topics``, as they are now
    (:func:`stream.kafka_clients.end_offsets`, which reads each to its true end)."""
    try:
        return kafka_clients.end_offsets(settings, topics,
                                         timeout=max(POLL_S, deadline - time.monotonic()))
    except TimeoutError as exc:
        raise NotYet(f"no end of partition on {sorted(set(topics))}: {exc}") from None


def wait_lag_zero(settings: Settings, group: str, topics: Sequence[str],
                  deadline: float) -> None:
    """Return once ``group`` has committed every message ``topics`` hold now (lag zero)."""
    ends = partition_ends(settings, topics, deadline)
    probe = kafka_clients.consumer(settings, group)  # never subscribes: reads commits only
    try:
        tps = [TopicPartition(t, p) for t, p in ends]
        lag: dict[tuple[str, int], int] = {}
        while True:
            done = {(tp.topic, tp.partition): max(tp.offset, 0)
                    for tp in probe.committed(tps, timeout=10)}
            lag = {k: end - done[k] for k, end in ends.items() if end > done[k]}
            if not lag:
                return
            if time.monotonic() > deadline:
                raise NotYet(f"consumer group {group} still lags: {lag}")
            time.sleep(POLL_S)  # commits come on the worker's schedule: poll again
    finally:
        probe.close()


def samples(url: str, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    """The samples of metric ``name`` at a /metrics URL, by label set ({} if unreachable)."""
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            text = r.read().decode()
    except OSError:
        return {}
    return {tuple(sorted(s.labels.items())): s.value
            for family in text_string_to_metric_families(text)
            for s in family.samples if s.name == name}


def event_time(url: str) -> tuple[float | None, float | None]:
    """A worker's correlator event time: (newest seen, released up to)."""
    got = samples(url, "borderwatch_event_time_seconds")
    return got.get((("clock", "seen"),)), got.get((("clock", "released"),))


def wait_released(url: str, deadline: float, alive: Callable[[], None] | None = None,
                  seen_at_least: float = -math.inf) -> None:
    """Return once the worker at ``url`` has correlated every report it saw: its event time
    released past the newest seen (it flushes once its sources are idle). Call it once the
    worker's group lag is zero, so that what it saw is final, or give ``seen_at_least``: the
    event time of the newest report it must have seen. ``alive`` raises if the worker
    died."""
    seen = released = None
    while True:
        if alive is not None:
            alive()
        seen, released = event_time(url)
        if seen is not None and released is not None and released > seen >= seen_at_least:
            return
        if time.monotonic() > deadline:
            raise NotYet(f"the correlator released event time {released} of {seen} seen")
        time.sleep(POLL_S)  # poll interval of the worker's /metrics
