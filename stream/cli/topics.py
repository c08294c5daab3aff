"""``borderwatch topics``: create and list the project's topics."""

from __future__ import annotations

import typer
from confluent_kafka import KafkaException
from rich.table import Table

from stream import topics as spec
from stream.cli.common import Bootstrap, connected_settings, console

app = typer.Typer(help="Create and list BorderWatch topics.", no_args_is_help=True)


@app.command("create")
def create(bootstrap_servers: Bootstrap = None) -> None:
    """Create every topic with its partitions and config; existing ones are left as they are."""
    settings = connected_settings(bootstrap_servers=bootstrap_servers)
    try:
        result = spec.create_topics(settings)
    except KafkaException as exc:
        console.print(
            f"[red]error:[/] could not create topics on {settings.bootstrap_servers}: {exc}"
        )
        raise typer.Exit(1) from exc
    for name, state in sorted(result.items()):
        console.print(f"{state:8} {name}")


@app.command("list")
def list_(bootstrap_servers: Bootstrap = None) -> None:
    """List the project's topics and their partition counts."""
    settings = connected_settings(bootstrap_servers=bootstrap_servers)
    found = spec.describe_topics(settings)
    table = Table("topic", "partitions", "config", "purpose")
    for s in spec.ALL:
        name = settings.topic(s.name)
        parts = str(found[name]) if name in found else "[red]missing[/]"
        table.add_row(name, parts, ",".join(f"{k}={v}" for k, v in s.config.items()), s.doc)
    console.print(table)
