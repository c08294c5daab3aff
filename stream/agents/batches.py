"""Batches of a Faust stream's events that cost nothing while the stream is idle.

Faust's ``Stream.take_events(max_, within)`` wakes every ``within`` seconds whether or not
anything arrived: at the worker's 20 ms, 50 wake-ups a second, a third of an idle worker's
CPU. :func:`take_batches` keeps its buffer (at most ``max_`` events a batch, each
acknowledged once the batch's consumer is done with it) and differs in one thing: with
nothing buffered it waits for the first event without a timer, and a batch then waits at
most ``within`` after its first event for the rest. Adapted from faust-streaming's
``Stream.take_events`` (BSD-3-Clause); it uses the same stream hooks.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from typing import Any

from mode.utils.aiter import aiter
from mode.utils.futures import notify


def take_batches(stream: Any, max_: int, within: float) -> AsyncGenerator[list[Any], None]:
    """Lists of at most ``max_`` events of ``stream``: a list is yielded once full, or
    ``within`` seconds after its first event arrived; none while nothing arrives."""
    batches = _batches(stream, max_, within)
    stream._active_agens.add(batches)  # closed when the stream stops, as Faust's own are
    return batches


async def _batches(stream: Any, max_: int, within: float) -> AsyncGenerator[list[Any], None]:
    events: list[Any] = []
    started = asyncio.Event()  # the buffer holds a first event
    full = asyncio.Event()
    consumed = asyncio.Event()
    consuming: asyncio.Future[None] | None = None  # set while a batch is out

    async def add(value: Any) -> Any:
        nonlocal consuming
        try:
            if consuming is not None:  # hold new events until the batch out is done
                try:
                    await consuming
                finally:
                    consuming = None
            event = stream.current_event
            if event is None:
                raise RuntimeError("a buffered value without its event")
            events.append(event)
            started.set()
            if len(events) >= max_:
                full.set()
                consumed.clear()
                await stream.wait(consumed)  # never more than max_ a batch
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            stream.log.exception("Error adding to take buffer: %r", exc)
            await stream.crash(exc)
        return value

    acks = stream.enable_acks
    stream.enable_acks = False  # events are acknowledged here, once their batch is done
    stream.add_processor(add)
    stream._enable_passive(aiter(stream.channel))
    try:
        while not stream.should_stop:
            stopped = await stream.wait_for_stopped(started)
            if not stopped and not full.is_set():
                await stream.wait_for_stopped(full, timeout=within)
            if not events:
                continue
            consuming = asyncio.get_running_loop().create_future()
            try:
                yield list(events)
            finally:
                done = list(events)
                events.clear()
                for event in done:
                    await stream.ack(event)
                notify(consuming)
                started.clear()
                full.clear()
                consumed.set()
    finally:
        stream.enable_acks = acks
        stream._processors.remove(add)
