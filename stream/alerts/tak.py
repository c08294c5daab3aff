"""Send CoT events to a TAK server (or any CoT listener) over TCP or UDP.

>>> TakSender.parse("tcp://tak.example.org:8087")
('tcp', 'tak.example.org', 8087)
"""

from __future__ import annotations

import socket
from urllib.parse import urlsplit


class TakSender:
    """A CoT stream to ``tcp://host:port`` (kept open, reconnected once on failure) or udp://."""

    def __init__(self, url: str, timeout: float = 5.0) -> None:
        self.scheme, self.host, self.port = self.parse(url)
        self.timeout = timeout
        self.sock: socket.socket | None = None

    @staticmethod
    def parse(url: str) -> tuple[str, str, int]:
        parts = urlsplit(url)
        if parts.scheme not in ("tcp", "udp") or not parts.hostname or not parts.port:
            raise ValueError(
                f"TAK address must look like tcp://host:port or udp://host:port: {url!r}"
            )
        return parts.scheme, parts.hostname, parts.port

    def _connect(self) -> socket.socket:
        if self.scheme == "udp":
            return socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        return socket.create_connection((self.host, self.port), timeout=self.timeout)

    def send(self, event: bytes) -> None:
        for attempt in (1, 2):
            try:
                if self.sock is None:
                    self.sock = self._connect()
                if self.scheme == "udp":
                    self.sock.sendto(event, (self.host, self.port))
                else:
                    self.sock.sendall(event)
                return
            except OSError:
                self.close()
                if attempt == 2:
                    raise

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None
