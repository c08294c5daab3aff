"""The ingest agent's batches (stream/agents/batches.py) on a Faust agent's in-memory test
channel: full batches at once, a partial one ``within`` after its first event, events
acknowledged once their batch is done, and no timer while nothing is buffered."""

from __future__ import annotations

import asyncio
from typing import Any

import faust

from stream.agents.batches import take_batches

#: Seconds a test waits for what must happen at once; far longer than it ever takes.
DEADLINE = 30.0


class Collector:
    """A Faust agent taking batches of ``max_`` within ``within`` s; records the values of
    each batch, whether its events were acknowledged while in hand, and every wait the
    batching made (its timeout)."""

    def __init__(self, max_: int, within: float) -> None:
        self.batches: list[list[int]] = []
        self.acked_in_hand: list[bool] = []
        self.events: list[Any] = []
        self.waits: list[float | None] = []
        self.changed = asyncio.Condition()
        app = faust.App(f"batches-{max_}-{within}", broker="kafka://127.0.0.1:1")

        async def collect(stream: Any) -> None:
            waits = stream.wait_for_stopped

            async def spy(*coros: Any, timeout: float | None = None) -> bool:
                self.waits.append(timeout)
                async with self.changed:
                    self.changed.notify_all()
                return bool(await waits(*coros, timeout=timeout))

            stream.wait_for_stopped = spy
            async for batch in take_batches(stream, max_, within):
                self.acked_in_hand.append(any(e.message.acked for e in batch))
                self.events.extend(batch)
                async with self.changed:
                    self.batches.append([e.value for e in batch])
                    self.changed.notify_all()

        self.agent = app.agent()(collect)

    async def until(self, fact: Any) -> None:
        """Wait until ``fact()`` holds (it is checked whenever the agent records)."""
        async with self.changed:
            await asyncio.wait_for(self.changed.wait_for(fact), DEADLINE)


def run(test: Any) -> None:
    asyncio.run(asyncio.wait_for(test(), DEADLINE * 2))


def test_full_batches_are_taken_at_once_and_never_larger() -> None:
    c = Collector(3, within=3600.0)  # a partial batch would wait an hour

    async def go() -> None:
        async with c.agent.test_context() as agent:
            for i in range(6):
                await agent.put(i)
            await c.until(lambda: len(c.batches) == 2)
        assert c.batches == [[0, 1, 2], [3, 4, 5]]

    run(go)


def test_a_partial_batch_is_taken_within_its_time_and_acknowledged_after() -> None:
    c = Collector(100, within=0.01)

    async def go() -> None:
        async with c.agent.test_context() as agent:
            await agent.put(7)
            await c.until(lambda: len(c.batches) == 1)
            await agent.put(8)
            await c.until(lambda: len(c.batches) == 2)
        assert c.batches == [[7], [8]]
        assert c.acked_in_hand == [False, False]
        assert all(e.message.acked for e in c.events)

    run(go)


def test_nothing_buffered_waits_without_a_timer() -> None:
    c = Collector(100, within=0.01)

    async def go() -> None:
        async with c.agent.test_context() as agent:
            await c.until(lambda: len(c.waits) == 1)  # waiting for a first event
            await agent.put(1)
            await c.until(lambda: len(c.batches) == 1 and len(c.waits) == 3)
            # first event (no timer), the rest of its batch (within), the next first event
            assert c.waits == [None, 0.01, None]

    run(go)
