"""librdkafka's log goes through Python logging at WARNING, once per condition."""

from __future__ import annotations

import logging
import time

import pytest

from stream import kafka_clients
from stream.broker import free_port
from stream.settings import Settings


def test_a_down_broker_is_one_warning_however_often_librdkafka_retries(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="borderwatch.kafka")
    dead = f"127.0.0.1:{free_port()}"
    consumer = kafka_clients.consumer(Settings(bootstrap_servers=dead), "g",
                                      **{"reconnect.backoff.ms": 10,
                                         "reconnect.backoff.max.ms": 50})
    consumer.subscribe(["t"])

    def refused() -> list[logging.LogRecord]:
        return [r for r in caplog.records if "Connection refused" in r.getMessage()]

    deadline = time.monotonic() + 30
    try:
        while len(refused()) < 6 and time.monotonic() < deadline:
            consumer.poll(0.2)
    finally:
        consumer.close()
    assert len(refused()) >= 6, "librdkafka retried several times"
    warnings = [r for r in refused() if r.levelno == logging.WARNING]
    assert len(warnings) == 1, [r.getMessage() for r in warnings]
    assert warnings[0].getMessage().startswith("Kafka: ") and dead in warnings[0].getMessage()
    assert "thrd:" not in warnings[0].getMessage()


def test_require_broker_names_the_address_and_what_to_do() -> None:
    dead = f"127.0.0.1:{free_port()}"
    with pytest.raises(kafka_clients.BrokerUnreachable) as err:
        kafka_clients.require_broker(Settings(bootstrap_servers=f"{dead},[::1]:{free_port()}"))
    assert f"cannot reach the Kafka broker at {dead}" in str(err.value)
    assert "borderwatch broker" in str(err.value)
