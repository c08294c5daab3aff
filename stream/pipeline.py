"""The worker's pure core: a batch of raw Kafka messages in, alerts and dead letters out.

No Kafka here; the Faust agent hands messages in and sends what comes out.

>>> from prometheus_client import CollectorRegistry
>>> from geofences.index import GeofenceSet
>>> from stream.settings import Settings
>>> p = Pipeline(Settings(), GeofenceSet.load_bundled(), Metrics(CollectorRegistry()))
>>> p.process([RawMessage("borderwatch.sensors.ground", 0, 0, None, b"{}")]).dead_letters[0].reason
'missing_field'
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from geofences.index import GeofenceSet
from stream import topics
from stream.codec import Decoder
from stream.correlation.evidence import Evidence
from stream.correlation.zone_rule import ZoneEntryRule
from stream.metrics import Metrics
from stream.models import (
    Alert,
    CameraDetection,
    DeadLetter,
    GroundDetection,
    SensorHealth,
)
from stream.settings import Settings


@dataclass(frozen=True, slots=True)
class RawMessage:
    """What the transport delivered, before any decoding."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None


@dataclass(slots=True)
class BatchResult:
    alerts: list[Alert] = field(default_factory=list)
    dead_letters: list[DeadLetter] = field(default_factory=list)
    health: list[SensorHealth] = field(default_factory=list)
    reports: int = 0


class Pipeline:
    """Decode, validate and evaluate batches of sensor messages against the geofences."""

    def __init__(self, settings: Settings, fences: GeofenceSet, metrics: Metrics) -> None:
        self.metrics = metrics
        limit = settings.max_message_bytes
        self.decoders: dict[str, Decoder[Any]] = {
            settings.topic(topics.GROUND.name): Decoder(GroundDetection, limit),
            settings.topic(topics.CAMERA.name): Decoder(CameraDetection, limit),
            settings.topic(topics.HEALTH.name): Decoder(SensorHealth, limit),
        }
        self.rule = ZoneEntryRule(fences)
        self.use_fences(fences)

    @property
    def fences(self) -> GeofenceSet:
        return self.rule.fences

    def use_fences(self, fences: GeofenceSet) -> None:
        """Switch to another geofence set; batches already running keep the old one."""
        self.rule.fences = fences
        self.metrics.geofence_version.clear()
        self.metrics.geofence_version.labels(version=fences.version).set(1)

    def process(self, messages: Sequence[RawMessage], now: float | None = None) -> BatchResult:
        out = BatchResult()
        evidence: list[Evidence] = []
        consumed: Counter[tuple[str, str]] = Counter()
        for msg in messages:
            self.metrics.messages_consumed.labels(topic=msg.topic).inc()
            decoder = self.decoders.get(msg.topic)
            if decoder is None:
                continue
            items, letters = decoder.decode(
                msg.value, topic=msg.topic, partition=msg.partition, offset=msg.offset, key=msg.key
            )
            out.dead_letters.extend(letters)
            for item in items:
                report = item.report
                if isinstance(report, SensorHealth):
                    out.health.append(report)
                    consumed[msg.topic, report.kind.value] += 1
                else:
                    evidence.append(Evidence(report, msg.topic, msg.partition, msg.offset))
                    kind = "camera" if isinstance(report, CameraDetection) else report.kind.value
                    consumed[msg.topic, kind] += 1
        for (topic, kind), n in consumed.items():
            self.metrics.events_consumed.labels(topic=topic, kind=kind).inc(n)
        for letter in out.dead_letters:
            self.metrics.dead_letters.labels(reason=letter.reason).inc()
        out.reports = sum(consumed.values())
        self.metrics.batch_size.observe(out.reports)
        out.alerts = self.rule.evaluate(evidence, time.time() if now is None else now)
        return out
