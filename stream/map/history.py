"""The last hour of messages, kept so the page can replay the picture at any moment of it.

Messages older than the window are folded into a base picture (the state at the window's
start); :meth:`History.at` rebuilds the picture at time ``t`` from the base and the kept
messages whose event time is at most ``t``, in the order they were read from the topics.

>>> from stream.models import SensorHealth, SensorKind
>>> h = History(PictureConfig(), window_s=3600)
>>> for ts in (1000.0, 2000.0, 5000.0):
...     h.add(SensorHealth(sensor_id=f"s-{ts:.0f}", seq=1, kind=SensorKind.PIR, ts=946684800 + ts,
...           battery=1.0, lon=-111.0, lat=31.4), now=946684800 + ts)
>>> h.at(946684800 + 2500).counts()["sensor"], h.at(946684800 + 6000).counts()["sensor"]
(2, 3)
>>> h.start  # the first message left the window when the third arrived
946686800.0
"""

from __future__ import annotations

from collections import deque

from geofences.store import Published
from stream.map.features import alert_time
from stream.map.picture import Item, Picture, PictureConfig
from stream.models import Alert, CameraTask, SensorHealth, ZoneEvent


def item_time(item: Item) -> float:
    """The event time a message belongs to on the time slider."""
    if isinstance(item, Alert):
        return alert_time(item)
    if isinstance(item, ZoneEvent | CameraTask | SensorHealth):
        return item.ts
    assert isinstance(item, Published)
    return item.published_ts


class History:
    """A base picture plus the messages of the last ``window_s`` seconds."""

    def __init__(self, config: PictureConfig, window_s: float = 3600.0,
                 max_items: int = 200_000) -> None:
        self.window_s = window_s
        self.max_items = max_items
        self.base = Picture(config)
        self.items: deque[tuple[float, Item]] = deque()

    @property
    def start(self) -> float | None:
        """Event time of the oldest kept message (the slider's left end)."""
        return self.items[0][0] if self.items else None

    def add(self, item: Item, now: float) -> None:
        self.items.append((item_time(item), item))
        horizon = now - self.window_s
        while self.items and (self.items[0][0] < horizon or len(self.items) > self.max_items):
            self.base.apply(self.items.popleft()[1])

    def at(self, t: float) -> Picture:
        """The picture as it was at event time ``t`` (within the window)."""
        return replay(*self.parts(), t)

    def parts(self) -> tuple[Picture, list[tuple[float, Item]]]:
        """A copy of the base and of the kept messages: what :func:`replay` needs, safe to
        hand to another thread while this history goes on taking messages."""
        return self.base.copy(), list(self.items)


def replay(base: Picture, items: list[tuple[float, Item]], t: float) -> Picture:
    """``base`` with the messages of event time at most ``t`` applied (``base`` is changed)."""
    for ts, item in items:
        if ts <= t:
            base.apply(item)
    return base
