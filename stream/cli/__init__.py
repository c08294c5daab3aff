"""The ``borderwatch`` command: one sub-module per command group."""

from __future__ import annotations

import os
from importlib.metadata import PackageNotFoundError, version
from typing import Annotated

import typer

from stream import memory
from stream.cli import (
    ack,
    alerts,
    broker,
    demo,
    evaluate,
    sensors,
    simulate,
    topics,
    worker,
)
from stream.cli import geofences as geofences_cli
from stream.cli.errors import debug_enabled, run, setup_logging
from stream.cli.help_style import Root
from stream.cli.map import map_command
from stream.cli.replay import replay

app = typer.Typer(
    name="borderwatch",
    cls=Root,
    help="BorderWatch: border sensor events in, patrol alerts out, over Kafka.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    # Every option also reads BORDERWATCH_<COMMAND>_<OPTION> (e.g. BORDERWATCH_ALERTS_LIMIT);
    # options shared with the settings read BORDERWATCH_<SETTING> (e.g. ..._BOOTSTRAP_SERVERS).
    context_settings={"show_default": True},
)


def package_version() -> str:
    try:
        return version("borderwatch")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "unknown"


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"borderwatch {package_version()}")
        raise typer.Exit()


@app.callback()
def root(
    show_version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_print_version,
            is_eager=True,
            expose_value=True,
            help="Print the BorderWatch version and exit.",
        ),
    ] = False,
    debug: Annotated[
        bool,
        typer.Option(
            "--debug",
            help="Show full tracebacks and the Kafka clients' debug log on failures.",
        ),
    ] = False,
) -> None:
    """BorderWatch: border sensor events in, patrol alerts out, over Kafka."""
    if debug:
        os.environ["BORDERWATCH_DEBUG"] = "1"  # child processes (the demo's worker) too
    setup_logging(debug_enabled())


app.command("broker")(broker.broker)
app.add_typer(topics.app, name="topics")
app.add_typer(geofences_cli.app, name="geofences")
app.command("worker")(worker.worker)
app.command("simulate")(simulate.simulate)
app.command("replay")(replay)
app.command("alerts")(alerts.alerts)
app.command("ack")(ack.ack)
app.command("sensors")(sensors.sensors)
app.command("demo")(demo.demo)
app.command("map")(map_command)
app.command("evaluate")(evaluate.evaluate)


def main() -> None:
    memory.RERUN_ALLOWED = True  # this process is the borderwatch program
    run(lambda: app(prog_name="borderwatch"))
