"""Honest help: every option's environment variable and help text, usage lines, --version."""

from __future__ import annotations

import re
from typing import Any

import pytest
import typer
from rich.text import Text
from typer.core import TyperArgument, TyperOption
from typer.testing import CliRunner

from stream.cli import app, package_version
from stream.cli.help_style import env_name, long_name
from stream.settings import Settings

runner = CliRunner()
SETTINGS = {f"BORDERWATCH_{name.upper()}": name for name in Settings.model_fields}


def _walk(cmd: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    out = [(path, cmd)]
    for name, sub in sorted((getattr(cmd, "commands", None) or {}).items()):
        out += _walk(sub, (*path, name))
    return out


COMMANDS = _walk(typer.main.get_command(app))
OPTIONS = [
    (path, p)
    for path, cmd in COMMANDS
    for p in cmd.params
    if isinstance(p, TyperOption) and p.expose_value and not p.is_eager
]


def _id(path: tuple[str, ...], p: Any) -> str:
    return " ".join([*path, p.opts[0]])


def _sentence(text: str | None) -> bool:
    text = (text or "").strip()
    return bool(re.match(r"^[A-Z`]", text)) and text.endswith((".", ")."))


@pytest.mark.parametrize(("path", "option"), OPTIONS, ids=[_id(*o) for o in OPTIONS])
def test_every_option_reads_borderwatch_command_option(path: tuple[str, ...], option: Any) -> None:
    long = long_name(option)
    assert long, f"{option.opts} has no long name"
    own = env_name(path, long)
    if option.envvar == own:
        return
    # an option that sets a setting reads the setting's variable (docs/configuration.md),
    # named after the option: --metrics-port -> BORDERWATCH_METRICS_PORT,
    # --geofences -> BORDERWATCH_GEOFENCES_FILE
    field = SETTINGS.get(str(option.envvar))
    stem = long.lstrip("-").replace("-", "_")
    assert field is not None and (field == stem or field.startswith(stem + "_")), (
        f"{' '.join(path)} {long} reads {option.envvar}, expected {own}"
    )


@pytest.mark.parametrize(("path", "option"), OPTIONS, ids=[_id(*o) for o in OPTIONS])
def test_every_option_help_is_a_full_sentence_shown_as_written(
    path: tuple[str, ...], option: Any
) -> None:
    assert _sentence(option.help), f"{_id(path, option)}: {option.help!r}"
    assert Text.from_markup(option.help).plain == option.help, "rich markup eats part of it"


ARGS = [(path, p) for path, cmd in COMMANDS for p in cmd.params if isinstance(p, TyperArgument)]


@pytest.mark.parametrize(("path", "arg"), ARGS, ids=[" ".join([*a[0], a[1].name]) for a in ARGS])
def test_arguments_have_sentences_and_plain_usage(path: tuple[str, ...], arg: Any) -> None:
    assert _sentence(arg.help), f"{' '.join(path)} {arg.name}: {arg.help!r}"
    result = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "200"})
    usage = next(line for line in result.output.splitlines() if "Usage:" in line)
    assert "{" not in usage and arg.name.upper() in usage, usage


@pytest.mark.parametrize(("path", "cmd"), COMMANDS, ids=[" ".join(c[0]) or "-" for c in COMMANDS])
def test_every_command_help_is_honest(path: tuple[str, ...], cmd: Any) -> None:
    assert _sentence(cmd.help), f"{' '.join(path)}: {cmd.help!r}"
    result = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "<bool>" not in result.output, "flags take no value"
    assert re.search(r" \.\s", result.output) is None, "a help text lost its words to markup"


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"borderwatch {package_version()}"
    assert re.fullmatch(r"\d+\.\d+\.\d+.*", package_version())


def test_format_is_read_from_borderwatch_alerts_format() -> None:
    alerts = typer.main.get_command(app).commands["alerts"]  # type: ignore[attr-defined]
    fmt = next(p for p in alerts.params if "--format" in p.opts)
    assert fmt.envvar == "BORDERWATCH_ALERTS_FORMAT"
    result = runner.invoke(
        app, ["alerts", "--help"], env={"COLUMNS": "200", "BORDERWATCH_ALERTS_FORMAT": "bogus"}
    )
    assert "BORDERWATCH_ALERTS_FORMAT" in result.output
    bad = runner.invoke(app, ["alerts"], env={"BORDERWATCH_ALERTS_FORMAT": "bogus"})
    assert bad.exit_code == 2 and "bogus" in bad.output
