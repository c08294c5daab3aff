"""Run the Faust worker with its metrics endpoint."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import faust

from stream import memory
from stream.app import build_app
from stream.metrics import Metrics
from stream.pipeline import Pipeline
from stream.settings import Settings

#: Libraries whose INFO/WARNING chatter (spinner, "producer buffer full", rebalances) a
#: terminal does not need; ``verbose`` lets it through.
CHATTY = ("faust", "mode", "aiokafka", "kafka", "rocksdict")


def run_worker(
    settings: Settings,
    *,
    verbose: bool = False,
    on_ready: Callable[[Pipeline], None] | None = None,
) -> None:
    """Serve /metrics, then run the Faust worker until SIGINT/SIGTERM.

    ``on_ready`` is called once, when the worker first holds its partitions.
    """
    metrics = Metrics()
    if settings.metrics_port:
        metrics.serve(settings.metrics_host, settings.metrics_port)
    app, pipeline = build_app(settings, metrics)
    memory.tune_collector()
    said = False

    @app.timer(memory.TRIM_INTERVAL_S)
    async def give_back_memory() -> None:
        """What a burst freed goes back to the OS instead of staying in the worker's RSS."""
        memory.trim()

    @app.on_rebalance_complete.connect  # type: ignore[arg-type]  # async receivers
    async def ready(sender: Any, *_: Any, signal: Any, **__: Any) -> None:
        nonlocal said
        if not said and on_ready is not None:
            said = True
            on_ready(pipeline)

    worker = faust.Worker(
        app, loglevel=settings.log_level, quiet=not verbose, redirect_stdouts=False
    )
    if not verbose:
        worker.spinner = None
        for name in CHATTY:
            logging.getLogger(name).setLevel(logging.ERROR)
    worker.execute_from_commandline()
