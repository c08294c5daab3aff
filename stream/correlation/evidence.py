"""A validated report together with where it came from (its provenance)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from stream.models import (
    AlertAckMessage,
    CameraDetection,
    EvidenceRef,
    GroundDetection,
    SensorHealth,
)


@dataclass(frozen=True, slots=True)
class Evidence:
    """One positioned detection and its topic/partition/offset."""

    report: GroundDetection | CameraDetection
    topic: str
    partition: int
    offset: int

    def ref_dict(self) -> dict[str, Any]:
        """:meth:`ref` as plain data, without building the model (the hot path)."""
        return {"event_id": self.report.event_id, "topic": self.topic,
                "partition": self.partition, "offset": self.offset, "ts": self.report.ts}

    def ref(self) -> EvidenceRef:
        return EvidenceRef(
            event_id=self.report.event_id,
            topic=self.topic,
            partition=self.partition,
            offset=self.offset,
            ts=self.report.ts,
        )


@dataclass(frozen=True, slots=True)
class Heartbeat:
    """One health report and the topic/partition it came from (its event-time source)."""

    report: SensorHealth
    topic: str
    partition: int


@dataclass(frozen=True, slots=True)
class Arrival:
    """What one message brought and when it arrived (processing time: it only decides
    which sources went idle and which reports come from the future)."""

    at: float
    evidence: tuple[Evidence, ...] = ()
    health: tuple[Heartbeat, ...] = ()
    acks: tuple[AlertAckMessage, ...] = ()
