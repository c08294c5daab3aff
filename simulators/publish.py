"""Send simulator messages to Kafka (idempotent, acks=all) or to a JSON-lines file."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Protocol

import orjson
from confluent_kafka import KafkaError, Producer

from simulators.world import Emission
from stream.settings import Settings


class Sink(Protocol):
    def send(self, emission: Emission) -> None: ...
    def close(self) -> None: ...


class PublishError(RuntimeError):
    """The broker refused or lost messages the producer could not retry."""


class KafkaSink:
    """Idempotent producer; ``close`` waits until every message is acknowledged."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.errors: list[str] = []
        self.delivered = 0
        self.producer = Producer(
            settings.producer_config(
                **{"linger.ms": 20, "batch.num.messages": 10000, "compression.type": "lz4"}
            )
        )

    def _on_delivery(self, err: KafkaError | None, _msg: object) -> None:
        if err is not None:
            self.errors.append(str(err))
        else:
            self.delivered += 1

    def send(self, emission: Emission) -> None:
        topic = self.settings.topic(emission.topic)
        while True:
            try:
                self.producer.produce(
                    topic, emission.value, emission.key.encode(),
                    timestamp=int(emission.ts * 1000), on_delivery=self._on_delivery,
                )
                break
            except BufferError:
                self.producer.poll(0.05)
        self.producer.poll(0)

    def close(self, timeout: float = 60.0) -> None:
        left = self.producer.flush(timeout)
        if left or self.errors:
            raise PublishError(
                f"{left} messages not acknowledged, {len(self.errors)} failed"
                + (f": {self.errors[0]}" if self.errors else "")
            )


class FileSink:
    """JSON lines ``{"ts", "topic", "key", "value"}`` for replay and inspection."""

    def __init__(self, path: Path) -> None:
        self.file = path.open("wb")

    def send(self, emission: Emission) -> None:
        line = {
            "ts": emission.ts, "topic": emission.topic, "key": emission.key,
            "value": orjson.loads(emission.value),
        }
        self.file.write(orjson.dumps(line) + b"\n")

    def close(self) -> None:
        self.file.close()


def paced(
    emissions: Iterable[Emission],
    speed: float | None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[Emission]:
    """Release each emission at its scenario time divided by ``speed``; ``None`` = no waiting."""
    t0_wall: float | None = None
    t0_sim = 0.0
    for e in emissions:
        if speed is not None:
            if t0_wall is None:
                t0_wall, t0_sim = clock(), e.ts
            delay = t0_wall + (e.ts - t0_sim) / speed - clock()
            if delay > 0:
                sleep(delay)
        yield e
