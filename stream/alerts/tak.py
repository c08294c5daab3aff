"""Send CoT events to a TAK server (or any CoT listener) over TCP or UDP.

Sending happens on a background thread: a TAK server that is down or slow never holds up
the alert stream. The sender reconnects with exponential backoff (1 s doubling to 30 s),
says so once per outage through :mod:`logging`, and keeps the newest ``backlog`` events
to send when the server is back.

>>> TakSender.parse("tcp://tak.example.org:8087")
('tcp', 'tak.example.org', 8087)
"""

from __future__ import annotations

import collections
import logging
import socket
import threading
from urllib.parse import urlsplit

log = logging.getLogger("borderwatch.tak")


class TakSender:
    """A CoT stream to ``tcp://host:port`` (kept open, reconnected on failure) or udp://."""

    def __init__(
        self,
        url: str,
        timeout: float = 5.0,
        *,
        backlog: int = 1000,
        first_retry_s: float = 1.0,
        max_retry_s: float = 30.0,
    ) -> None:
        self.url = url
        self.scheme, self.host, self.port = self.parse(url)
        self.timeout = timeout
        self.first_retry_s, self.max_retry_s = first_retry_s, max_retry_s
        self.sock: socket.socket | None = None
        self.queue: collections.deque[bytes] = collections.deque(maxlen=backlog)
        self.sent = 0
        self.outage = False
        #: set when the first outage begins (for whoever waits on it)
        self.went_down = threading.Event()
        self._wake = threading.Condition()
        self._closing = False
        self._thread = threading.Thread(target=self._run, name="tak-sender", daemon=True)
        self._thread.start()

    @staticmethod
    def parse(url: str) -> tuple[str, str, int]:
        parts = urlsplit(url)
        if parts.scheme not in ("tcp", "udp") or not parts.hostname or not parts.port:
            raise ValueError(
                f"TAK address must look like tcp://host:port or udp://host:port: {url!r}"
            )
        return parts.scheme, parts.hostname, parts.port

    def send(self, event: bytes) -> None:
        """Queue one event (the oldest is dropped when ``backlog`` events wait)."""
        with self._wake:
            self.queue.append(event)
            self._wake.notify()

    def _connect(self) -> socket.socket:
        if self.scheme == "udp":
            return socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        return socket.create_connection((self.host, self.port), timeout=self.timeout)

    def _send_one(self, event: bytes) -> None:
        if self.sock is None:
            self.sock = self._connect()
        if self.scheme == "udp":
            self.sock.sendto(event, (self.host, self.port))
        else:
            self.sock.sendall(event)

    def _run(self) -> None:
        delay = self.first_retry_s
        while True:
            with self._wake:
                while not self.queue and not self._closing:
                    self._wake.wait()
                if not self.queue:
                    return
                event = self.queue[0]
            try:
                self._send_one(event)
            except OSError as exc:
                self._drop_socket()
                if not self.outage:
                    self.outage = True
                    self.went_down.set()
                    log.warning("TAK server %s unreachable (%s): retrying with backoff; "
                                "alerts keep printing", self.url, exc.strerror or exc)
                with self._wake:
                    if self._closing:
                        return
                    self._wake.wait(delay)
                delay = min(delay * 2, self.max_retry_s)
                continue
            with self._wake:
                if self.queue and self.queue[0] is event:
                    self.queue.popleft()
            self.sent += 1
            delay = self.first_retry_s
            if self.outage:
                self.outage = False
                log.warning("TAK server %s reachable again: sending", self.url)

    def _drop_socket(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def close(self, timeout: float = 5.0) -> None:
        """Send what is queued (``timeout`` s at most while the server answers), then stop."""
        with self._wake:
            self._closing = True
            self._wake.notify()
        self._thread.join(timeout)
        self._drop_socket()
