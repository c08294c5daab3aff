"""The correlation table's changes, written to its changelog by the worker's own producer.

Faust's table API (``table[key] = value``) sends each change through Faust's producer,
which on the embedded broker puts every record in a batch of its own (``stream/app.py``):
a fault storm's thousands of sensor-site changes left one request each. It also drops
each change's delivery future, and Faust's ``producer.flush()`` gives up after 0.1 s
without progress, so a commit could pass offsets whose state never reached the broker.

:class:`Changelog` sets the table's own value without Faust's send, writes the changes
through the worker's librdkafka producer (batched; keyed as Faust keys them, the key
serialised by the table's key serializer and hashed with murmur2) and waits until the
broker has them. Then it writes the last change of each partition it touched once more, on
its own: the embedded broker reports a partition's end as its last batch's base offset +
1, and Faust's recovery reads a changelog up to that end, so each partition must end in a
one-record batch. Writing a key again with the value it has changes nothing a reader of
the table sees.

Each change goes to the partition the caller names (the source partition its state belongs
with, :mod:`stream.state_partitions`), else where the key was last written or read from,
else the key's hash. A key that moves to another partition is deleted from the one it
left, and the store learns where each key lives, so a rebalance drops the keys of the
partitions the worker no longer holds, whoever wrote them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from faust.serializers import codecs

from stream.agents.outputs import settle

log = logging.getLogger(__name__)

#: Hands one record (topic, key, value or None for a deletion, partition or None for the
#: key's) to a producer; its future gives the partition once the broker has it.
Send = Callable[[str, bytes, "bytes | None", "int | None"], Awaitable["asyncio.Future[int]"]]


class Changelog:
    """Writes a Faust table's changes to its changelog and waits for the broker.

    >>> class Producer:  # settles each record at once, on partition len(key) % 2
    ...     def __init__(self): self.records = []
    ...     async def send(self, topic, key, value, partition):
    ...         p = len(key) % 2 if partition is None else partition
    ...         self.records.append((key, value, p)); f = asyncio.Future(); f.set_result(p)
    ...         return f
    >>> class Table:  # what Faust's table offers: its local data, its key serializer
    ...     data, key_serializer = {"old": b"x"}, "json"
    >>> async def demo():
    ...     table, producer = Table(), Producer()
    ...     log = Changelog(table, producer.send, "app-correlation-changelog")
    ...     failed = await log.write({"a": b"1", "bb": b"2", "cc": b"3", "old": None}, 1.0)
    ...     return failed, table.data, producer.records[4:], log.where
    >>> failed, data, last, where = asyncio.run(demo())
    >>> failed, data, where
    (0, {'a': b'1', 'bb': b'2', 'cc': b'3'}, {'a': 1, 'bb': 0, 'cc': 0})
    >>> last  # then each partition's last change again, alone
    [(b'"old"', None, 1), (b'"cc"', b'3', 0)]

    A key given another partition leaves a deletion in the one it left:

    >>> async def move():
    ...     table, producer = Table(), Producer()
    ...     log = Changelog(table, producer.send, "app-correlation-changelog")
    ...     await log.write({"a": b"1"}, 1.0, {"a": 0})
    ...     await log.write({"a": b"2"}, 1.0, {"a": 1})
    ...     return producer.records[2:], log.where
    >>> asyncio.run(move())
    ([(b'"a"', None, 0), (b'"a"', b'2', 1), (b'"a"', b'2', 1)], {'a': 1})
    """

    def __init__(self, table: Any, send: Send, topic: str) -> None:
        self._data = table.data
        self._key_serializer = table.key_serializer  # as Faust would key the change
        self._send = send
        self._topic = topic
        #: key -> the partition it lives in: Faust's in-memory store's own map (it has the
        #: keys it recovered, and drops the keys of partitions taken away), else our own
        where = getattr(self._data, "_key_partition", None)
        self.where: dict[str, int] = where if isinstance(where, dict) else {}

    async def write(self, changes: Mapping[str, bytes | None], timeout: float,
                    partitions: Mapping[str, int] | None = None) -> int:
        """Apply ``changes`` (None deletes the key) to the table and its changelog, each in
        its partition of ``partitions`` (else where it lives, else by its hash), and wait
        (at most ``timeout`` s per round) until the broker has them; how many failed."""
        partitions = partitions or {}
        keyed, moved = [], []
        for key, value in changes.items():
            if value is None:
                self._data.pop(key, None)
            else:
                self._data[key] = value
            raw = codecs.dumps(self._key_serializer, key)
            was, to = self.where.get(key), partitions.get(key)
            if was is not None and to is not None and to != was:
                moved.append((raw, None, was))
            keyed.append((key, raw, value, to if to is not None else was))
        placed, failed = await self._round(moved + [(k, v, p) for _, k, v, p in keyed], timeout)
        placed = placed[len(moved):]
        last = {}
        for (key, raw, value, _), p in zip(keyed, placed, strict=True):
            if p is None:
                continue
            last[p] = (raw, value)
            if value is None:
                self.where.pop(key, None)
            else:
                self.where[key] = p
        _, again = await self._round([(k, v, p) for p, (k, v) in last.items()], timeout)
        return failed + again

    async def _round(self, records: list[tuple[bytes, bytes | None, int | None]],
                     timeout: float) -> tuple[list[int | None], int]:
        """Send ``records`` and wait for them: each one's partition (None if it failed)
        and how many failed."""
        futs: list[asyncio.Future[int] | Exception] = []
        for key, value, partition in records:
            try:
                futs.append(await self._send(self._topic, key, value, partition))
            except Exception as exc:  # counted with the rest below
                futs.append(exc)
        where = [None if isinstance(got, BaseException) else got
                 for got in await settle(futs, timeout)]
        failed = where.count(None)
        if failed:
            log.error("%d of %d state changes did not reach the changelog within %.0f s",
                      failed, len(futs), timeout)
        return where, failed
