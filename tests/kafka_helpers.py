"""Small confluent-kafka helpers for integration tests."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

from confluent_kafka import OFFSET_BEGINNING, Consumer, Producer, TopicPartition

from stream import kafka_clients
from stream.evaluation.facts import NotYet, wait_lag_zero, wait_released
from stream.settings import Settings
from stream.topics import CAMERA, GROUND, HEALTH, TICKS


def produce(
    settings: Settings, topic: str, items: list[tuple[bytes | None, bytes]], **config: Any
) -> None:
    """Send ``(key, value)`` pairs to a full topic name and wait for every ack."""
    p = Producer(settings.producer_config(**config))
    for key, value in items:
        p.produce(topic, value, key)
    assert p.flush(30) == 0


def consume(
    settings: Settings,
    topic: str,
    *,
    expect: int,
    timeout: float = 30.0,
) -> list[tuple[bytes | None, bytes]]:
    """Read a topic from the beginning until ``expect`` messages (or ``timeout`` s passed:
    the caller's assertion on what came then fails). To read everything a topic holds, use
    :func:`consume_to_end`; never a quiet period."""
    c = Consumer(settings.consumer_config(f"test-{uuid.uuid4().hex[:8]}"))
    meta = c.list_topics(topic, timeout=10).topics[topic]
    c.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in meta.partitions])
    out: list[tuple[bytes | None, bytes]] = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline and len(out) < expect:
            msg = c.poll(0.2)
            if msg is None or msg.error():
                continue
            out.append((msg.key(), msg.value() or b""))
    finally:
        c.close()
    return out


def consume_to_end(
    settings: Settings, topic: str, *, timeout: float = 60.0
) -> list[tuple[bytes | None, bytes]]:
    """Every message ``topic`` holds now: from the beginning to the end-of-partition event of
    every partition (the true end, whatever end offset the broker reports)."""
    return [(k, v or b"") for k, v in kafka_clients.read_to_end(settings, topic, timeout)]


def consume_until(
    settings: Settings,
    topic: str,
    done: Callable[[list[tuple[bytes | None, bytes]]], bool],
    *,
    timeout: float = 60.0,
) -> list[tuple[bytes | None, bytes]]:
    """Read a topic from the beginning until ``done(messages)`` holds, then on to the end
    of every partition as it is at that moment (whatever was sent with it); a fact, not a
    quiet period, ends the read. Fails if ``done`` never holds within ``timeout``."""
    c = Consumer(settings.consumer_config(f"test-{uuid.uuid4().hex[:8]}"))
    meta = c.list_topics(topic, timeout=10).topics[topic]
    parts = [TopicPartition(topic, p, OFFSET_BEGINNING) for p in meta.partitions]
    c.assign(parts)
    out: list[tuple[bytes | None, bytes]] = []
    deadline = time.monotonic() + timeout
    ends: dict[int, int] | None = None
    seen: dict[int, int] = {}
    try:
        while time.monotonic() < deadline:
            if ends is None and done(out):  # (true ends: a batch's last record included)
                ends = {p: e for (_, p), e in kafka_clients.end_offsets(settings, [topic]).items()}
            if ends is not None and all(seen.get(p, 0) >= e for p, e in ends.items()):
                return out
            msg = c.poll(0.2)
            if msg is None or msg.error():
                continue
            out.append((msg.key(), msg.value() or b""))
            seen[msg.partition()] = (msg.offset() or 0) + 1
    finally:
        c.close()
    raise AssertionError(f"{topic}: condition not met within {timeout} s ({len(out)} read)")


def wait_committed(settings: Settings, topics: list[str], timeout: float = 60.0) -> None:
    """Block until the worker's consumer group (``settings.app_id``) has committed every
    message of ``topics`` up to their true ends: consumer lag zero
    (:func:`stream.evaluation.facts.wait_lag_zero`); AssertionError naming the lag if not."""
    try:
        wait_lag_zero(settings, settings.app_id, topics, time.monotonic() + timeout)
    except NotYet as exc:
        raise AssertionError(f"the worker's {exc}") from None


def wait_settled(settings: Settings, timeout: float = 180.0) -> None:
    """Block until the worker of ``settings`` is done with everything published so far: its
    group committed every message of the sensor topics, its correlator released event time
    past the newest report it saw (it flushes once its sources are idle), and then its group
    committed the ticks topic to its end (a batch's outputs are sent before its offsets are
    committed, so every alert is on its topic)."""
    deadline = time.monotonic() + timeout
    sensors = [settings.topic(t.name) for t in (GROUND, CAMERA, HEALTH)]
    wait_committed(settings, sensors, timeout)
    url = f"http://{settings.metrics_host}:{settings.metrics_port}/metrics"
    wait_released(url, deadline)
    wait_committed(settings, [settings.topic(TICKS.name)], max(1.0, deadline - time.monotonic()))


def reported_ends(settings: Settings, topic: str) -> dict[tuple[str, int], int]:
    """Each partition's end as the broker answers ListOffsets (what Faust's table recovery
    reads a changelog up to)."""
    c = kafka_clients.consumer(settings, f"test-ends-{uuid.uuid4().hex[:8]}")
    try:
        return {(topic, p): c.get_watermark_offsets(TopicPartition(topic, p), 10)[1]
                for p in kafka_clients.partitions(c, topic)}
    finally:
        c.close()


def committed(settings: Settings, topics: list[str]) -> dict[str, int]:
    """``topic:partition`` -> the offset the worker's group has committed (-1001: none)."""
    group = Consumer(settings.consumer_config(settings.app_id))
    try:
        tps = [TopicPartition(t, p) for t in topics for p in kafka_clients.partitions(group, t)]
        return {f"{tp.topic}:{tp.partition}": tp.offset for tp in group.committed(tps, 10)}
    finally:
        group.close()


def dump_topic(settings: Settings, topic: str, timeout: float = 30.0) -> list[dict[str, Any]]:
    """Every message ``topic`` holds now with its partition, offset and timestamp (for a
    failing test to leave behind)."""
    c = Consumer(settings.consumer_config(f"test-{uuid.uuid4().hex[:8]}"))
    try:
        parts = kafka_clients.partitions(c, topic)
        ends = {p: e for (_, p), e in kafka_clients.end_offsets(settings, [topic]).items()}
        c.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in parts])
        out: list[dict[str, Any]] = []
        seen = {p: 0 for p in parts}
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and any(seen[p] < e for p, e in ends.items()):
            msg = c.poll(0.2)
            if msg is None or msg.error():
                continue
            seen[msg.partition()] = (msg.offset() or 0) + 1
            value = msg.value()
            out.append({"p": msg.partition(), "o": msg.offset(), "ts": msg.timestamp()[1],
                        "key": (msg.key() or b"").decode(errors="replace"),
                        "value": None if value is None else value.decode(errors="replace")})
        return out
    finally:
        c.close()
