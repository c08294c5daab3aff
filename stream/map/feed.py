"""The map's edge: raw messages from the five topics it reads -> typed picture items.

One group-less consumer (every partition assigned from the oldest kept message, nothing
committed), so any number of map servers each see everything and a restarted one rebuilds
its picture and its history from the topics. Messages it cannot read are skipped and
counted, never fatal.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from confluent_kafka import OFFSET_BEGINNING, Consumer, Message
from pydantic import BaseModel, ValidationError

from geofences.store import InvalidSet, decode
from stream import topics
from stream.alerts.feed import assigned_consumer
from stream.codec import Decoder
from stream.map.picture import Item
from stream.models import Alert, CameraTask, SensorHealth, ZoneEvent
from stream.settings import Settings

SPECS = (topics.GEOFENCES, topics.HEALTH, topics.ALERTS, topics.ZONE_EVENTS, topics.TASKING)


class MapReader:
    """Blocking reader (run :meth:`poll` in a thread)."""

    def __init__(self, settings: Settings) -> None:
        self.skipped: Counter[str] = Counter()
        health = Decoder(SensorHealth, settings.max_message_bytes)
        name = settings.topic

        def model(cls: type[BaseModel]) -> Callable[[Message], list[Item]]:
            return lambda m: [cls.model_validate_json(m.value() or b"")]  # type: ignore[list-item]

        def heartbeats(m: Message) -> list[Item]:
            reports, _dead = health.decode(m.value(), topic=m.topic() or "",
                                           partition=m.partition() or 0, offset=m.offset() or 0)
            return [d.report for d in reports]

        def fences(m: Message) -> list[Item]:
            return [decode(m.value(), m.offset() or 0)]

        self._decoders: dict[str, Callable[[Message], list[Item]]] = {
            name(topics.GEOFENCES.name): fences,
            name(topics.HEALTH.name): heartbeats,
            name(topics.ALERTS.name): model(Alert),
            name(topics.ZONE_EVENTS.name): model(ZoneEvent),
            name(topics.TASKING.name): model(CameraTask),
        }
        self.consumer: Consumer = assigned_consumer(settings, SPECS, OFFSET_BEGINNING)

    def poll(self, timeout: float, max_records: int = 1000) -> list[Item]:
        out: list[Item] = []
        for msg in self.consumer.consume(max_records, timeout):
            if msg.error() is not None:
                self.skipped["error"] += 1
                continue
            try:
                out.extend(self._decoders[msg.topic() or ""](msg))
            except (ValidationError, InvalidSet, KeyError):
                self.skipped[msg.topic() or ""] += 1
        return out

    def close(self) -> None:
        self.consumer.close()
