"""``borderwatch replay``: publish a file recorded by ``borderwatch simulate --output``."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from simulators.publish import ReplayError, read_emissions
from stream.cli.common import (
    Bootstrap,
    Quiet,
    SendTimeout,
    SimMetricsPort,
    console,
    make_settings,
)
from stream.cli.errors import fail
from stream.cli.simulate import kafka_sink, publish


def _span(path: Path) -> tuple[float, float]:
    first = last = None
    for e in read_emissions(path):
        first = e.ts if first is None else first
        last = e.ts
    if first is None or last is None:
        raise ReplayError(f"{path}: no messages")
    return first, last


def replay(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="Recorded JSON lines.")],
    bootstrap_servers: Bootstrap = None,
    speed: Annotated[
        float, typer.Option(min=0.001, help="Recorded seconds per wall-clock second.")
    ] = 1.0,
    fast: Annotated[bool, typer.Option(help="Send as fast as the broker takes it.")] = False,
    retime: Annotated[
        bool, typer.Option(help="Shift every time so the recording starts now (keeps the gaps).")
    ] = False,
    metrics_port: SimMetricsPort = None,
    timeout: SendTimeout = None,
    quiet: Quiet = False,
) -> None:
    """Publish a recorded file, keeping its event times and the gaps between messages."""
    settings = make_settings(bootstrap_servers=bootstrap_servers)
    try:
        first, last = _span(file)
        now = round(time.time(), 3) if retime else None
        emissions = read_emissions(file, retime_to=now)
        t0 = first if now is None else now
        sink = kafka_sink(settings, metrics_port, timeout)
        sent, events = publish(
            emissions,
            sink,
            speed=None if fast else speed,
            t0=t0,
            total=max(last - first, 0.001),
            label=f"{file.name} -> {settings.bootstrap_servers}",
            quiet=quiet,
        )
    except ReplayError as exc:
        fail(str(exc), 2)
    if not quiet:
        console.print(f"replayed {sent} messages ({events} events) to {settings.bootstrap_servers}")
