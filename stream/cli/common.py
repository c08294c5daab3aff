"""Options shared by several commands, each also read from a ``BORDERWATCH_*`` variable."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console

from stream.settings import Settings

console = Console(stderr=True)

Bootstrap = Annotated[
    str | None,
    typer.Option(
        "--bootstrap-servers",
        "-b",
        envvar="BORDERWATCH_BOOTSTRAP_SERVERS",
        show_envvar=True,
        help="Kafka bootstrap servers (default: 127.0.0.1:9092).",
    ),
]
Profile = Annotated[
    str | None,
    typer.Option(
        "--broker-profile",
        envvar="BORDERWATCH_BROKER_PROFILE",
        show_envvar=True,
        help="embedded (Tansu) or kafka (Apache Kafka) (default: embedded).",
    ),
]

SimMetricsPort = Annotated[
    int | None, typer.Option(help="Serve the simulator's /metrics on this port.")
]
SendTimeout = Annotated[
    float | None,
    typer.Option(
        help="Give up on a message after this many seconds without a broker (default: wait)."
    ),
]
Quiet = Annotated[bool, typer.Option(help="No progress bar.")]
# options of the commands that follow a topic (alerts, geofences events)
FromBeginning = Annotated[bool, typer.Option(help="Start at the oldest message kept.")]
Limit = Annotated[int | None, typer.Option(min=1, help="Exit after this many messages.")]
IdleTimeout = Annotated[
    float | None, typer.Option(min=0, help="Exit after this many seconds without a message.")
]


def make_settings(**overrides: Any) -> Settings:
    """Settings from the environment, with the CLI flags that were given on top."""
    given = {k: v for k, v in overrides.items() if v is not None}
    try:
        return Settings(**given)
    except ValidationError as exc:
        for e in exc.errors():
            console.print(f"[red]error:[/] {'.'.join(map(str, e['loc']))}: {e['msg']}")
        raise typer.Exit(2) from exc
