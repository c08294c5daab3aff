"""Options shared by several commands, each also read from a ``BORDERWATCH_*`` variable."""

from __future__ import annotations

import signal
import socket
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console

from stream.cli.errors import fail
from stream.cli.interrupts import SIGNALLED
from stream.kafka_clients import require_broker
from stream.settings import Settings

console = Console(stderr=True, soft_wrap=True)

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
        help="Broker profile: embedded (Tansu) or kafka (Apache Kafka) (default: embedded).",
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


def port_free(host: str, port: int) -> bool:
    """Whether a server could listen on ``host:port`` now."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as servers do
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def settings_problems(exc: ValidationError) -> str:
    """Every problem of a settings ``ValidationError`` on one line."""
    return "; ".join(
        ": ".join([".".join(map(str, e["loc"]))] * bool(e["loc"])
                  + [e["msg"].removeprefix("Value error, ")])
        for e in exc.errors()
    )


def make_settings(**overrides: Any) -> Settings:
    """Settings from the environment, with the CLI flags that were given on top."""
    given = {k: v for k, v in overrides.items() if v is not None}
    try:
        return Settings(**given)
    except ValidationError as exc:
        fail(f"invalid setting: {settings_problems(exc)}", 2)


def connected_settings(**overrides: Any) -> Settings:
    """:func:`make_settings`, after checking that the broker answers (one line if not)."""
    settings = make_settings(**overrides)
    require_broker(settings)
    return settings


def _interrupt(signum: int, frame: object) -> None:
    SIGNALLED.set()
    raise KeyboardInterrupt


def stop_cleanly_on_signals() -> None:
    """``kill`` (SIGTERM), a closed terminal (SIGHUP) and Ctrl-C, even in a background job
    (which starts with SIGINT ignored), unwind like Ctrl-C: what was started is stopped,
    not left running."""
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _interrupt)
