"""``borderwatch map``: the live operating picture in a browser (Ctrl-C stops)."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from typing import Annotated

import typer

from geofences.store import InvalidSet
from stream.cli.common import Bootstrap, console, make_settings
from stream.cli.errors import fail
from stream.kafka_clients import BrokerUnreachable, require_broker
from stream.settings import Settings


def map_command(
    host: Annotated[
        str | None,
        typer.Option(
            envvar="BORDERWATCH_MAP_HOST", show_envvar=True,
            help="Address to listen on (default: 127.0.0.1; others need BORDERWATCH_MAP_TOKENS).",
        ),
    ] = None,
    port: Annotated[
        int | None,
        typer.Option(
            envvar="BORDERWATCH_MAP_PORT", show_envvar=True, min=0, max=65535,
            help="Port to listen on (default: 8080; 0 = any free port).",
        ),
    ] = None,
    geofences: Annotated[
        str | None,
        typer.Option(
            "--geofences", envvar="BORDERWATCH_GEOFENCES", show_envvar=True,
            metavar="NAME|FILE",
            help="Geofence set shown until one is published: a bundled set's name "
            "(nogales-sasabe, new-mexico) or a GeoJSON file (default: nogales-sasabe).",
        ),
    ] = None,
    bootstrap_servers: Bootstrap = None,
) -> None:
    """Serve a live map of fences, sensors, incidents and alerts; patrols acknowledge from it."""
    from stream.map.access import AccessError  # aiohttp loads only when the map starts

    settings = make_settings(map_host=host, map_port=port, geofences=geofences,
                             bootstrap_servers=bootstrap_servers)
    try:
        asyncio.run(_serve(settings))
    except (AccessError, InvalidSet) as exc:
        fail(str(exc), 2)
    except OSError as exc:
        fail(f"cannot listen on {settings.map_host}:{settings.map_port}: "
             f"{exc.strerror or exc}", 1)


async def _serve(settings: Settings) -> None:
    from stream.map.server import start

    runner, url = await start(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    console.print(f"map at [bold]{url}[/] (reading {settings.bootstrap_servers}; Ctrl-C stops)",
                  highlight=False)
    try:
        await asyncio.to_thread(require_broker, settings)
    except BrokerUnreachable as exc:  # the page still shows the fences; reading starts later
        console.print(f"[yellow]warning:[/] {exc}; the map keeps trying", highlight=False)
    try:
        await stop.wait()
    finally:
        with contextlib.suppress(Exception):
            await runner.cleanup()
        console.print("map stopped")
