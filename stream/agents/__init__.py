"""Thin Faust shells around the pure core; ``register_all`` wires them into an app."""

from __future__ import annotations

from typing import Any

import faust

from geofences.index import GeofenceSet
from geofences.store import load_valid
from stream.agents.geofences import register_geofences
from stream.agents.health import register_health
from stream.agents.ingest import register_ingest
from stream.correlation.inventory import Inventory
from stream.inventory import load_inventory
from stream.metrics import Metrics
from stream.pipeline import Pipeline
from stream.settings import Settings


def register_all(
    app: faust.App,
    settings: Settings,
    metrics: Metrics | None = None,
    fences: GeofenceSet | None = None,
) -> Pipeline:
    """Register every agent on ``app``; returns the pipeline they share."""
    metrics = metrics or Metrics()
    if fences is None:
        fences = load_valid(settings.geofences)
    records = load_inventory(settings.inventory_file)
    pipeline = Pipeline(settings, fences, metrics, inventory=Inventory.from_records(records))
    register_ingest(app, settings, pipeline)
    register_geofences(app, settings, pipeline)
    register_health(app, settings, pipeline)
    _track_assignment(app, metrics)
    return pipeline


def _track_assignment(app: faust.App, metrics: Metrics) -> None:
    @app.on_rebalance_complete.connect  # type: ignore[arg-type]  # mode types miss async receivers
    async def on_rebalance_complete(sender: Any, *_: Any, signal: Any, **__: Any) -> None:
        metrics.assigned_partitions.set(len(sender.consumer.assignment()))
        metrics.worker_ready.set(1)

    @app.on_partitions_revoked.connect  # type: ignore[arg-type]
    async def on_revoked(sender: Any, *_: Any, signal: Any, **__: Any) -> None:
        metrics.worker_ready.set(0)
