"""``borderwatch simulate``: run a scenario and publish what its sensors and cameras report."""

from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated

import typer
from prometheus_client import CollectorRegistry
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from simulators.messages import Emission
from simulators.publish import FileSink, KafkaSink, PublishError, Sink, paced
from simulators.scenario import ScenarioError, bundled_names, load_scenario
from simulators.tasking import TaskingListener
from simulators.world import World
from stream.cli.common import (
    Bootstrap,
    Quiet,
    SendTimeout,
    SimMetricsPort,
    console,
    make_settings,
)
from stream.cli.errors import fail
from stream.cli.interrupts import SHIELD
from stream.metrics import SimulatorMetrics
from stream.settings import Settings


def progress_bar(quiet: bool) -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:.0f}/{task.total:.0f} s"),
        TextColumn("{task.fields[events]} events, {task.fields[rate]:,.0f}/s, "
                   "{task.fields[acked]}"),
        TimeElapsedColumn(),
        console=console,
        disable=quiet,
    )


def _acked(sink: Sink, sent: int) -> str:
    """How many messages the broker acknowledged (a file takes every message at once)."""
    delivered = getattr(sink, "delivered", None)
    return "written" if delivered is None else f"{delivered}/{sent} acknowledged"


def kafka_sink(settings: Settings, metrics_port: int | None, timeout_s: float | None) -> KafkaSink:
    metrics = SimulatorMetrics(registry=CollectorRegistry())
    if metrics_port:
        metrics.serve(settings.metrics_host, metrics_port)
    return KafkaSink(
        settings,
        metrics=metrics,
        timeout_s=timeout_s,
        on_status=_status,
    )


def _status(msg: str) -> None:
    with SHIELD:  # (the display's lock: stream.cli.interrupts)
        console.print(f"[yellow]{escape(msg)}[/]")


def publish(
    emissions: Iterable[Emission],
    sink: Sink,
    *,
    speed: float | None,
    t0: float,
    total: float,
    label: str,
    quiet: bool,
) -> tuple[int, int]:
    """Send every emission (paced by ``speed``) with a progress bar; (messages, events) sent."""
    sent = events = 0
    wall0 = shown = time.monotonic()
    progress = progress_bar(quiet)
    SHIELD.install()
    try:
        with SHIELD:
            progress.start()
        try:
            task = progress.add_task(label, total=total, events=0, rate=0.0, acked="")
            for e in paced(emissions, speed):
                sink.send(e)
                sent += 1
                events += e.reports
                now = time.monotonic()
                if now - shown >= 0.2:
                    shown = now
                    rate = events / max(now - wall0, 1e-6)
                    with SHIELD:
                        progress.update(task, completed=min(e.ts - t0, total), events=events,
                                        rate=rate, acked=_acked(sink, sent))
            rate = events / max(time.monotonic() - wall0, 1e-6)
            with SHIELD:
                progress.update(task, completed=total, events=events, rate=rate,
                                acked=_acked(sink, sent))

            def acked() -> None:
                with SHIELD:
                    progress.update(task, acked=_acked(sink, sent))

            sink.close(on_wait=acked)
            acked()
        finally:
            with SHIELD:
                progress.stop()
    except KeyboardInterrupt:
        console.print(f"interrupted after {sent} messages ({events} events), "
                      f"{_acked(sink, sent)}; waiting up to 10 s for the rest "
                      "(Ctrl-C again stops now)")
        try:
            sink.close(timeout=10)
        except PublishError as exc:
            fail(f"{exc} (interrupted)", 130)
        except KeyboardInterrupt:
            fail(f"stopped; {_acked(sink, sent)}", 130)
        raise typer.Exit(130) from None
    except PublishError as exc:
        fail(str(exc))
    finally:
        SHIELD.uninstall()
    return sent, events


def _lead(duration_s: float, speed: float | None, to_file: bool) -> float:
    """How far before now a scenario starts so that no report is sent before its time
    (workers dead-letter reports from the future): faster than real time it ends when its
    last report is sent (with ``--fast``: when the run starts); at or below real time it
    starts now. A file is a recording: it starts now.

    >>> _lead(600, None, False), _lead(600, 4.0, False), _lead(600, 1.0, False)
    (600, 450.0, 0.0)
    """
    if to_file:
        return 0.0
    if speed is None:
        return duration_s
    return duration_s * max(0.0, 1.0 - 1.0 / speed)


def simulate(
    scenario: Annotated[
        str,
        typer.Argument(help=f"Scenario file, or a bundled scenario: {', '.join(bundled_names())}."),
    ],
    bootstrap_servers: Bootstrap = None,
    speed: Annotated[
        float, typer.Option(min=0.001, help="Scenario seconds per wall-clock second.")
    ] = 1.0,
    fast: Annotated[bool, typer.Option(help="Send as fast as the broker takes it.")] = False,
    seed: Annotated[int | None, typer.Option(help="Random seed (default: the scenario's).")] = None,
    duration: Annotated[
        float | None,
        typer.Option(min=0.001, help="Scenario seconds to run (default: the scenario's)."),
    ] = None,
    start: Annotated[
        float | None,
        typer.Option(help="Scenario start, UTC epoch seconds (default: now; faster than real "
                     "time, early enough that no report is sent before its time)."),
    ] = None,
    output: Annotated[
        Path | None, typer.Option(help="Write JSON lines to this file instead of Kafka.")
    ] = None,
    truth: Annotated[
        Path | None, typer.Option(help="Write the ground truth (JSON lines) to this file.")
    ] = None,
    tasking: Annotated[
        bool,
        typer.Option(
            help="Cameras obey slew-to-cue messages on <prefix>.camera-tasking (Kafka only)."
        ),
    ] = True,
    metrics_port: SimMetricsPort = None,
    timeout: SendTimeout = None,
    quiet: Quiet = False,
) -> None:
    """Run a scenario and publish what its sensors and cameras report."""
    settings = make_settings(bootstrap_servers=bootstrap_servers)
    try:
        sc = load_scenario(scenario)
        if duration is not None:
            sc = sc.model_copy(update={"duration_s": duration})
    except ScenarioError as exc:
        fail(str(exc), 2)
    try:
        t0 = time.time() - _lead(sc.duration_s, None if fast else speed, output is not None) \
            if start is None else start
        world = World(sc, seed=seed, start=round(t0, 3))
    except ScenarioError as exc:
        fail(f"{scenario}: {exc}", 2)
    listener: TaskingListener | None = None
    if output:
        sink: Sink = FileSink(output)
        target = str(output)
    else:
        sink = kafka_sink(settings, metrics_port, timeout)
        target = settings.bootstrap_servers
        if tasking and world.cameras:
            listener = TaskingListener(settings, world.cue).start()
            if not listener.wait_ready(15):  # cues sent once reports flow must not be lost
                console.print("[yellow]camera tasking is not listening yet; "
                              "cues sent meanwhile may be missed[/]")
    try:
        sent, events = publish(
            world.run(),
            sink,
            speed=None if fast or output else speed,
            t0=world.start,
            total=sc.duration_s,
            label=f"{sc.name} -> {target}",
            quiet=quiet,
        )
    finally:
        if listener is not None:
            listener.stop()
        if truth is not None:
            n = world.write_truth(truth)
            if not quiet:
                console.print(f"ground truth: {n} records in {truth}")
    if not quiet:
        console.print(f"sent {sent} messages ({events} events) of scenario {sc.name!r} to {target}")
