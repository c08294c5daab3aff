"""Read alerts (or zone events) from their topic: confluent-kafka, partitions assigned
directly, no consumer group."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, TypeVar

from confluent_kafka import (
    OFFSET_BEGINNING,
    OFFSET_END,
    Consumer,
    KafkaException,
    TopicPartition,
)
from pydantic import ValidationError

from stream import kafka_clients, topics
from stream.models import Alert, Severity, ZoneEvent
from stream.settings import Settings

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from geofences.index import GeofenceSet

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
    """Yield alerts as they arrive; stops after ``timeout`` seconds without one, if given.

    With signing keys configured, an alert not signed by one of them (written to the topic
    by anyone but a worker) is refused: logged once per alert and never yielded.
    """
    keys = settings.key_ring()
    for alert in read_topic(settings, topics.ALERTS, Alert, from_beginning=from_beginning,
                            timeout=timeout, idle=idle):
        refused = keys.check_model(alert)
        if refused is None:
            yield alert
        else:
            log.warning("alert %s refused: %s", alert.id, refused.replace("_", " "))


def assigned_consumer(
    settings: Settings, specs: Sequence[topics.TopicSpec], start: int = OFFSET_BEGINNING
) -> Consumer:
    """A consumer assigned every partition of the topics at ``start``: no consumer group is
    joined and nothing is committed, so any number of readers each see everything."""
    consumer = kafka_clients.consumer(
        settings, f"borderwatch-reader-{uuid.uuid4().hex[:8]}", **{"enable.partition.eof": False}
    )
    try:
        assignment = []
        for spec in specs:
            name = settings.topic(spec.name)
            assignment += [TopicPartition(name, p, start)
                           for p in kafka_clients.partitions(consumer, name)]
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


def read_snapshot(
    settings: Settings, spec: topics.TopicSpec, timeout: float = 15.0
) -> Iterator[tuple[bytes | None, bytes | None]]:
    """(key, value) of every message now in the topic, oldest first per partition; stops at
    the end of every partition, or after ``timeout`` s with a warning naming what is unread."""
    try:
        yield from kafka_clients.read_to_end(settings, settings.topic(spec.name), timeout)
    except TimeoutError as exc:
        log.warning("stopped reading early: %s", exc)


def find_alert(settings: Settings, id_or_prefix: str,
               min_prefix: int = 8) -> dict[str, Alert | None]:
    """The alerts on the alert topic whose id equals ``id_or_prefix``, or starts with it
    (``alr-`` may be left out; a prefix has ``min_prefix`` characters at least, as the alert
    table shows), each with its first message (None if it does not read as an alert); an
    exact match is the only one returned."""
    want = id_or_prefix if id_or_prefix.startswith("alr-") else f"alr-{id_or_prefix}"
    prefix_ok = len(want) - len("alr-") >= min_prefix
    found: dict[str, Alert | None] = {}
    for key, value in read_snapshot(settings, topics.ALERTS):
        alert_id = (key or b"").decode("utf-8", "replace")
        exact = alert_id in (id_or_prefix, want)
        if exact or (prefix_ok and alert_id.startswith(want) and alert_id not in found):
            try:
                alert: Alert | None = Alert.model_validate_json(value or b"")
            except ValidationError:
                alert = None
            if exact:
                return {alert_id: alert}
            found[alert_id] = alert
    return dict(sorted(found.items()))


def fences_in_force(settings: Settings) -> GeofenceSet:
    """The geofence set in force: the newest published, else the configured or bundled one."""
    from geofences.store import load_valid, to_set
    from stream.agents.geofences import FenceLog, newest_valid

    reader = FenceLog(settings)
    try:
        published, _ = newest_valid(reader.read_to_end(5.0))
    finally:
        reader.close()
    if published is not None:
        return to_set(published)
    return load_valid(settings.geofences)


def known_sectors(settings: Settings) -> list[str]:
    """Patrol sectors of the geofence set in force."""
    from stream.health import fence_sectors

    return fence_sectors(fences_in_force(settings))
