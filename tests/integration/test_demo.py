"""The README's main command: `borderwatch demo` shows alerts and stops everything it started."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time

import pytest

from stream.broker import free_port, wait_for_port

pytestmark = pytest.mark.integration


def demo_command(broker_port: int, metrics_port: int, *extra: str) -> list[str]:
    """The demo on free ports (a map port is passed as ``--map-port`` in ``extra``)."""
    return [
        sys.executable,
        "-m",
        "stream.cli",
        "demo",
        "--speed",
        "4",
        "--broker-port",
        str(broker_port),
        "--metrics-port",
        str(metrics_port),
        *extra,
    ]


def test_demo_shows_alerts_and_stops_cleanly_after_its_duration() -> None:
    bport, map_port = free_port(), free_port()
    busy = socket.create_server(("127.0.0.1", 0))  # the metrics port is taken: it moves
    mport = busy.getsockname()[1]
    try:
        out = subprocess.run(
            demo_command(bport, mport, "--duration", "40", "--map-port", str(map_port)),
            capture_output=True, timeout=240, text=True, env={**os.environ, "COLUMNS": "80"},
        )
    finally:
        busy.close()
    text = out.stdout + out.stderr
    assert out.returncode == 0, text[-3000:]
    received = re.search(r"(\d+) alerts received", text)
    assert received and int(received.group(1)) > 0, text[-3000:]
    moved = re.search(rf"port {mport} is busy: using (\d+) for the worker's metrics", text)
    assert moved, text[-3000:]
    assert f"http://127.0.0.1:{moved.group(1)}/metrics" in text
    assert f"map      http://127.0.0.1:{map_port}/" in text
    lines = text.splitlines()
    table = lines.index(next(ln for ln in lines if ln.startswith("BorderWatch alerts:")))
    assert lines[table + 1].split()[:4] == ["id", "severity", "state", "age"]
    assert max(len(ln) for ln in lines) <= 80, "every line fits 80 columns"
    assert lines[-1].startswith("stopped cleanly: ") and "worker" in lines[-1], lines[-3:]
    for noise in ("buffer full", "starting➢", "OK ^", "Traceback"):
        assert noise not in text
    assert not wait_for_port("127.0.0.1", bport, 0.5), "broker still listening"
    assert not wait_for_port("127.0.0.1", int(moved.group(1)), 0.5), "metrics still served"
    assert not wait_for_port("127.0.0.1", map_port, 0.5), "map still served"


def test_demo_interrupted_stops_every_process_it_started() -> None:
    bport, mport = free_port(), free_port()
    busy = socket.create_server(("127.0.0.1", 0))  # the map's port is taken: it moves
    busy_port = busy.getsockname()[1]
    proc = subprocess.Popen(
        demo_command(bport, mport, "--map-port", str(busy_port)),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    assert proc.stdout is not None
    seen = []
    deadline = time.monotonic() + 180
    for line in proc.stdout:
        seen.append(line)
        if "simulator running" in line or time.monotonic() > deadline:
            break
    assert any("simulator running" in s for s in seen), "".join(seen)[-3000:]
    proc.send_signal(signal.SIGINT)
    rest, _ = proc.communicate(timeout=90)
    text = "".join(seen) + rest
    assert proc.returncode == 0, text[-3000:]
    busy.close()
    assert "interrupted: stopping" in text and "stopped cleanly" in text
    moved = re.search(rf"port {busy_port} is busy: using (\d+) for the map", text)
    assert moved and f"map      http://127.0.0.1:{moved.group(1)}/" in text, text[-3000:]
    assert not wait_for_port("127.0.0.1", int(moved.group(1)), 0.5), "map still served"
    assert not wait_for_port("127.0.0.1", bport, 0.5), "broker still listening"
    assert not wait_for_port("127.0.0.1", mport, 0.5), "worker metrics still served"
