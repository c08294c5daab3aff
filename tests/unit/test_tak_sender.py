"""The TAK bridge: a server that is down is retried with backoff; nothing waits for it."""

from __future__ import annotations

import logging
import socket
import time

import pytest

from stream.alerts.tak import TakSender
from stream.broker import free_port


def test_events_queue_while_the_server_is_down_and_arrive_when_it_is_back(
    caplog: pytest.LogCaptureFixture,
) -> None:
    port = free_port()
    sender = TakSender(f"tcp://127.0.0.1:{port}", first_retry_s=0.05, max_retry_s=0.2)
    t0 = time.monotonic()
    sender.send(b"<event uid='a'/>\n")
    assert time.monotonic() - t0 < 0.5, "send never waits for the server"
    assert sender.went_down.wait(10), "the sender noticed the server is down"
    server = socket.create_server(("127.0.0.1", port))
    received = bytearray()
    try:
        server.settimeout(10)
        conn, _ = server.accept()  # the sender's retry connects
        with conn:
            sender.send(b"<event uid='b'/>\n")
            conn.settimeout(10)
            while b"uid='b'" not in received:
                chunk = conn.recv(65536)
                assert chunk, "connection closed early"
                received.extend(chunk)
    finally:
        sender.close()
        server.close()
    assert received.index(b"uid='a'") < received.index(b"uid='b'")
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("unreachable" in w and "retrying" in w for w in warnings)
    assert len([w for w in warnings if "unreachable" in w]) == 1, "once per outage"


def test_bad_address_is_refused_at_once() -> None:
    with pytest.raises(ValueError, match="tcp://host:port"):
        TakSender("http://tak:8087")
