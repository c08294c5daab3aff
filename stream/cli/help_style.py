"""Tidy the command tree typer builds: usage lines, flag types and environment variable names.

Every option reads ``BORDERWATCH_<COMMAND>_<OPTION>`` (its own long name, e.g.
``BORDERWATCH_ALERTS_FORMAT``), except the options that set a setting of
:class:`~stream.settings.Settings`, which read that setting's variable (e.g.
``BORDERWATCH_BOOTSTRAP_SERVERS``, see ``docs/configuration.md``).

>>> env_name(("geofences", "validate"), "--fix")
'BORDERWATCH_GEOFENCES_VALIDATE_FIX'
"""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperArgument, TyperGroup, TyperOption


def env_name(path: tuple[str, ...], long_opt: str) -> str:
    return "_".join(["BORDERWATCH", *path, long_opt.lstrip("-")]).upper().replace("-", "_")


def long_name(option: TyperOption) -> str | None:
    return next((o for o in option.opts if o.startswith("--")), None)


def _usage(name: str, required: bool) -> Any:
    return lambda ctx: [name if required else f"[{name}]"]


def _no_value_shown(p: Any) -> None:
    if p.is_flag or getattr(getattr(p, "type", None), "name", "") == "boolean":
        p.metavar = ""  # `--fix`, not `--fix <bool>`


def tidy(cmd: Any, path: tuple[str, ...] = ()) -> Any:
    """Apply the conventions above to ``cmd`` and every sub-command (in place)."""
    help_option = cmd.get_help_option(typer.Context(cmd))
    for p in [*cmd.params, help_option]:
        if isinstance(p, TyperArgument):
            name = (p.name or "arg").upper()
            p.metavar = name
            p.get_usage_pieces = _usage(name, p.required)  # type: ignore[method-assign]
        elif isinstance(p, TyperOption):
            _no_value_shown(p)
            long = long_name(p)
            if p.envvar is None and p.expose_value and not p.is_eager and long:
                p.envvar = env_name(path, long)
                p.show_envvar = True
    for name, sub in sorted((getattr(cmd, "commands", None) or {}).items()):
        tidy(sub, (*path, name))
    return cmd


class Root(TyperGroup):
    """The top command group; built last, so it tidies the whole tree once."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        tidy(self)

    def get_params(self, ctx: Any) -> list[Any]:
        params = super().get_params(ctx)
        for p in params:  # typer adds --install-completion and --show-completion late
            if isinstance(p, TyperOption):
                _no_value_shown(p)
        return params
