"""A quiet worker: one ready line with its metrics address and the versions in force."""

from __future__ import annotations

import queue
import re
import subprocess
import sys
import threading

import pytest

from stream.cli.demo import stop_process
from stream.settings import Settings
from tests.conftest import settings_env

pytestmark = pytest.mark.integration


def test_worker_prints_one_ready_line_and_no_faust_chatter(topics: Settings) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "stream.cli", "worker"], env=settings_env(topics),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        for line in proc.stdout or []:
            lines.put(line.rstrip("\n"))

    threading.Thread(target=read, daemon=True).start()
    try:
        first = lines.get(timeout=120)  # the worker joins its group, then says so
        url = f"http://{topics.metrics_host}:{topics.metrics_port}/metrics"
        assert re.fullmatch(
            rf"worker ready: metrics {re.escape(url)}, geofences \S+, policies \S+ "
            r"\(Ctrl-C stops\)",
            first,
        ), first
    finally:
        stop_process("worker", proc)  # type: ignore[arg-type]
    rest = []
    while not lines.empty():
        rest.append(lines.get())
    assert not [ln for ln in rest if ln.strip()], rest
