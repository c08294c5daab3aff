"""``borderwatch worker``: the Faust worker and its /metrics endpoint."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from stream import memory
from stream.cli.common import Bootstrap, Profile, console, make_settings, port_free
from stream.cli.errors import fail
from stream.kafka_clients import require_broker

if TYPE_CHECKING:
    from stream.pipeline import Pipeline


def worker(
    bootstrap_servers: Bootstrap = None,
    broker_profile: Profile = None,
    metrics_port: Annotated[
        int | None,
        typer.Option(
            envvar="BORDERWATCH_METRICS_PORT",
            show_envvar=True,
            help="Port of /metrics (0 = off) (default: 9108).",
        ),
    ] = None,
    data_dir: Annotated[
        Path | None,
        typer.Option(
            envvar="BORDERWATCH_DATA_DIR",
            show_envvar=True,
            help="Directory for table state (default: .borderwatch).",
        ),
    ] = None,
    geofences: Annotated[
        str | None,
        typer.Option(
            "--geofences",
            envvar="BORDERWATCH_GEOFENCES",
            show_envvar=True,
            metavar="NAME|FILE",
            help="Geofence set in force at start: a bundled set's name (nogales-sasabe, "
            "new-mexico) or a GeoJSON file (default: nogales-sasabe).",
        ),
    ] = None,
    web_port: Annotated[
        int | None,
        typer.Option(
            envvar="BORDERWATCH_WEB_PORT",
            show_envvar=True,
            help="Faust web port, one per worker on a host (default: 6066).",
        ),
    ] = None,
    verbose: Annotated[
        bool, typer.Option("--verbose", help="Show Faust's start-up spinner and log.")
    ] = False,
) -> None:
    """Run the processing worker (Faust agents) until Ctrl-C or SIGTERM."""
    from geofences.store import InvalidSet, load_valid
    from stream.worker import run_worker

    settings = make_settings(
        bootstrap_servers=bootstrap_servers,
        broker_profile=broker_profile,
        metrics_port=metrics_port,
        data_dir=data_dir,
        geofences=geofences,
        web_port=web_port,
    )
    # runs this command again first, on the allocator chosen: its checks run once
    memory.use_system_allocator(jemalloc=settings.allocator == "jemalloc")
    try:
        load_valid(settings.geofences)
    except InvalidSet as exc:
        console.print(f"[red]error:[/] {exc}", soft_wrap=True)
        raise typer.Exit(2) from exc
    require_broker(settings)
    for port, option in ((settings.metrics_port, "--metrics-port (BORDERWATCH_METRICS_PORT)"),
                         (settings.web_port, "--web-port (BORDERWATCH_WEB_PORT)")):
        if port and not port_free(settings.metrics_host, port):
            fail(f"port {port} is busy (another worker?): set {option} to a free port", 1)
    metrics_at = (
        f"http://{settings.metrics_host}:{settings.metrics_port}/metrics"
        if settings.metrics_port
        else "off"
    )

    def ready(pipeline: Pipeline) -> None:
        policies = pipeline.correlator.policies.version
        print(f"worker ready: metrics {metrics_at}, geofences {pipeline.fences.version}, "
              f"policies {policies}, allocator {memory.allocator()} (Ctrl-C stops)",
              flush=True)

    run_worker(settings, verbose=verbose, on_ready=ready)
