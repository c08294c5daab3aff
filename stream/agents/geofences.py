"""Hot reload of geofence sets from the compacted ``<prefix>.geofences`` topic.

Every worker must apply every published version, so this is deliberately *not* a
consumer-group agent: in a group, the topic's single partition would go to one worker
only. Each worker runs its own reader (:class:`FenceLog`, confluent-kafka with
``assign()`` to partition 0 from the beginning, never subscribing or committing), so
each reads the whole compacted log at start and then every new version.

Not a Faust GlobalTable either: table recovery trusts the broker's reported end offset,
which the embedded broker reports too low (it would silently miss the newest set), and
a table would add a changelog topic for data that already lives in a compacted topic.

The swap is atomic: a set is parsed and indexed off the event loop, then handed to
``Pipeline.use_fences`` on it, between batches. At start-up, before the worker joins
its consumer group, the log is read to its end (blocking, at most ``CATCH_UP_S``), so
the worker's first sensor batch is already judged against the newest published set.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import faust
from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaException, TopicPartition

from geofences.index import GeofenceSet
from geofences.store import InvalidSet, Published, decode, to_set
from stream import topics
from stream.pipeline import Pipeline
from stream.settings import Settings

log = logging.getLogger(__name__)
CATCH_UP_S = 10.0


@dataclass(frozen=True, slots=True)
class Record:
    offset: int
    value: bytes | None


class FenceLog:
    """A group-less reader of the geofences topic (blocking; call from a thread)."""

    def __init__(self, settings: Settings) -> None:
        self.topic = settings.topic(topics.GEOFENCES.name)
        conf = settings.kafka_client_config()
        conf.update({
            "group.id": f"{settings.app_id}.geofences.reader",  # required, never joined
            "enable.auto.commit": False,
            "enable.auto.offset.store": False,
            "auto.offset.reset": "earliest",
        })
        self.consumer = Consumer(conf)
        self.consumer.assign([TopicPartition(self.topic, 0, OFFSET_BEGINNING)])

    def poll(self, timeout: float, max_records: int = 100) -> list[Record]:
        out = []
        for msg in self.consumer.consume(max_records, timeout):
            if msg.error() is None:
                out.append(Record(msg.offset() or 0, msg.value()))
        return out

    def read_to_end(self, timeout: float = 10.0) -> list[Record]:
        """Every record up to the current end of the log (or what arrived within ``timeout``)."""
        deadline = time.monotonic() + timeout
        try:
            _, high = self.consumer.get_watermark_offsets(
                TopicPartition(self.topic, 0), timeout=timeout
            )
        except KafkaException:
            high = -1
        out: list[Record] = []
        while time.monotonic() < deadline:
            if high >= 0 and (out[-1].offset + 1 if out else 0) >= high:
                break
            got = self.poll(0.5)
            out.extend(got)
            if not got and high < 0:
                break
        return out

    def close(self) -> None:
        self.consumer.close()


def newest_valid(
    records: list[Record], check: Callable[[dict[str, Any]], str | None] | None = None
) -> tuple[Published | None, list[str]]:
    """The last record that validates (and passes the signature ``check``), and the errors
    of the invalid ones after it."""
    errors: list[str] = []
    for rec in reversed(records):
        try:
            return decode(rec.value, rec.offset, check), errors
        except InvalidSet as exc:
            errors.append(f"offset {rec.offset}: {exc}")
    return None, errors


class GeofenceFeed:
    """Reads the log and swaps ``pipeline``'s geofence set when a new version arrives."""

    def __init__(self, settings: Settings, pipeline: Pipeline) -> None:
        self.settings = settings
        self.pipeline = pipeline
        self.metrics = pipeline.metrics
        self.log: FenceLog | None = None

    def _newest(self, records: list[Record]) -> Published | None:
        """The newest valid, new version in ``records`` (rejections logged and counted)."""
        if not records:
            return None
        keys = self.settings.key_ring()
        published, errors = newest_valid(records, keys.check_doc if keys.enabled else None)
        for err in errors:
            log.error("geofence set rejected: %s", err)
            self.metrics.geofence_reloads.labels(result="rejected").inc()
        if published is not None and published.version == self.pipeline.fences.version:
            self.metrics.geofence_reloads.labels(result="same").inc()
            return None
        return published

    def _use(self, fences: GeofenceSet) -> None:
        self.pipeline.use_fences(fences)
        self.metrics.geofence_reloads.labels(result="applied").inc()
        log.warning("geofence set %s in force (%d zones)", fences.version, len(fences.zones))

    def bootstrap(self, timeout: float = CATCH_UP_S) -> None:
        """Blocking: read the log to its end and apply the newest set, before the worker
        joins its consumer group, so its first batch is judged with that set."""
        try:
            self.log = FenceLog(self.settings)
            published = self._newest(self.log.read_to_end(timeout))
        except KafkaException as exc:
            log.error("geofences topic unreadable at start-up (%s): using %s", exc,
                      self.pipeline.fences.version)
            return
        if published is not None:
            self._use(to_set(published))

    async def run(self) -> None:
        """Follow the log; parse and index new sets off the event loop, swap on it."""
        if self.log is None:
            self.log = await asyncio.to_thread(FenceLog, self.settings)
        try:
            while True:
                published = self._newest(await asyncio.to_thread(self.log.poll, 1.0))
                if published is not None:
                    # atomic: the swap happens on the event loop, between batches
                    self._use(await asyncio.to_thread(to_set, published))
        finally:
            await asyncio.to_thread(self.log.close)


def register_geofences(app: faust.App, settings: Settings, pipeline: Pipeline) -> GeofenceFeed:
    """Apply the newest published set now (blocking, at most ``CATCH_UP_S``), then follow."""
    feed = GeofenceFeed(settings, pipeline)
    feed.bootstrap()
    app.task(feed.run)
    return feed
