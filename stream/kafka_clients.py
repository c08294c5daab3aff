"""Every confluent-kafka client BorderWatch builds, made here.

librdkafka's own log and error callbacks go through Python logging (``borderwatch.kafka``)
at WARNING, once per condition instead of once per retry; repeats are logged at DEBUG.
:func:`require_broker` turns an unreachable broker into one line with the address and a hint.

>>> once = OncePerCondition()
>>> [once.first("Connect to 127.0.0.1:9 failed (after 3ms in state CONNECT)"),
...  once.first("Connect to 127.0.0.1:9 failed (after 12ms in state CONNECT)")]
[True, False]
"""

from __future__ import annotations

import contextlib
import logging
import re
import socket
import time
import uuid
from collections.abc import Iterable, Iterator
from typing import Any

from confluent_kafka import (
    OFFSET_BEGINNING,
    Consumer,
    KafkaError,
    KafkaException,
    Producer,
    TopicPartition,
)
from confluent_kafka.admin import AdminClient

from stream.settings import Settings

log = logging.getLogger("borderwatch.kafka")

HINT = (
    "start one with `borderwatch broker` (or run `borderwatch demo`), or point "
    "--bootstrap-servers / BORDERWATCH_BOOTSTRAP_SERVERS at yours"
)


class BrokerUnreachable(RuntimeError):
    """No bootstrap server answered; the message names them and says what to do."""


class BrokerRefused(BrokerUnreachable):
    """The broker answered but the TLS handshake or the SASL authentication failed."""


class OncePerCondition:
    """Remembers which conditions were already reported; numbers, and what librdkafka
    appends (how long after what, how many identical ones it suppressed), do not make a
    new one.

    >>> once = OncePerCondition()
    >>> once.first("h:1/bootstrap: Connect to h:1 failed: Connection refused "
    ...            "(after 0ms in state CONNECT)")
    True
    >>> once.first("h:1/bootstrap: Connect to h:1 failed: Connection refused "
    ...            "(after 2ms in state CONNECT, 1 identical error(s) suppressed)")
    False
    """

    def __init__(self) -> None:
        self.seen: set[str] = set()

    def first(self, message: str) -> bool:
        """True the first time a message like this one (numbers aside) is seen; the log
        and the error callback report the same condition with the same text."""
        key = re.sub(r"\d+", "#", re.split(r" \(after |, ", message)[0])
        if key in self.seen:
            return False
        self.seen.add(key)
        return True


class _LibrdkafkaLog:
    """What confluent-kafka calls as ``logger``: ``log(level, fmt, *args)``."""

    def __init__(self, once: OncePerCondition) -> None:
        self.once = once

    def log(self, level: int, fmt: str, *args: Any) -> None:
        facility, text = (str(args[0]), str(args[2])) if len(args) == 3 else ("", fmt % args)
        text = re.sub(r"^\[thrd:[^\]]*\]: ", "", text)
        if level >= logging.WARNING and self.once.first(text):
            log.warning("Kafka: %s", text)
        else:
            log.debug("Kafka %s: %s", facility, text)


def _hooks(extra: dict[str, Any]) -> dict[str, Any]:
    """``logger`` and ``error_cb`` routed through Python logging, unless the caller set them."""
    once = OncePerCondition()
    hooks: dict[str, Any] = {"logger": _LibrdkafkaLog(once)}

    def on_error(err: KafkaError) -> None:
        if once.first(err.str()):
            log.warning("Kafka: %s", err.str())
        else:
            log.debug("Kafka: %s", err.str())

    hooks["error_cb"] = on_error
    hooks.update(extra)
    return hooks


def producer(settings: Settings, **extra: Any) -> Producer:
    """An idempotent, acks=all producer (``extra`` overrides librdkafka settings)."""
    return Producer(settings.producer_config(**_hooks(extra)))


