"""Read alerts (or zone events) from their topic: confluent-kafka, partitions assigned
directly, no consumer group."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

from confluent_kafka import OFFSET_BEGINNING, OFFSET_END, Consumer, KafkaException, TopicPartition
from pydantic import ValidationError

from stream import topics
from stream.models import Alert, Severity, ZoneEvent
from stream.settings import Settings

M = TypeVar("M", Alert, ZoneEvent)


def alert_filter(
    sector: str | None = None, min_severity: Severity | None = None
) -> Callable[[Alert], bool]:
    """A predicate keeping a team's own alerts at or above a severity."""

    def keep(alert: Alert) -> bool:
        if sector is not None and alert.sector != sector:
            return False
        return min_severity is None or alert.severity.rank >= min_severity.rank

    return keep


def read_alerts(
    settings: Settings,
    *,
    from_beginning: bool = False,
    timeout: float | None = None,
    idle: Callable[[], None] | None = None,
) -> Iterator[Alert]:
    """Yield alerts as they arrive; stops after ``timeout`` seconds without one, if given."""
    return read_topic(settings, topics.ALERTS, Alert, from_beginning=from_beginning,
                      timeout=timeout, idle=idle)


def assigned_consumer(
    settings: Settings, specs: Sequence[topics.TopicSpec], start: int = OFFSET_BEGINNING
) -> Consumer:
    """A consumer assigned every partition of the topics at ``start``: no consumer group is
    joined and nothing is committed, so any number of readers each see everything."""
    consumer = Consumer(
        settings.consumer_config(
            f"borderwatch-reader-{uuid.uuid4().hex[:8]}", **{"enable.partition.eof": False}
        )
    )
    try:
        assignment = []
        for spec in specs:
            name = settings.topic(spec.name)
            tmeta = consumer.list_topics(name, timeout=10).topics.get(name)
            if tmeta is None or tmeta.error is not None or not tmeta.partitions:
                raise KafkaException(f"topic {name} not found: run `borderwatch topics create`")
            assignment += [TopicPartition(name, p, start) for p in tmeta.partitions]
        consumer.assign(assignment)
    except BaseException:
        consumer.close()
        raise
    return consumer


def read_topic(
    settings: Settings,
    spec: topics.TopicSpec,
    model: type[M],
    *,
    from_beginning: bool = False,
    timeout: float | None = None,
    idle: Callable[[], None] | None = None,
) -> Iterator[M]:
    """Yield the topic's messages as ``model`` objects (others are skipped)."""
    start = OFFSET_BEGINNING if from_beginning else OFFSET_END
    consumer = assigned_consumer(settings, [spec], start)
    try:
        last = time.monotonic()
        while True:
            msg = consumer.poll(0.2)
            if msg is None:
                if idle:
                    idle()
                if timeout is not None and time.monotonic() - last > timeout:
                    return
                continue
            if msg.error():
                raise KafkaException(msg.error())
            last = time.monotonic()
            try:
                yield model.model_validate_json(msg.value() or b"")
            except ValidationError:
                continue  # not a message of a version we understand
    finally:
        consumer.close()
