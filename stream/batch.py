"""The pure core's seams: what the transport hands in (:class:`RawMessage`) and what one
batch produces (:class:`BatchResult`).

>>> RawMessage("borderwatch.sensors.ground", 0, 7, None, b"{}").offset
7
>>> BatchResult().alerts
[]
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from stream.correlation.engine import CorrelatorResult
from stream.models import Alert, CameraTask, DeadLetter, LateEvent, SensorHealth, ZoneEvent


@dataclass(frozen=True, slots=True)
class RawMessage:
    """What the transport delivered, before any decoding. ``ts``: when it arrived (the
    Kafka message timestamp, epoch seconds); ``None``: at the batch's processing time."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    ts: float | None = None


@dataclass(slots=True)
class BatchResult:
    """What one batch produced: messages to send and correlator state keys that changed."""

    alerts: list[Alert] = field(default_factory=list)
    dead_letters: list[DeadLetter] = field(default_factory=list)
    health: list[SensorHealth] = field(default_factory=list)
    tasks: list[CameraTask] = field(default_factory=list)
    late: list[LateEvent] = field(default_factory=list)
    zone_events: list[ZoneEvent] = field(default_factory=list)
    #: Correlator state to persist: key -> value (``None``: delete the key).
    changed: dict[str, Any] = field(default_factory=dict)
    #: Incidents folded into an open alert by the zone rate limit, by sector.
    rate_limited: Counter[str] = field(default_factory=Counter)
    reports: int = 0
    positions: list[tuple[str, float, float, float]] = field(default_factory=list)

    def add(self, result: CorrelatorResult) -> None:
        self.alerts.extend(result.alerts)
        self.tasks.extend(result.tasks)
        self.late.extend(result.late)
        self.changed.update(result.changed)
        self.rate_limited.update(result.rate_limited_sectors)
        self.positions.extend(result.positions)
