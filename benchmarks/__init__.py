"""Benchmark scripts: run each as ``python -m benchmarks.NAME`` from the repository root.

Each stops cleanly on ``kill``, a closed terminal and Ctrl-C
(:func:`stop_cleanly_on_signals`): the broker and workers it started are stopped, not
left running at full CPU beside the next one.
"""

from __future__ import annotations

from stream.cli.common import stop_cleanly_on_signals

__all__ = ["stop_cleanly_on_signals"]