def consumer(settings: Settings, group_id: str, **extra: Any) -> Consumer:
    """A consumer; group-less readers pass any group id and ``assign`` partitions."""
    return Consumer(settings.consumer_config(group_id, **_hooks(extra)))


def read_range(settings: Settings, group_id: str, partitions: Iterable[tuple[str, int]],
               timeout: float = 10.0) -> dict[tuple[str, int], tuple[int, int]]:
    """(topic, partition) -> (where ``group_id`` reads from, end offset): its committed
    offset (the log start if it committed nothing), and the end the broker reports (the
    embedded broker may report an end below the last message, never above it)."""
    c = consumer(settings, group_id)
    try:
        tps = [TopicPartition(t, p) for t, p in partitions]
        out: dict[tuple[str, int], tuple[int, int]] = {}
        for tp in c.committed(tps, timeout=timeout) if tps else []:
            low, high = c.get_watermark_offsets(TopicPartition(tp.topic, tp.partition),
                                                timeout=timeout)
            out[(str(tp.topic), int(tp.partition))] = (max(int(tp.offset), int(low)), int(high))
        return out
    finally:
        c.close()


def partitions(client: Consumer, topic: str) -> list[int]:
    """The partition ids of ``topic`` (a full name); :class:`KafkaException` naming the fix
    when it does not exist."""
    meta = client.list_topics(topic, timeout=10).topics.get(topic)
    if meta is None or meta.error is not None or not meta.partitions:
        raise KafkaException(f"topic {topic} not found: run `borderwatch topics create`")
    return sorted(meta.partitions)


def _read_to_eof(c: Consumer, starts: list[TopicPartition], timeout: float) -> Iterator[Any]:
    """Every message from ``starts`` up to each partition's end-of-partition event, that
    event included (its offset is the partition's true end: the fetch's high watermark;
    the embedded broker's ListOffsets may answer less). :class:`TimeoutError` names the
    partitions not read to their end after ``timeout`` s."""
    pending = {(tp.topic, tp.partition) for tp in starts}
    c.assign(starts)
    deadline = time.monotonic() + timeout
    while pending:
        if time.monotonic() > deadline:
            raise TimeoutError(f"partitions {sorted(pending)} not read to their end "
                               f"in {timeout:.0f} s")
        msg = c.poll(0.2)
        if msg is None:
            continue
        err = msg.error()
        if err is not None and err.code() != KafkaError._PARTITION_EOF:
            raise KafkaException(err)
        if err is not None:
            pending.discard((msg.topic(), msg.partition()))
        yield msg


def read_to_end(settings: Settings, topic: str, timeout: float = 15.0
                ) -> Iterator[tuple[bytes | None, bytes | None]]:
    """(key, value) of every message ``topic`` (a full name) holds now, oldest first per
    partition, read without a consumer group up to the true end of each partition.
    :class:`TimeoutError` names the partitions not read to their end after ``timeout`` s;
    :class:`KafkaException` if the topic does not exist."""
    c = consumer(settings, f"borderwatch-reader-{uuid.uuid4().hex[:8]}",
                 **{"enable.partition.eof": True})
    try:
        starts = [TopicPartition(topic, p, OFFSET_BEGINNING) for p in partitions(c, topic)]
        for msg in _read_to_eof(c, starts, timeout):
            if msg.error() is None:
                yield msg.key(), msg.value()
    finally:
        c.close()


def end_offsets(settings: Settings, topics: Iterable[str], timeout: float = 15.0
                ) -> dict[tuple[str, int], int]:
    """The true end offset of every partition of ``topics`` (full names): each is read from
    its reported end to its end-of-partition event, since the embedded broker's ListOffsets
    may answer less than the last message."""
    c = consumer(settings, f"borderwatch-reader-{uuid.uuid4().hex[:8]}",
                 **{"enable.partition.eof": True})
    try:
        starts = []
        for topic in topics:
            for p in partitions(c, topic):
                tp = TopicPartition(topic, p)
                starts.append(TopicPartition(topic, p, c.get_watermark_offsets(tp, 10)[1]))
        return {(str(m.topic()), int(m.partition() or 0)): int(m.offset() or 0)
                for m in _read_to_eof(c, starts, timeout) if m.error() is not None}
    finally:
        c.close()


