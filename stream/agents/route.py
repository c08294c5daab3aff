"""The route agent: sensor messages from the gateways' topics to the placed topics.

Sensor topics are keyed by gateway or camera, so one gateway's reports stay in order; the
correlator needs them by place, so everything that can belong to one incident reaches one
correlator (:mod:`stream.placed`, docs/architecture.md "Scaling"). Each message goes
unchanged (a header names where it was sent) to the placed topic of its kind, on every
partition one of its reports belongs to (a message without a valid report on one
partition, whose correlator dead-letters it; one over ``BORDERWATCH_MAX_MESSAGE_BYTES`` is
dead-lettered here, as the correlator would, and not copied).
At least once: a batch's events are acknowledged only once the broker has every copy; a
copy the broker refused is logged and counted (``borderwatch_send_failures_total``,
kind ``placed``) and the batch goes on, as with any other output.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import faust

from stream import topics
from stream.agents.outputs import Outputs
from stream.batch import RawMessage
from stream.codec import dead_letter
from stream.metrics import Metrics
from stream.models import DeadLetter
from stream.partitioned import Router
from stream.placed import ORIGIN, origin_header
from stream.settings import Settings

log = logging.getLogger(__name__)


def register_route(app: faust.App, settings: Settings, router: Router,
                   metrics: Metrics) -> None:
    sources = app.topic(*(settings.topic(t.name)
                          for t in (topics.GROUND, topics.CAMERA, topics.HEALTH)))
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
        if not producer:
            producer.append(Outputs(settings))
        futs: list[asyncio.Future[int]] = []
        letters: list[tuple[DeadLetter, asyncio.Future[int]]] = []
        for event in events:
            m = event.message
            if len(m.value or b"") > settings.max_message_bytes:  # no copy: refused here
                letter = dead_letter(
                    "too_large", f"{len(m.value)} bytes > limit {settings.max_message_bytes}",
                    m.value, topic=m.topic, partition=m.partition, offset=m.offset, key=m.key)
                letters.append((letter, await producer[0].send(
                    dead_letters, letter.key.encode() if letter.key else None,
                    letter.model_dump_json().encode())))
                continue
            topic, parts = router.route(RawMessage(m.topic, m.partition, m.offset, m.key,
                                                   m.value))
            origin = [(ORIGIN, origin_header(m.topic, m.partition, m.offset))]
            for p in sorted(parts):
                futs.append(await producer[0].send(topic, m.key, m.value, p, origin))
        sent = await asyncio.gather(*(deliver(f) for f in futs))
        for letter, fut in letters:
            if await deliver(fut):
                metrics.dead_letters.labels(reason=letter.reason).inc()
        metrics.messages_placed.inc(sum(sent))
        for event in events:  # counted once their copies are on the broker
            metrics.messages_routed.labels(topic=event.message.topic).inc()

    async def route(stream: Any) -> None:
        async for events in stream.take_events(settings.batch_max, settings.batch_within):
            try:
                await take(events)
            except Exception:  # a bug must not stop the agent: log, count, go on
                log.exception("placing a batch of %d messages failed", len(events))
                metrics.batch_failures.inc()

    app.agent(sources, name="route")(route)
