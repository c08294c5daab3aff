"""A validated report together with where it came from (its provenance)."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from stream.models import (
    AlertAckMessage,
    CameraDetection,
    EvidenceRef,
    GroundDetection,
    SensorHealth,
)


@dataclass(slots=True)
class Evidence:
    """One positioned detection and its topic/partition/offset. Not changed once made
    (not frozen: a frozen dataclass is made three times slower, and a worker makes one a
    report)."""

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
    """One health report and the topic/partition it came from (its event-time source);
    ``skew_s``: how far its time lies from the median of the heartbeats its gateway sent
    in the same message (0: it was alone, or with fewer than three)."""

    report: SensorHealth
    topic: str
    partition: int
    skew_s: float = 0.0


def skews(times: Sequence[float]) -> list[float]:
    """Each heartbeat's time minus the median of the message's (three or more; else 0).

    >>> skews([100.0, 100.0, 32.0, 100.0])
    [0.0, 0.0, -68.0, 0.0]
    >>> skews([100.0, 32.0])
    [0.0, 0.0]
    """
    if len(times) < 3:
        return [0.0] * len(times)
    mid = statistics.median(times)
    return [t - mid for t in times]


@dataclass(frozen=True, slots=True)
class Arrival:
    """What one message brought and when it arrived (processing time: it only decides
    which sources went idle and which reports come from the future)."""

    at: float
    evidence: tuple[Evidence, ...] = ()
    health: tuple[Heartbeat, ...] = ()
    acks: tuple[AlertAckMessage, ...] = ()