def admin(settings: Settings) -> AdminClient:
    conf = settings.kafka_client_config()
    conf.update(_hooks({}))
    return AdminClient(conf)


def _addresses(bootstrap: str) -> list[tuple[str, int]]:
    out = []
    for item in bootstrap.split(","):
        host, _, port = item.strip().rpartition(":")
        host = re.sub(r"^[a-zA-Z_]+://", "", host).strip("[]")
        with contextlib.suppress(ValueError):
            out.append((host, int(port)))
    return out


def require_broker(settings: Settings, timeout: float = 3.0) -> None:
    """Raise :class:`BrokerUnreachable` unless a bootstrap server accepts a connection,
    and :class:`BrokerRefused` if TLS or SASL then fails (:func:`check_access`)."""
    reasons = []
    for host, port in _addresses(settings.bootstrap_servers):
        try:
            with socket.create_connection((host, port), timeout=timeout):
                pass
        except OSError as exc:
            reasons.append(exc.strerror or type(exc).__name__)
            continue
        check_access(settings)
        return
    why = f" ({reasons[0].lower()})" if reasons else ""
    raise BrokerUnreachable(
        f"cannot reach the Kafka broker at {settings.bootstrap_servers}{why}: {HINT}"
    )


class _Collect:
    """A librdkafka ``logger`` that keeps warnings and errors instead of printing them."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def log(self, level: int, fmt: str, *args: Any) -> None:
        if level >= logging.WARNING:
            self.lines.append(str(args[2]) if len(args) == 3 else fmt % args)


def _reason(text: str) -> str:
    """librdkafka's text without the broker prefix and the state timing."""
    text = re.sub(r"^\[thrd:[^\]]*\]: ", "", text)
    text = re.sub(r"^\S+/(bootstrap|\d+): ", "", text)
    return re.sub(r" \(after \d+ms in state \w+\)$", "", text)


def check_access(settings: Settings, timeout: float = 10.0) -> None:
    """Raise :class:`BrokerRefused` (one line: the broker's reason and the settings to
    check) unless a metadata request over the configured TLS/SASL succeeds."""
    if settings.security_protocol == "PLAINTEXT":
        return
    errors: list[KafkaError] = []
    logs = _Collect()
    conf = settings.kafka_client_config()
    conf.update({"error_cb": errors.append, "logger": logs})
    client = AdminClient(conf)
    try:
        client.list_topics(timeout=timeout)
        return
    except KafkaException:
        client.poll(0.5)  # deliver the queued error callbacks and log lines
    where = f"the Kafka broker at {settings.bootstrap_servers}"
    for err in errors:
        if err.code() == KafkaError._SSL:
            raise BrokerRefused(
                f"TLS with {where} failed: {_reason(err.str())}; check BORDERWATCH_SSL_CA_FILE "
                "(the CA that signed the broker's certificate) and the broker's address")
        if err.code() == KafkaError._AUTHENTICATION:
            raise BrokerRefused(
                f"{where} refused authentication: {_reason(err.str())}; check "
                "BORDERWATCH_SASL_USERNAME, BORDERWATCH_SASL_PASSWORD and "
                "BORDERWATCH_SASL_MECHANISM")
    seen = f" ({_reason(logs.lines[0])})" if logs.lines else ""
    raise BrokerRefused(
        f"{where} closed the connection while it was being set up with "
        f"BORDERWATCH_SECURITY_PROTOCOL={settings.security_protocol}{seen}: check that the "
        "broker expects this protocol and whether it requires a client certificate "
        "(BORDERWATCH_SSL_CERT_FILE, BORDERWATCH_SSL_KEY_FILE)")
