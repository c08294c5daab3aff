"""``borderwatch broker``: the embedded broker in the foreground."""

from __future__ import annotations

import signal
import threading
from typing import Annotated

import typer

from stream.broker import BrokerError, EmbeddedBroker
from stream.cli.common import console, make_settings


def broker(
    port: Annotated[
        int | None,
        typer.Option(
            envvar="BORDERWATCH_BROKER_PORT",
            show_envvar=True,
            help="Port to listen on (default: 9092).",
        ),
    ] = None,
    host: Annotated[
        str | None,
        typer.Option(
            envvar="BORDERWATCH_BROKER_HOST",
            show_envvar=True,
            help="Address to bind (default: 127.0.0.1).",
        ),
    ] = None,
) -> None:
    """Run the embedded Kafka-protocol broker (Tansu, in memory) until Ctrl-C."""
    settings = make_settings(broker_port=port, broker_host=host)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGHUP):  # SIGHUP: its terminal was closed
        signal.signal(sig, lambda *_: stop.set())
    try:
        with EmbeddedBroker(settings.broker_host, settings.broker_port) as b:
            console.print(
                f"broker listening on [bold]{b.bootstrap_servers}[/] (in memory; Ctrl-C stops)"
            )
            try:
                while not stop.wait(0.5):
                    if b.process is None or b.process.poll() is not None:
                        console.print("[red]broker exited[/]")
                        raise typer.Exit(1)
            except KeyboardInterrupt:
                pass
    except BrokerError as exc:
        console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(1) from exc
    console.print("broker stopped")
