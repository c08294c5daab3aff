"""The ``borderwatch`` command: one sub-module per command group."""

from __future__ import annotations

import typer

from stream.cli import ack, alerts, broker, demo, evaluate, simulate, topics, worker
from stream.cli import geofences as geofences_cli
from stream.cli.map import map_command
from stream.cli.replay import replay

app = typer.Typer(
    name="borderwatch",
    help="BorderWatch: border sensor events in, patrol alerts out, over Kafka.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Every option also reads BORDERWATCH_<COMMAND>_<OPTION> (e.g. BORDERWATCH_ALERTS_LIMIT);
    # options shared with the settings read BORDERWATCH_<SETTING> (e.g. ..._BOOTSTRAP_SERVERS).
    context_settings={"auto_envvar_prefix": "BORDERWATCH", "show_default": True},
)
app.command("broker")(broker.broker)
app.add_typer(topics.app, name="topics")
app.add_typer(geofences_cli.app, name="geofences")
app.command("worker")(worker.worker)
app.command("simulate")(simulate.simulate)
app.command("replay")(replay)
app.command("alerts")(alerts.alerts)
app.command("ack")(ack.ack)
app.command("demo")(demo.demo)
app.command("map")(map_command)
app.command("evaluate")(evaluate.evaluate)


def main() -> None:
    app()
