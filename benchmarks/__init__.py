"""Benchmark scripts: run each as ``python -m benchmarks.NAME`` from the repository root."""

from __future__ import annotations

import signal


def _unwind(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def stop_cleanly_on_signals() -> None:
    """``kill`` (SIGTERM), a closed terminal (SIGHUP) and Ctrl-C, even in a background job
    (which starts with SIGINT ignored), unwind the benchmark like Ctrl-C: the broker and
    workers it started are stopped, not left running at full CPU beside the next one."""
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _unwind)
