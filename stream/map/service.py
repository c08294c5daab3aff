"""The live picture shared by every browser: folds what the reader gets, fans changes out.

Each browser subscribes a queue; :meth:`MapService.subscribe` returns the snapshot and the
queue together (no change can fall between them: both happen in one step of the event
loop). A browser too slow to drain its queue is dropped; its EventSource reconnects and
starts again from a fresh snapshot.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

from geofences.store import Published, load_valid
from stream.alerts.acks import ack_partition
from stream.map.history import History, replay
from stream.map.picture import Change, Item, Picture, PictureConfig
from stream.models import Alert, AlertState
from stream.settings import Settings

QUEUE_MAX = 20_000
Event = tuple[int, Change] | None  # None: the subscriber was dropped


def default_fences(settings: Settings) -> Published:
    """The set the worker uses until one is published on the geofences topic (raises
    :class:`geofences.store.InvalidSet` for a bad name or file)."""
    fences = load_valid(settings.geofences)
    assert fences.source is not None
    return Published(fences.version, 0.0, fences.source)


def picture_config(settings: Settings) -> PictureConfig:
    return PictureConfig(
        sensor_stale_s=settings.sensor_offline_after,
        incident_stale_s=settings.map_incident_stale_s,
        low_battery=settings.low_battery_level,
    )


class MapService:
    """Live picture + history + subscribers; runs on the event loop only."""

    def __init__(self, settings: Settings, fences: Published) -> None:
        config = picture_config(settings)
        self.live = Picture(config)
        self.history = History(config, settings.map_history_s)
        self.live.apply(fences)
        self.history.base.apply(fences)
        self.seq = 0
        self.read = 0
        self.feed_error: str | None = "connecting to the broker"
        self._subscribers: set[asyncio.Queue[Event]] = set()
        #: alert id -> the partition of the acks topic its worker reads (.alerts.acks)
        self.ack_partitions: dict[str, int | None] = {}

    def ingest(self, items: Iterable[Item], now: float) -> None:
        """Fold items read from the topics (``now``: wall time, ages the history out)."""
        for item in items:
            self.read += 1
            if isinstance(item, Alert):  # kept while the alert is open
                if item.state == AlertState.CLEARED:
                    self.ack_partitions.pop(item.id, None)
                else:
                    self.ack_partitions.setdefault(item.id, ack_partition(item))
            self.history.add(item, now)
            for change in self.live.apply(item):
                self.seq += 1
                self._publish((self.seq, change))

    def _publish(self, event: tuple[int, Change]) -> None:
        for q in list(self._subscribers):
            try:
                q.put_nowait(event)
            except asyncio.QueueFull:
                self._subscribers.discard(q)
                q.get_nowait()  # make room for the end marker
                q.put_nowait(None)

    def subscribe(self) -> tuple[dict[str, Any], asyncio.Queue[Event]]:
        q: asyncio.Queue[Event] = asyncio.Queue(QUEUE_MAX)
        self._subscribers.add(q)
        return self.snapshot(), q

    def unsubscribe(self, q: asyncio.Queue[Event]) -> None:
        self._subscribers.discard(q)

    def snapshot(self, at: float | None = None) -> dict[str, Any]:
        """The live picture, or the one at event time ``at`` from the history."""
        picture: Picture = self.live if at is None else self.history.at(at)
        return self._wrap(picture, at)

    async def replayed(self, at: float) -> dict[str, Any]:
        """The picture at event time ``at``, rebuilt in a worker thread from copies (the
        event loop goes on serving the live feed meanwhile)."""
        base, items = self.history.parts()
        return self._wrap(await asyncio.to_thread(replay, base, items, at), at)

    def _wrap(self, picture: Picture, at: float | None) -> dict[str, Any]:
        return {"seq": self.seq, "at": at, "history_start": self.history.start,
                **picture.snapshot()}

    def has_alert(self, alert_id: str) -> bool:
        return f"incident:{alert_id}" in self.live.features
