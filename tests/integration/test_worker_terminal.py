"""A quiet worker: one ready line with its metrics address and the versions in force."""

from __future__ import annotations

import queue
import re
import subprocess
import sys
import threading

import pytest

from stream import memory
from stream.cli.processes import stop_process
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

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    seen: list[str] = []
    try:
        while not any(ln.startswith("worker ready") for ln in seen):
            seen.append(lines.get(timeout=120))  # the worker joins its group, then says so
    finally:
        stop_process("worker", proc)  # type: ignore[arg-type]
    proc.wait()
    reader.join(30)  # the pipe is closed: every line is in the queue
    while not lines.empty():
        seen.append(lines.get())
    ready = [ln for ln in seen if ln.startswith("worker ready")]
    url = f"http://{topics.metrics_host}:{topics.metrics_port}/metrics"
    # on jemalloc where the system has it (CI installs it), else on glibc's malloc
    allocator = "glibc" if memory.JEMALLOC is None else "jemalloc"
    assert len(ready) == 1 and re.fullmatch(
        rf"worker ready: metrics {re.escape(url)}, geofences \S+, policies \S+, "
        rf"allocator {allocator} \(Ctrl-C stops\)",
        ready[0],
    ), seen
    # nothing else but one-line warnings (e.g. about its configuration): no Faust chatter
    others = [ln for ln in seen if ln.strip() and ln not in ready]
    assert all(ln.startswith("warning: ") for ln in others), others
