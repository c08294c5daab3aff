"""What one correlator batch produced: messages to send and state keys that changed."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from stream.models import Alert, CameraTask, LateEvent

#: (alert id, event time, x, y): an open alert's fitted track position (metric)
Move = tuple[str, float, float, float]


@dataclass(slots=True)
class CorrelatorResult:
    alerts: list[Alert] = field(default_factory=list)
    tasks: list[CameraTask] = field(default_factory=list)
    late: list[LateEvent] = field(default_factory=list)
    rate_limited: Counter[str] = field(default_factory=Counter)  # zone id -> incidents folded
    rate_limited_sectors: Counter[str] = field(default_factory=Counter)  # sector -> folded
    backlog: int = 0  # detections older than the backlog limit (they open no alert)
    duplicates: int = 0  # redelivered detections, counted once already
    future: int = 0  # reports timed beyond ``Correlator.future_s`` ahead of processing time
    changed: dict[str, Any] = field(default_factory=dict)
    #: (alert id, event time, lon, lat): the fitted track position of every open alert a
    #: slice moved (raw reports jump between sensors; a track is smoothed)
    positions: list[tuple[str, float, float, float]] = field(default_factory=list)
