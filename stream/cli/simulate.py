"""``borderwatch simulate``: publish a scenario's sensor messages."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from simulators.publish import FileSink, KafkaSink, PublishError, Sink, paced
from simulators.scenario import ScenarioError, load_scenario
from simulators.world import World
from stream.cli.common import Bootstrap, console, make_settings


def simulate(
    scenario: Annotated[str, typer.Argument(help="Scenario file, or name of a bundled scenario.")],
    bootstrap_servers: Bootstrap = None,
    speed: Annotated[
        float, typer.Option(min=0.001, help="Scenario seconds per wall-clock second.")
    ] = 1.0,
    fast: Annotated[bool, typer.Option(help="Send as fast as the broker takes it.")] = False,
    seed: Annotated[int | None, typer.Option(help="Random seed [default: the scenario's].")] = None,
    start: Annotated[
        float | None, typer.Option(help="Scenario start, UTC epoch seconds [default: now].")
    ] = None,
    output: Annotated[
        Path | None, typer.Option(help="Write JSON lines to this file instead of Kafka.")
    ] = None,
    quiet: Annotated[bool, typer.Option(help="No progress bar.")] = False,
) -> None:
    """Run a scenario and publish what its sensors report."""
    settings = make_settings(bootstrap_servers=bootstrap_servers)
    try:
        sc = load_scenario(scenario)
    except ScenarioError as exc:
        console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from exc
    t0 = time.time() if start is None else start
    world = World(sc, seed=seed, start=t0)
    sink: Sink = FileSink(output) if output else KafkaSink(settings)
    target = str(output) if output else settings.bootstrap_servers
    sent = 0
    progress = Progress(
        TextColumn("[bold]{task.description}"), BarColumn(),
        TextColumn("{task.completed:.0f}/{task.total:.0f} s scenario"),
        TextColumn("{task.fields[sent]} msgs, {task.fields[rate]:.0f}/s"),
        TimeElapsedColumn(), console=console, disable=quiet,
    )
    wall0 = time.monotonic()
    try:
        with progress:
            task = progress.add_task(f"{sc.name} -> {target}", total=sc.duration_s, sent=0, rate=0.0)
            for e in paced(world.run(), None if fast or output else speed):
                sink.send(e)
                sent += 1
                if sent % 50 == 0 or e.ts - t0 >= sc.duration_s:
                    rate = sent / max(time.monotonic() - wall0, 1e-6)
                    progress.update(task, completed=e.ts - t0, sent=sent, rate=rate)
            progress.update(task, completed=sc.duration_s, sent=sent)
        sink.close()
    except KeyboardInterrupt:
        console.print(f"interrupted after {sent} messages")
        sink.close()
        raise typer.Exit(130) from None
    except PublishError as exc:
        console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(1) from exc
    if not quiet:
        console.print(f"sent {sent} messages of scenario {sc.name!r} to {target}")
