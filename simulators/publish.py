"""Send simulator messages to Kafka (idempotent, acks=all) or to JSON lines, and read them back.

The Kafka sink waits for a broker that is down or goes away (librdkafka retries, the
message timeout is unlimited by default) and says so once per outage. Retries of an
idempotent producer never duplicate; if the producer hits a fatal error it is rebuilt
and only the messages not yet acknowledged are sent again.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from pathlib import Path
from typing import Any, Protocol

import orjson
from confluent_kafka import KafkaError, KafkaException

from simulators.messages import Emission
from stream import kafka_clients
from stream.metrics import SimulatorMetrics
from stream.settings import Settings

#: ``topic`` suffix -> metric label.
KIND = {"sensors.ground": "ground", "sensors.camera": "camera", "sensors.health": "health"}


#: Fatal producer errors survived (each rebuilds the producer) before the sink gives up.
MAX_REBUILDS = 5


class Sink(Protocol):
    def send(self, emission: Emission) -> None: ...
    def close(
        self, timeout: float | None = None, on_wait: Callable[[], None] | None = None
    ) -> None: ...


class PublishError(RuntimeError):
    """The broker refused or lost messages the producer could not retry."""


class ReplayError(ValueError):
    """A recorded file that cannot be replayed; the message names the line."""


class KafkaSink:
    """Idempotent producer; ``close`` waits until every message is acknowledged.

    ``timeout_s`` = how long a message may wait for a broker before it fails
    (``None``: forever). ``on_status`` gets human-readable news about the broker.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        metrics: SimulatorMetrics | None = None,
        on_status: Callable[[str], None] | None = None,
        timeout_s: float | None = None,
        **producer_config: Any,
    ) -> None:
        self.settings = settings
        self.metrics = metrics
        self.on_status = on_status or (lambda _msg: None)
        self.errors: list[str] = []
        self.delivered = 0
        self.resent = 0
        self.pending: dict[int, tuple[Emission, float]] = {}
        self.counter = 0
        self.outage = False
        self.fatal: str | None = None
        self.rebuilds = 0
        self.extra: dict[str, Any] = {
            "linger.ms": 20,
            "batch.num.messages": 10000,
            "compression.type": "lz4",
            "message.timeout.ms": 0 if timeout_s is None else int(timeout_s * 1000),
            "error_cb": self._on_error,
            # connection errors are reported once per outage by _on_error, not per retry
            "log_level": 2,
            "log.connection.close": False,
            **producer_config,
        }
        self.config = settings.producer_config(**self.extra)
        self.producer = kafka_clients.producer(settings, **self.extra)

    def _on_error(self, err: KafkaError) -> None:
        if err.fatal():
            self.fatal = str(err)
            return
        if err.code() in (KafkaError._TRANSPORT, KafkaError._ALL_BROKERS_DOWN) and not self.outage:
            self.outage = True
            self.on_status(
                f"broker {self.settings.bootstrap_servers} unreachable ({err.str()}): "
                f"waiting and retrying (not yet acknowledged: {len(self.pending)})"
            )

    def _on_delivery(self, n: int, err: KafkaError | None, _msg: object) -> None:
        item = self.pending.pop(n, None)
        if err is not None:
            if err.code() == KafkaError._FATAL or err.fatal():
                self.fatal = self.fatal or str(err)
                if item is not None:
                    self.pending[n] = item  # resent by the rebuilt producer
                return
            self.errors.append(str(err))
            if self.metrics:
                self.metrics.produce_errors.labels(reason=err.name()).inc()
            return
        self.delivered += 1
        if self.outage:
            self.outage = False
            self.on_status(f"broker {self.settings.bootstrap_servers} reachable again: sending")
        if self.metrics and item is not None:
            e, sent = item
            self.metrics.delivery_latency.observe(time.monotonic() - sent)
            self.metrics.events_produced.labels(kind=KIND.get(e.topic, e.topic)).inc(e.reports)
            self.metrics.messages_produced.labels(kind=KIND.get(e.topic, e.topic)).inc()

    def _produce(self, n: int, emission: Emission) -> None:
        while True:
            try:
                self.producer.produce(
                    self.settings.topic(emission.topic),
                    emission.value,
                    emission.key.encode(),
                    timestamp=int(emission.ts * 1000),
                    on_delivery=partial(self._on_delivery, n),
                )
                return
            except BufferError:
                self.producer.poll(0.05)
                self._check_fatal()
            except KafkaException as exc:
                err = exc.args[0] if exc.args else None
                if isinstance(err, KafkaError) and err.fatal():
                    # the producer is dead: _check_fatal rebuilds it and resends this one
                    self.fatal = self.fatal or str(err)
                    return
                raise PublishError(f"the producer refused a message: {exc}") from exc

    def _check_fatal(self) -> None:
        """Rebuild a producer that hit a fatal error and resend what was not acknowledged."""
        while self.fatal is not None:
            reason, self.fatal = self.fatal, None
            self.rebuilds += 1
            if self.rebuilds > MAX_REBUILDS:
                raise PublishError(f"producer failed {self.rebuilds} times, last: {reason}")
            self.on_status(
                f"producer failed ({reason}): reconnecting; resending "
                f"{len(self.pending)} unacknowledged messages"
            )
            self.producer.purge(in_queue=True, in_flight=True)
            self.producer.poll(0)
            self.producer = kafka_clients.producer(self.settings, **self.extra)
            for n, (e, _) in sorted(self.pending.items()):
                self.resent += 1
                self._produce(n, e)
                if self.fatal is not None:
                    break  # this one died too: rebuild again

    def send(self, emission: Emission) -> None:
        self.counter += 1
        self.pending[self.counter] = (emission, time.monotonic())
        self._produce(self.counter, emission)
        self.producer.poll(0)
        self._check_fatal()

    def close(
        self, timeout: float | None = None, on_wait: Callable[[], None] | None = None
    ) -> None:
        """Wait for every acknowledgement (``timeout`` s at most; ``None``: as long as it takes);
        ``on_wait`` is called about twice a second meanwhile."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.pending:
            try:
                self.producer.flush(0.5)
            except SystemError as exc:  # Ctrl-C inside a delivery callback of flush()
                if isinstance(exc.__cause__ or exc.__context__, KeyboardInterrupt):
                    raise KeyboardInterrupt from None
                raise
            self._check_fatal()
            if on_wait is not None:
                on_wait()
            if deadline is not None and time.monotonic() > deadline:
                # given up: drop what librdkafka still queues, so that destroying the
                # producer at exit has nothing left to wait for (not polled: the purged
                # messages stay counted as not acknowledged)
                self.producer.purge(in_queue=True, in_flight=True)
                break
        if self.pending or self.errors:
            hint = ("; create the topics first: `borderwatch topics create`"
                    if any("UNKNOWN_TOPIC" in e for e in self.errors) else "")
            raise PublishError(
                f"{len(self.pending)} messages not acknowledged, {len(self.errors)} failed"
                + (f": {self.errors[0]}" if self.errors else "") + hint
            )


def encode_line(e: Emission) -> bytes:
    """One recorded message: ``{"ts", "topic", "key", "reports", "value"}`` (value verbatim)."""
    head = orjson.dumps({"ts": e.ts, "topic": e.topic, "key": e.key, "reports": e.reports})
    return head[:-1] + b',"value":' + e.value + b"}\n"


class FileSink:
    """JSON lines for replay and inspection, byte-identical for the same run."""

    def __init__(self, path: Path) -> None:
        self.file = path.open("wb")

    def send(self, emission: Emission) -> None:
        self.file.write(encode_line(emission))

    def close(
        self, timeout: float | None = None, on_wait: Callable[[], None] | None = None
    ) -> None:
        self.file.close()


def read_emissions(path: Path, *, retime_to: float | None = None) -> Iterator[Emission]:
    """Messages of a recorded file, in file order.

    ``retime_to``: shift every time (message and report ``ts``) so the first message is at it.
    """
    shift: float | None = None
    with path.open("rb") as f:
        for no, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                rec = orjson.loads(line)
                ts, topic, key, value = (
                    float(rec["ts"]),
                    str(rec["topic"]),
                    str(rec["key"]),
                    rec["value"],
                )
            except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
                raise ReplayError(f"{path}:{no}: not a recorded message ({exc})") from exc
            if not isinstance(value, dict):
                raise ReplayError(f"{path}:{no}: value is not a JSON object")
            reports = value.get("reports")
            count = len(reports) if isinstance(reports, list) else 1
            if retime_to is not None:
                shift = retime_to - ts if shift is None else shift
                ts = round(ts + shift, 3)
                for r in reports if isinstance(reports, list) else [value]:
                    if isinstance(r, dict) and isinstance(r.get("ts"), int | float):
                        r["ts"] = round(r["ts"] + shift, 3)
            yield Emission(ts, topic, key, orjson.dumps(value), count)


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
