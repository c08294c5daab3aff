"""What the worker's consumer holds of some topics and where those partitions stand: the
inputs of :class:`~stream.agents.unread.UnreadPartitions` for the agents that need them."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Collection
from typing import Any

from faust.types import TP

from stream import kafka_clients
from stream.settings import Settings

log = logging.getLogger(__name__)

Partition = tuple[str, int]


def highwater(app: Any) -> Callable[[str, int], int | None]:
    """The end of a partition as ``app``'s consumer's latest fetch saw it (``None``: not
    fetched yet, or no longer assigned)."""

    def end(topic: str, partition: int) -> int | None:
        try:
            return int(app.consumer.highwater(TP(topic, partition)))
        except Exception:
            return None

    return end


async def assigned_ranges(app: Any, settings: Settings,
                          topics: Collection[str]) -> dict[Partition, tuple[int, int]] | None:
    """The assigned partitions of ``topics``: (where the group reads from, end offset);
    ``None`` (logged) if the broker could not say: idleness is then judged by time alone."""
    mine = [(tp.topic, tp.partition) for tp in app.consumer.assignment() if tp.topic in topics]
    try:
        return await asyncio.to_thread(kafka_clients.read_range, settings, settings.app_id,
                                       mine)
    except Exception as exc:
        log.warning("cannot read the assigned partitions' offsets: %s", exc)
        return None
