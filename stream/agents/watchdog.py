"""The ingest agent's guards around the consumer: a rebalance waits for the batch in hand,
and a consumer that stopped delivering is noticed and started again (stream/agents/stall.py).

Faust's own wait at a rebalance (``stream_wait_empty``) is off (``stream/app.py``): it
waits until every event any agent took is acknowledged, and after a broker restart a
heartbeat the health agent had taken never was: the rebalance waited for ever and the
worker read nothing more. What matters is narrower: the changelog recovery that follows a
rebalance must not run beside a batch still writing state. So the rebalance waits for
the ingest agent's batch in hand (bounded by its sends' own timeouts), then commits what
was processed.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Collection
from typing import Any

import faust
from prometheus_client import Counter

from stream import kafka_clients
from stream.agents.stall import BUSY_FACTOR, StallWatch, describe, restart, waiting
from stream.settings import Settings

log = logging.getLogger(__name__)

#: How long the stall check waits for the broker to say where the group stands.
LAG_TIMEOUT_S = 30.0


def register_watchdog(app: faust.App, settings: Settings, watch: StallWatch,
                      topics: Collection[str], save_state: Callable[[], Awaitable[int]],
                      stalls: Counter) -> None:
    """Guard ``app``'s ingest agent, whose batches ``watch`` follows; ``topics``: the ones
    it reads; ``save_state``: writes its whole state to the changelog (the keys written);
    ``stalls`` counts the restarts."""

    @app.on_partitions_revoked.connect  # type: ignore[arg-type]
    async def on_revoked(sender: Any, *_: Any, signal: Any, **__: Any) -> None:
        """The batch in hand finishes (outputs and state on the broker, events
        acknowledged), then what was processed is committed."""
        limit = BUSY_FACTOR * settings.send_timeout
        try:
            await asyncio.wait_for(watch.idle.wait(), limit)
        except TimeoutError:
            log.warning("rebalance: the batch in hand did not finish in %.0f s; going on "
                        "(its events are not acknowledged and will be read again)", limit)
        try:
            await asyncio.wait_for(app.consumer.commit(), settings.send_timeout)
        except Exception as exc:  # the next owner reads from the last commit: at least once
            log.warning("rebalance: committing what was processed failed: %s", exc)

    @app.timer(min(5.0, settings.stall_s / 4))
    async def stalled() -> None:
        """A consumer that stopped delivering while messages wait: one line, the state to
        the changelog, and a fresh start."""

        def due(times: float = 1.0) -> bool:
            return watch.due(time.monotonic(), reading_changelog(app, watch.after_s), times)

        if not due():
            return
        idle_s = time.monotonic() - (watch.last or 0.0)
        busy = " (its batch in hand never finished)" if watch.busy else ""
        mine = [(tp.topic, tp.partition) for tp in app.consumer.assignment()
                if tp.topic in topics]
        try:
            ranges = await asyncio.wait_for(asyncio.to_thread(
                kafka_clients.read_range, settings, settings.app_id, mine), LAG_TIMEOUT_S)
        except Exception as exc:  # the broker cannot say whether messages wait
            if watch.note_unjudged():
                log.warning("no message for %.0f s, and the broker cannot say whether any "
                            "wait: %s", idle_s, exc or type(exc).__name__)
            if not due(times=2) or not await broker_up(settings):
                return  # a restart would find no broker either: wait for it
            log.error("the worker has taken no message for %.0f s%s and cannot read its "
                      "lag: writing its state to the changelog and starting it again",
                      idle_s, busy)
        else:
            unread = waiting(ranges)
            if not unread or not due():
                return
            log.error("the worker has taken no message for %.0f s%s while %d wait on its "
                      "partitions (%s): writing its state to the changelog and starting it "
                      "again", idle_s, busy, unread, describe(ranges))
        stalls.inc()
        log.info("state written again: %d keys", await save_state())
        restart()


def reading_changelog(app: faust.App, within_s: float) -> bool:
    """Whether Faust's changelog recovery is running and read a record (or started) in the
    last ``within_s`` seconds: one that reads nothing is as stalled as the consumer."""
    if not getattr(app, "in_recovery", False):
        return False
    recovery = app.tables.recovery  # type: ignore[attr-defined]
    last = recovery._last_active_event_processed_at or recovery._recovery_started_at
    return last is not None and time.monotonic() - last < within_s


async def broker_up(settings: Settings) -> bool:
    """Whether the broker accepts this worker (so a fresh start would get going)."""
    try:
        await asyncio.wait_for(asyncio.to_thread(kafka_clients.require_broker, settings),
                               LAG_TIMEOUT_S)
        return True
    except Exception:
        return False
