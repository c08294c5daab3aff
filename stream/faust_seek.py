"""Faust's seek to the committed offsets, made safe for a worker that is already consuming.

After every rebalance Faust seeks the source partitions to their committed offsets
(``Consumer.perform_seek``, called when table recovery completes). It resumes those
partitions *before* that seek while the flow is already running for changelog recovery,
so the fetcher delivers records from wherever it stood, and the commit timer may commit
them, while the seek waits for the broker. Then Faust's seek

* sets the consumer's committed offset back to what the broker said before that commit:
  the acknowledged offsets above it no longer follow it, so the partition's commit never
  moves again (``Consumer._new_offset`` waits for a gap that is never filled: the records
  in it are re-fetched but dropped as already read, since the batch in hand went on
  delivering past them), and the partition's lag grows until the worker restarts;
* lets the batch in hand go on delivering after the fetcher was moved back.

:class:`SafeSeek` holds delivery of the batch in hand for the partitions it seeks, and
never moves a partition's committed offset (nor the fetcher) below what this worker has
committed in the current assignment. Records delivered before the seek and not yet
committed are delivered again (at least once; alert ids are deterministic).

Faust skips, without a word, records fetched for a partition while it is held, and the
fetcher has moved past them; aiokafka's ``seek_to_committed`` moves the fetcher only to a
committed offset above 0. So every partition is sought explicitly: to its committed
offset, or to the log start if the group committed nothing (``auto_offset_reset``
earliest), else a partition never committed loses what arrived during the seek (a
restarted worker missed a camera's first 65 reports that way). While it seeks, the flow is
stopped (the rest of the batch in hand is not delivered afterwards, past the records the
seek fetches again) and the active set holds a placeholder (an empty one would make a
fetch already on its way consume every partition's records, which Faust then skips).

:func:`register` adds the ``bwkafka://`` transport (Faust's aiokafka driver with this seek)
that the ``kafka`` broker profile uses; the embedded profile's ``tansu://`` transport
(:mod:`stream.tansu_transport`) has it too.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from aiokafka.errors import IllegalStateError
from aiokafka.structs import TopicPartition
from faust.transport import consumer as base
from faust.transport import drivers
from faust.transport.drivers import aiokafka as driver
from faust.types import TP

log = logging.getLogger(__name__)

#: URL scheme of the ``kafka`` profile's transport.
SCHEME = "bwkafka"


def resolve(
    fetched: Mapping[Any, int | None], ours: Mapping[Any, int | None]
) -> dict[Any, tuple[int | None, bool]]:
    """Per partition: the offset to read from and whether the fetcher must be moved there
    (``fetched``: the broker's committed offsets the seek read; ``ours``: what this worker
    committed since, which the broker's answer may predate).

    >>> resolve({"a": 40, "b": 7, "c": None}, {"a": 62, "b": 5})
    {'a': (62, True), 'b': (7, False), 'c': (None, False)}
    """
    out: dict[Any, tuple[int | None, bool]] = {}
    for tp, broker in fetched.items():
        offset = broker if broker is not None and broker >= 0 else None
        mine = ours.get(tp)
        if mine is not None and (offset is None or mine > offset):
            out[tp] = (mine, True)
        else:
            out[tp] = (offset, False)
    return out


#: Stands in the active partitions while the seek holds them all (never assigned).
HOLD = TP("__borderwatch-seek-hold__", 0)


class SafeSeek(base.Consumer):
    """Mixin for a Faust consumer: ``perform_seek`` that cannot stall a partition's commit."""

    async def _seek_to_start(self, tp: Any) -> None:
        """Move the fetcher to the partition's log start, asked of the broker and sought
        like any offset (an offset reset left a restarted worker's fetcher where it stood).
        A partition no longer assigned (a rebalance began) is left to the next seek."""
        part = TopicPartition(tp.topic, tp.partition)
        try:
            start = (await self._thread.earliest_offsets(part))[part]  # type: ignore[attr-defined]
            await self._seek(part, start)
        except IllegalStateError:
            log.info("%s[%d]: no longer assigned; not sought", tp.topic, tp.partition)

    async def perform_seek(self) -> None:
        """Seek every assigned partition to its committed offset (Faust's contract), with
        no delivery from the batch in hand meanwhile and no committed offset going back."""
        # getmany() checks this very set record by record: a partition taken out of it is
        # no longer delivered from the batch already fetched (those records are skipped).
        active = self._get_active_partitions()
        held = set(active) - {HOLD}
        active.difference_update(held)
        # ... but never empty: a fetch already on its way with this set would read an
        # empty one as "every partition" (aiokafka's fetched_records) and consume the
        # records of all of them, which Faust then skips.
        active.add(HOLD)
        self._bw_holds = getattr(self, "_bw_holds", 0) + 1
        # ... and stops at the next record once the flow is stopped: the rest of the batch in
        # hand is not delivered after the seek either (it would move the read offset past
        # the records the seek fetches again, and Faust would drop those as already read).
        flowing = self.flow_active
        if flowing:
            self.stop_flow()
        try:
            fetched = await self.seek_to_committed()
            # what this worker committed while the broker was being asked
            ours = {tp: self._committed_offset.get(tp) for tp in fetched}
            resolved = resolve(fetched, ours)
            targets = {tp: t for tp, t in resolved.items() if tp in held}
            log.info("seeking %s", ", ".join(
                f"{tp.topic}[{tp.partition}]->{'start' if o is None else o}"
                for tp, (o, _) in sorted(targets.items())))
            for tp, (offset, move) in resolved.items():  # Faust's bookkeeping: every one
                if move and offset is not None:
                    log.info("%s[%d]: committed %d while seeking (the broker answered %s): "
                             "reading from there", tp.topic, tp.partition, offset,
                             fetched.get(tp))
                if tp in held and offset is None:  # records skipped while held, again
                    await self._seek_to_start(tp)
                elif (tp in held or move) and offset is not None:
                    await self._seek(tp, offset)
                self._read_offset[tp] = offset
                if offset is not None:
                    self._committed_offset[tp] = offset or None
            if log.isEnabledFor(logging.DEBUG):
                positions = {tp: await self._thread.position(tp)  # type: ignore[attr-defined]
                             for tp in targets}
                log.debug("positions after the seek: %s", positions)
        finally:
            assigned = self.assignment()
            active = self._get_active_partitions()
            active.update(
                tp for tp in held if tp in assigned and tp not in self._paused_partitions)
            self._bw_holds -= 1
            if not self._bw_holds:
                active.discard(HOLD)
            if flowing:
                self.resume_flow()


class Consumer(SafeSeek, driver.Consumer):
    """Faust's aiokafka consumer with :class:`SafeSeek`."""


class Transport(driver.Transport):
    Consumer = Consumer


def register() -> None:
    """Make ``bwkafka://`` broker URLs use :class:`Transport` (idempotent)."""
    drivers.TRANSPORTS.aliases[SCHEME] = f"{__name__}:Transport"
