"""The worker's Faust consumer seeks to the committed offsets after a rebalance without
stalling a partition's commit (stream/faust_seek.py), tested on Faust's own offset
bookkeeping with the broker calls replaced."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any
from unittest.mock import AsyncMock

import faust
import pytest
from faust.transport.drivers import aiokafka as driver
from faust.types import TP
from faust.types.tuples import ConsumerMessage

from stream import faust_seek
from stream import tansu_transport as tansu

TOPIC = "sensors.camera"
PART = TP(TOPIC, 0)


def consumer(transport: str) -> Any:
    """An app's consumer on ``transport`` (never started: no broker is contacted), owning
    one acked source partition, committing without a broker."""
    faust_seek.register()
    app = faust.App(f"seek-{transport}", broker=f"{transport}://127.0.0.1:1")
    c = app.consumer
    app.topics._acking_topics.add(TOPIC)
    c.assignment = lambda: {PART}
    c._active_partitions = {PART}  # delivering
    c._commit = AsyncMock(return_value=True)
    c._seek = AsyncMock()
    c._seek_to_start = AsyncMock()
    app.producer.flush = AsyncMock()  # type: ignore[method-assign]
    return c


def deliver(c: Any, offsets: range) -> None:
    """The fetcher delivers ``offsets`` (Faust's drain loop records the read offset) and the
    agent acknowledges them."""
    for o in offsets:
        c._read_offset[PART] = o
        m = ConsumerMessage(TOPIC, 0, o, 0.0, 0, [], b"k", b"v", None, 1, 1, PART)
        m.refcount = 1
        m.ack(c)


def broker_answers(c: Any, committed: int | None) -> tuple[asyncio.Event, asyncio.Event]:
    """The seek reads ``committed`` from the broker: ``asked`` is set once it asked, and
    the answer comes once ``gate`` is set."""
    asked, gate = asyncio.Event(), asyncio.Event()

    async def seek_to_committed() -> dict[TP, int | None]:
        answer = {PART: committed}
        asked.set()
        await gate.wait()
        return answer

    c.seek_to_committed = seek_to_committed
    return asked, gate


async def commit_lands_during_the_seek(c: Any, perform_seek: Callable[[], Any]) -> None:
    """Fresh assignment: 40..61 delivered before the seek (Faust resumes the partitions
    before it seeks them); the commit timer commits them while the seek waits for the
    broker, whose answer (40) predates that commit; the batch in hand goes on (62..70)."""
    deliver(c, range(40, 62))
    asked, gate = broker_answers(c, 40)
    seek = asyncio.create_task(perform_seek())
    await asked.wait()
    await c.commit()
    assert c._committed_offset[PART] == 62
    gate.set()
    await seek
    deliver(c, range(62, 71))
    await c.commit()


@pytest.fixture(params=["tansu", faust_seek.SCHEME])
def transport(request: pytest.FixtureRequest) -> Iterator[str]:
    yield request.param


def test_both_profiles_use_the_safe_seek(transport: str) -> None:
    assert isinstance(consumer(transport), faust_seek.SafeSeek)
    assert issubclass(tansu.Consumer, faust_seek.SafeSeek)


def test_fausts_own_seek_stalls_the_commit() -> None:
    """What the safe seek fixes: with Faust's seek the committed offset goes back to the
    broker's stale answer and never moves again (40..61 are re-fetched but dropped as read)."""
    c = consumer(faust_seek.SCHEME)
    asyncio.run(commit_lands_during_the_seek(
        c, lambda: driver.Consumer.perform_seek(c)))
    assert c._committed_offset[PART] == 40
    deliver(c, range(71, 80))
    asyncio.run(c.commit())
    assert c._committed_offset[PART] == 40


def test_a_commit_during_the_seek_is_kept_and_the_commit_goes_on(transport: str) -> None:
    c = consumer(transport)
    asyncio.run(commit_lands_during_the_seek(c, c.perform_seek))
    # the fetcher is moved to what this worker committed, not back to the broker's answer
    c._seek.assert_awaited_once_with(PART, 62)
    c._seek_to_start.assert_not_awaited()
    assert c._committed_offset[PART] == 71
    deliver(c, range(71, 80))
    asyncio.run(c.commit())
    assert c._committed_offset[PART] == 80


def test_a_seek_with_nothing_committed_meanwhile_is_fausts(transport: str) -> None:
    c = consumer(transport)
    c._active_partitions = {PART}
    broker_answers(c, 183)[1].set()
    asyncio.run(c.perform_seek())
    c._seek.assert_awaited_once_with(PART, 183)
    assert (c._read_offset[PART], c._committed_offset[PART]) == (183, 183)
    deliver(c, range(183, 190))
    asyncio.run(c.commit())
    assert c._committed_offset[PART] == 190


def test_the_batch_in_hand_is_not_delivered_during_the_seek(transport: str) -> None:
    """getmany() checks the active partitions record by record: while the seek waits, the
    partitions it seeks are not in them; afterwards they are again, unless paused since."""
    c = consumer(transport)
    other = TP("sensors.ground", 0)
    c.assignment = lambda: {PART, other}
    c._active_partitions = {PART, other}
    seen: list[set[TP]] = []

    async def seek_to_committed() -> dict[TP, int]:
        seen.append(set(c._get_active_partitions()))
        c.pause_partitions([other])  # a rebalance began meanwhile
        return {PART: 5, other: 9}

    c.seek_to_committed = seek_to_committed
    asyncio.run(c.perform_seek())
    assert seen == [{faust_seek.HOLD}]  # never empty: aiokafka reads that as every partition
    assert c._get_active_partitions() == {PART}


def test_a_partition_nothing_was_committed_for_is_read_again_from_its_start(
        transport: str) -> None:
    """Records fetched while the seek holds a partition are skipped by Faust; with nothing
    committed, aiokafka's seek leaves the fetcher past them: the safe seek moves it to the
    log start, so they are delivered (a restarted worker lost a camera's first reports)."""
    c = consumer(transport)
    c._active_partitions = {PART}
    asked, gate = broker_answers(c, None)

    async def run() -> None:
        seek = asyncio.create_task(c.perform_seek())
        await asked.wait()
        assert PART not in c._get_active_partitions()  # a fetch now is skipped
        gate.set()
        await seek

    asyncio.run(run())
    c._seek_to_start.assert_awaited_once_with(PART)
    c._seek.assert_not_awaited()
    assert c._read_offset[PART] is None and PART in c._get_active_partitions()


def test_the_rest_of_the_batch_in_hand_is_not_delivered_after_the_seek(transport: str) -> None:
    """The seek stops the flow while it waits (getmany() stops at the next record), so the
    records of the batch in hand after the held ones are not delivered once the partition
    is active again: they would move the read offset past the records the seek fetches
    again, and Faust would drop those as already read. The flow runs again afterwards."""
    c = consumer(transport)
    c.resume_flow()
    flow: list[bool] = []

    async def seek_to_committed() -> dict[TP, int]:
        flow.append(c.flow_active)
        return {PART: 37}

    c.seek_to_committed = seek_to_committed
    asyncio.run(c.perform_seek())
    assert flow == [False] and c.flow_active
    c._seek.assert_awaited_once_with(PART, 37)
    assert c._read_offset[PART] == 37
