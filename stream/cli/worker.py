"""``borderwatch worker``: the Faust worker and its /metrics endpoint."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from stream.cli.common import Bootstrap, Profile, make_settings


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
    geofences_file: Annotated[
        Path | None,
        typer.Option(
            "--geofences",
            envvar="BORDERWATCH_GEOFENCES_FILE",
            show_envvar=True,
            help="GeoJSON geofence set (default: bundled Nogales-Sasabe set).",
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
) -> None:
    """Run the processing worker (Faust agents) until Ctrl-C or SIGTERM."""
    from stream.worker import run_worker

    settings = make_settings(
        bootstrap_servers=bootstrap_servers,
        broker_profile=broker_profile,
        metrics_port=metrics_port,
        data_dir=data_dir,
        geofences_file=geofences_file,
        web_port=web_port,
    )
    run_worker(settings)
