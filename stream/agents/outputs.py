"""The worker's outputs (alerts, camera tasks, zone events, dead letters, late events) and
its state changes through a librdkafka producer of their own, batched as any producer's.

What Faust produces goes one record a batch on the embedded broker (so that a partition's
reported end is exact there, see ``stream/app.py``): a fault storm's thousands of alerts
and state changes then left one batch each, and were read back seconds after the worker
sent them. Readers that need a partition's true end on that broker read it with
:func:`stream.kafka_clients.end_offsets`.

Each send gives an asyncio future that the delivery report settles; a thread of its own
serves the reports, so the agent's loop never blocks on the client. The thread hands the
loop what one poll of the client delivered in one call: a batch's thousands of state
changes then wake the loop a few times, not once a record.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from typing import Any

from confluent_kafka import KafkaError, KafkaException

from stream import kafka_clients
from stream.settings import Settings


class Outputs:
    """A producer for the worker's outputs, keyed as Java clients key (murmur2), giving up
    on a message after ``settings.send_timeout``. Not idempotent: a broker that restarted
    empty fences an idempotent producer for good, and a resent output is harmless (alert
    ids are deterministic, readers take the newest revision); one request in flight keeps
    each key's messages in order through retries."""

    def __init__(self, settings: Settings) -> None:
        self._producer = kafka_clients.producer(
            settings, partitioner="murmur2_random",
            **{"enable.idempotence": False, "max.in.flight.requests.per.connection": 1,
               "message.timeout.ms": max(1000, int(settings.send_timeout * 1000))})
        self._stop = threading.Event()
        #: (future, error, partition) of the deliveries reported since the loop was handed
        #: the last ones (appended by the client's callbacks, in the serving thread)
        self._reported: list[tuple[asyncio.Future[int], KafkaError | None, int]] = []
        self._thread = threading.Thread(target=self._serve, name="outputs", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            self._producer.poll(0.05)
            self._hand_over()

    def _hand_over(self) -> None:
        """Settle, in their loop and in one call, the futures whose deliveries the last
        poll reported."""
        reported, self._reported = self._reported, []
        if reported:
            loop = reported[0][0].get_loop()
            # a closed loop (RuntimeError) has nobody waiting for these any more
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(_settle_all, reported)

    async def send(self, topic: str, key: bytes | None, value: bytes | None,
                   partition: int | None = None) -> asyncio.Future[int]:
        """Hand one message to the client (in call order per partition; to ``partition``,
        or the key's); the future is settled with the partition once the broker has it, or
        with the error that stopped it."""
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[int] = loop.create_future()

        def report(err: KafkaError | None, msg: Any) -> None:
            self._reported.append((fut, err, msg.partition()))

        while True:
            try:
                if partition is None:
                    self._producer.produce(topic, value, key, on_delivery=report)
                else:
                    self._producer.produce(topic, value, key, partition, on_delivery=report)
                return fut
            except BufferError:  # the client's queue is full: let deliveries drain it
                await asyncio.sleep(0.01)

    def close(self, timeout: float = 10.0) -> int:
        """Deliver what is queued (at most ``timeout`` s) and stop; how many were left."""
        self._stop.set()
        self._thread.join(timeout)
        left = int(self._producer.flush(timeout))
        self._hand_over()
        return left


def _settle_all(reported: list[tuple[asyncio.Future[int], KafkaError | None, int]]) -> None:
    for fut, err, partition in reported:
        if fut.done():
            continue
        if err is None:
            fut.set_result(partition)
        else:
            fut.set_exception(KafkaException(err))


async def settle(futs: list[asyncio.Future[int] | Exception], timeout: float
                 ) -> list[int | BaseException]:
    """Wait once, at most ``timeout`` s, for deliveries (a batch's thousands in one wait);
    each one's partition, or why it failed: its error, the error that kept it from being
    sent (given in its place), or a timeout (its future then cancelled).

    >>> async def demo():
    ...     ok, bad, late = (asyncio.get_running_loop().create_future() for _ in range(3))
    ...     ok.set_result(2)
    ...     bad.set_exception(OSError("broker gone"))
    ...     out = await settle([ok, bad, late, ValueError("too large")], 0.01)
    ...     return [o if isinstance(o, int) else type(o).__name__ for o in out], late.cancelled()
    >>> asyncio.run(demo())
    ([2, 'OSError', 'TimeoutError', 'ValueError'], True)
    """
    waiting = [f for f in futs if not isinstance(f, Exception)]
    if waiting:
        await asyncio.wait(waiting, timeout=timeout)
    out: list[int | BaseException] = []
    for f in futs:
        if isinstance(f, Exception):
            out.append(f)
        elif not f.done():
            f.cancel()
            out.append(TimeoutError(f"no delivery report within {timeout:g} s"))
        elif f.cancelled():
            out.append(asyncio.CancelledError())
        else:
            out.append(f.exception() or f.result())
    return out
