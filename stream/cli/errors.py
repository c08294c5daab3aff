"""Failures a user can cause end as one line on stderr and a non-zero exit code.

Exit codes: 1 = the environment failed (broker unreachable, port busy, not delivered),
2 = bad input (a file, an argument or an option value), 130 = interrupted.
``--debug`` or ``BORDERWATCH_DEBUG=1`` shows the traceback instead.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from typing import NoReturn

import typer
from confluent_kafka import KafkaException
from rich.console import Console
from rich.markup import escape

from stream.cli.interrupts import SIGNALLED
from stream.inventory import InventoryError
from stream.kafka_clients import BrokerUnreachable

err_console = Console(stderr=True, highlight=False, soft_wrap=True)


def fail(message: str, code: int = 1) -> NoReturn:
    """Print ``error: message`` (the whole story, one line) and exit with ``code``."""
    err_console.print(f"[red]error:[/] {escape(message)}")
    raise typer.Exit(code)


def debug_enabled() -> bool:
    return os.environ.get("BORDERWATCH_DEBUG", "").lower() in ("1", "true", "yes", "on")


class _OneLine(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        text = record.getMessage().replace("\n", " ")
        return f"{record.levelname.lower()}: {text}"


def setup_logging(debug: bool) -> None:
    """Warnings of BorderWatch and its libraries as ``warning: ...`` lines on stderr."""
    root = logging.getLogger()
    if not any(getattr(h, "borderwatch", False) for h in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
            if debug
            else _OneLine()
        )
        handler.borderwatch = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.setLevel(logging.DEBUG if debug else logging.WARNING)


def _line(message: str, code: int) -> NoReturn:
    err_console.print(f"[red]error:[/] {escape(message)}")
    sys.exit(code)


def run(app: Callable[[], object]) -> None:
    """Call the CLI; known failures become one line, anything else one line and a hint."""
    try:
        app()
    except BrokerUnreachable as exc:
        if debug_enabled():
            raise
        _line(str(exc), 1)
    except KafkaException as exc:
        if debug_enabled():
            raise
        err = exc.args[0] if exc.args else exc
        text = err.str() if hasattr(err, "str") else str(err)
        _line(f"Kafka: {text}", 1)
    except InventoryError as exc:  # a setting's file: the user's to fix
        if debug_enabled():
            raise
        _line(str(exc), 2)
    except KeyboardInterrupt:
        if debug_enabled():
            raise
        err_console.print("interrupted")
        sys.exit(130)
    except Exception as exc:
        if debug_enabled():
            raise
        if SIGNALLED.is_set():  # Ctrl-C that surfaced as another error
            err_console.print("interrupted")
            sys.exit(130)
        _line(f"{type(exc).__name__}: {exc} (run with --debug for the traceback)", 1)
