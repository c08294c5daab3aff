"""Run the Faust worker with its metrics endpoint."""

from __future__ import annotations

import faust

from stream.app import create_app
from stream.metrics import Metrics
from stream.settings import Settings


def run_worker(settings: Settings) -> None:
    """Serve /metrics, then run the Faust worker until SIGINT/SIGTERM."""
    metrics = Metrics()
    if settings.metrics_port:
        metrics.serve(settings.metrics_host, settings.metrics_port)
    app = create_app(settings, metrics)
    worker = faust.Worker(app, loglevel=settings.log_level, quiet=True)
    worker.execute_from_commandline()
