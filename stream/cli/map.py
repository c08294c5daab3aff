"""``borderwatch map``: the live operating picture in a browser (Ctrl-C stops)."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from typing import Annotated

import typer

from stream.cli.common import Bootstrap, console, make_settings
from stream.map.access import AccessError
from stream.map.server import start
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
    bootstrap_servers: Bootstrap = None,
) -> None:
    """Serve a live map of fences, sensors, incidents and alerts; patrols acknowledge from it."""
    settings = make_settings(map_host=host, map_port=port, bootstrap_servers=bootstrap_servers)
    try:
        asyncio.run(_serve(settings))
    except AccessError as exc:
        console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from exc
    except OSError as exc:
        console.print(f"[red]error:[/] cannot listen on {settings.map_host}:{settings.map_port}: "
                      f"{exc.strerror or exc}")
        raise typer.Exit(1) from exc


async def _serve(settings: Settings) -> None:
    runner, url = await start(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    console.print(f"map at [bold]{url}[/] (reading {settings.bootstrap_servers}; Ctrl-C stops)",
                  highlight=False)
    try:
        await stop.wait()
    finally:
        with contextlib.suppress(Exception):
            await runner.cleanup()
        console.print("map stopped")
