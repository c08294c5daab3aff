"""Run the Faust worker with its metrics endpoint."""

from __future__ import annotations

import faust

from stream.agents import register_all
from stream.app import faust_settings
from stream.metrics import Metrics
from stream.settings import Settings


def run_worker(settings: Settings) -> None:
    """Serve /metrics, then run the Faust worker until SIGINT/SIGTERM."""
    metrics = Metrics()
    if settings.metrics_port:
        metrics.serve(settings.metrics_host, settings.metrics_port)
    app = faust.App(settings.app_id, **faust_settings(settings))
    register_all(app, settings, metrics=metrics)
    worker = faust.Worker(app, loglevel=settings.log_level, quiet=True)
    worker.execute_from_commandline()
