"""Slew-to-cue input for the camera simulators: ``<prefix>.camera-tasking`` messages.

A cue is ``{"camera_id", "lon", "lat", "ts", "incident_id"}`` (a ``stream.models.CameraTask``;
its ``expires_ts`` sets how long the camera holds the cue); :func:`parse_cue` checks one,
and :class:`TaskingListener` consumes the topic in a thread and hands each cue to
``World.cue`` (thread-safe; applied at the world's next step).
"""

from __future__ import annotations

import math
import threading
import uuid
from collections.abc import Callable
from typing import Any

import orjson
from confluent_kafka import OFFSET_END, Consumer, KafkaException, TopicPartition

from stream.settings import Settings

CueHandler = Callable[..., None]


def parse_cue(value: bytes | None) -> dict[str, Any] | None:
    """The cue in a tasking message, or ``None`` if it is not one."""
    try:
        d = orjson.loads(value or b"")
    except orjson.JSONDecodeError:
        return None
    if not isinstance(d, dict) or not isinstance(d.get("camera_id"), str):
        return None
    lon, lat = d.get("lon"), d.get("lat")
    if not all(isinstance(v, int | float) and math.isfinite(v) for v in (lon, lat)):
        return None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):  # type: ignore[operator]
        return None
    ts = d.get("ts")
    incident = d.get("incident_id")
    expires = d.get("expires_ts")
    hold = None
    if isinstance(ts, int | float) and isinstance(expires, int | float) and expires > ts:
        hold = float(expires - ts)
    return {
        "camera_id": d["camera_id"],
        "lon": float(lon),  # type: ignore[arg-type]
        "lat": float(lat),  # type: ignore[arg-type]
        "ts": float(ts) if isinstance(ts, int | float) else None,
        "incident_id": str(incident) if incident is not None else None,
        "hold_s": hold,
    }


class TaskingListener:
    """Consume camera tasking from now on and pass every valid cue to ``handler(**cue)``."""

    def __init__(self, settings: Settings, handler: CueHandler) -> None:
        self.settings, self.handler = settings, handler
        self.topic = settings.topic("camera-tasking")
        self.stop_event = threading.Event()
        self.received = 0
        self.ignored = 0
        #: Set once the listener reads from the topic's current end: a cue sent after is seen.
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, name="camera-tasking", daemon=True)

    def start(self) -> TaskingListener:
        self.thread.start()
        return self

    def wait_ready(self, timeout: float) -> bool:
        """Wait until cues sent from now on will be seen; ``False`` after ``timeout`` s."""
        return self.ready.wait(timeout)

    def _ends(self, consumer: Consumer) -> list[TopicPartition]:
        """Every partition at its end offset, resolved now (not at the first fetch)."""
        meta = consumer.list_topics(self.topic, timeout=10).topics.get(self.topic)
        parts = list(meta.partitions) if meta is not None and not meta.error else [0]
        out = []
        for p in parts:
            try:
                _, end = consumer.get_watermark_offsets(TopicPartition(self.topic, p), timeout=10)
            except KafkaException:
                end = OFFSET_END
            out.append(TopicPartition(self.topic, p, end))
        return out

    def _run(self) -> None:
        consumer = Consumer(
            self.settings.consumer_config(
                f"borderwatch-sim-tasking-{uuid.uuid4().hex[:8]}",
                **{"auto.offset.reset": "latest", "allow.auto.create.topics": False},
            )
        )
        try:
            consumer.assign(self._ends(consumer))
            self.ready.set()
            while not self.stop_event.is_set():
                msg = consumer.poll(0.2)
                if msg is None or msg.error():
                    continue
                cue = parse_cue(msg.value())
                if cue is None:
                    self.ignored += 1
                    continue
                self.received += 1
                self.handler(**cue)
        finally:
            consumer.close()

    def stop(self) -> None:
        self.stop_event.set()
        self.thread.join(timeout=5)
