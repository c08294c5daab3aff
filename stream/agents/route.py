"""The route agent: sensor messages from the gateways' topics to the placed topics.

Sensor topics are keyed by gateway or camera, so one gateway's reports stay in order; the
correlator needs them by place, so everything that can belong to one incident reaches one
correlator (:mod:`stream.placed`, docs/architecture.md "Scaling"). The agent is the edge
for sensor messages: it decodes each one, dead-letters what it refuses (a message over
``BORDERWATCH_MAX_MESSAGE_BYTES``, reports that are not valid or come from the future),
and sends each partition one of the valid reports belongs to a copy with the reports of
that partition (the message unchanged where that is all of them), on the placed topic of
its kind; headers name where the message was sent and each report's partitions.
At least once: a batch's events are acknowledged only once the broker has every copy; a
copy the broker refused is logged and counted (``borderwatch_send_failures_total``,
kind ``placed``) and the batch goes on, as with any other output.

After each batch, and every :data:`MARK_EVERY_S` seconds, the agent tells every placed
partition how far each sensor partition it reads got and whether it went idle
(:mod:`stream.agents.senders`, :mod:`stream.progress`): correlators on other workers wait
for a stalled router instead of passing its reports.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from typing import Any

import faust

from stream import progress, topics
from stream.agents import assignment
from stream.agents.outputs import Outputs
from stream.agents.senders import Partition, Senders
from stream.batch import RawMessage
from stream.metrics import Metrics
from stream.models import DeadLetter
from stream.partitioned import Router
from stream.placed import ORIGIN, SHARES, origin_header, shares_header
from stream.settings import Settings

log = logging.getLogger(__name__)

#: seconds between the progress marks every router sends of all it reads
MARK_EVERY_S = 1.0


def register_route(app: faust.App, settings: Settings, router: Router,
                   metrics: Metrics, idle_s: float) -> None:
    names = [settings.topic(t.name) for t in (topics.GROUND, topics.CAMERA, topics.HEALTH)]
    sources = app.topic(*names)
    senders = Senders(names, idle_s)
    lock = asyncio.Lock()  # marks never overtake the copies of a batch under way
    reassigned = {"now": True}

    highwater = assignment.highwater(app)

    async def track_assignment() -> None:
        reassigned["now"] = False
        ranges = await assignment.assigned_ranges(app, settings, senders.topics)
        if ranges is None:  # held all the same
            ranges = {(tp.topic, tp.partition): (0, 0) for tp in app.consumer.assignment()
                      if tp.topic in senders.topics}
        senders.assign(ranges, time.monotonic())

    async def send_marks(marks: Mapping[str, list[Any]]) -> None:
        """Each topic's marks to every partition of its placed topic, on the broker."""
        if not producer:
            producer.append(Outputs(settings))
        headers = [(progress.PROGRESS, b"1")]
        futs = [await producer[0].send(router.placed[topic], None, progress.encode(ms), p,
                                       headers)
                for topic, ms in marks.items() for p in range(router.places.partitions)]
        await asyncio.gather(*(deliver(f) for f in futs))
    producer: list[Outputs] = []  # made on the first send, in the agent's loop
    dead_letters = settings.topic(topics.DEAD_LETTERS.name)

    async def deliver(fut: asyncio.Future[int]) -> bool:
        try:
            await asyncio.wait_for(fut, settings.send_timeout)
            return True
        except Exception as exc:
            log.error("placing a sensor message failed: %s", exc)
            metrics.send_failures.labels(kind="placed").inc()
            return False

    async def take(events: list[Any]) -> None:
        if reassigned["now"]:
            await track_assignment()
        if not producer:
            producer.append(Outputs(settings))
        done: list[tuple[Partition, int, float | None]] = []
        futs: list[asyncio.Future[int]] = []
        letters: list[tuple[DeadLetter, asyncio.Future[int]]] = []
        now = time.time()
        for event in events:
            m = event.message
            to = router.route(RawMessage(m.topic, m.partition, m.offset, m.key, m.value), now)
            for letter in to.letters:  # refused here, once: the copies hold the rest
                letters.append((letter, await producer[0].send(
                    dead_letters, letter.key.encode() if letter.key else None,
                    letter.model_dump_json().encode())))
            origin = (ORIGIN, origin_header(m.topic, m.partition, m.offset))
            for p, (value, shares) in sorted(to.copies.items()):
                futs.append(await producer[0].send(
                    to.topic, m.key, value, p, [origin, (SHARES, shares_header(shares))]))
            done.append(((m.topic, m.partition), m.offset, to.ts))
        sent = await asyncio.gather(*(deliver(f) for f in futs))
        for letter, fut in letters:
            if await deliver(fut):
                metrics.dead_letters.labels(reason=letter.reason).inc()
        metrics.messages_placed.inc(sum(sent))
        for event in events:  # counted once their copies are on the broker
            metrics.messages_routed.labels(topic=event.message.topic).inc()
        now = time.monotonic()
        for tp, offset, ts in done:
            senders.routed(tp, offset, ts, now)
        await send_marks(senders.marks(highwater, now, {tp for tp, _, _ in done}))

    async def route(stream: Any) -> None:
        async for events in stream.take_events(settings.batch_max, settings.batch_within):
            try:
                async with lock:
                    await take(events)
            except Exception:  # a bug must not stop the agent: log, count, go on
                log.exception("placing a batch of %d messages failed", len(events))
                metrics.batch_failures.inc()

    app.agent(sources, name="route")(route)

    @app.timer(MARK_EVERY_S)
    async def mark() -> None:
        """To every placed partition: how far each partition read here got and whether
        it is idle, where that changed (all of them now and then)."""
        try:
            async with lock:
                if reassigned["now"]:
                    await track_assignment()
                await send_marks(senders.due(highwater, time.monotonic()))
        except Exception:
            log.exception("sending progress marks failed")

    @app.on_partitions_revoked.connect  # type: ignore[arg-type]
    async def on_revoked(sender: Any, *_: Any, **__: Any) -> None:
        senders.revoke()  # say nothing of partitions that may be another's by now

    @app.on_partitions_assigned.connect  # type: ignore[arg-type]
    async def on_assigned(sender: Any, *_: Any, **__: Any) -> None:
        reassigned["now"] = True
