"""Scenario files: sensors, cameras, actors, weather, faults, duration and seed (YAML or JSON).

The format is described in ``docs/scenarios.md``; ``simulators/schema.json`` is its JSON
Schema, generated from these models (``python -m simulators.schema``).

>>> s = load_scenario("crossing")
>>> s.name
'crossing'
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import Field, ValidationError, model_validator

from simulators.scenario_actors import Actor, PortTraffic, Wildlife
from simulators.scenario_devices import CameraSpec, SensorLine, SensorSpec
from simulators.scenario_faults import Fault
from simulators.scenario_fields import NonNegative, Positive, Spec
from stream.models import Lat, Lon

FORMAT = "borderwatch-scenario/1"


class ScenarioError(ValueError):
    """A scenario that cannot be loaded; the message names the file and the field."""


class WeatherPoint(Spec):
    """Weather at ``at_s``; between points values are interpolated linearly."""

    at_s: NonNegative
    wind_mps: NonNegative = 0.0
    rain_mmph: NonNegative = 0.0


class Cue(Spec):
    """A slew-to-cue request, as on the ``camera-tasking`` topic (``ts`` is optional here)."""

    camera_id: str
    lon: Lon
    lat: Lat
    at_s: NonNegative | None = Field(None, description="Scenario second (scripted cues).")
    ts: float | None = Field(None, description="Epoch seconds (live cues).")
    incident_id: str | None = None


class Scenario(Spec):
    """A whole scenario file."""

    format: Literal["borderwatch-scenario/1"] = "borderwatch-scenario/1"
    name: str
    description: str = ""
    seed: int = 0
    duration_s: Positive = 600.0
    step_s: Positive = 1.0
    local_start: str | None = Field(
        None,
        pattern=r"^([01]\d|2[0-3]):[0-5]\d$",
        description="Local time of day (HH:MM) at second 0; it decides day or night. "
        "[default: the start time in the geofence set's timezone]",
    )
    day_hours: tuple[Annotated[float, Field(ge=0, le=24)], Annotated[float, Field(ge=0, le=24)]] = (
        6.0,
        18.0,
    )
    geofences: str = Field(
        "nogales-sasabe",
        description="The geofence set (boundary, zones, metric frame) the scenario runs on: "
        "a bundled set's name or a GeoJSON file.",
    )
    heartbeat_s: Positive = Field(60.0, description="Default heartbeat of every sensor.")
    gateway_size: Annotated[int, Field(ge=1, le=10_000)] = Field(
        10, description="Sensors per gateway, in layout order."
    )
    sensors: list[SensorSpec] = []
    sensor_lines: list[SensorLine] = []
    cameras: list[CameraSpec] = []
    actors: list[Actor] = []
    wildlife: list[Wildlife] = []
    port_traffic: list[PortTraffic] = []
    weather: list[WeatherPoint] = []
    faults: list[Fault] = []
    tasking: list[Cue] = Field([], description="Scripted slew-to-cue requests (at_s required).")

    @model_validator(mode="after")
    def _unique_ids(self) -> Scenario:
        seen: set[str] = set()
        for ident in (
            [s.id for s in self.sensors]
            + [c.id for c in self.cameras]
            + [a.id for a in self.actors]
        ):
            if ident in seen:
                raise ValueError(f"id {ident!r} is used twice")
            seen.add(ident)
        for i, cue in enumerate(self.tasking):
            if cue.at_s is None:
                raise ValueError(f"tasking[{i}] needs at_s")
        return self


def bundled_names() -> list[str]:
    folder = resources.files("simulators").joinpath("scenarios")
    return sorted(p.name.rsplit(".", 1)[0] for p in folder.iterdir() if p.name.endswith(".yaml"))


def _where(loc: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in loc) or "(top level)"


def parse_scenario(data: Any, where: str = "scenario") -> Scenario:
    """Validate already-parsed data; errors list every bad field as ``path: message``."""
    if not isinstance(data, dict):
        raise ScenarioError(
            f"{where}: a scenario is a mapping of fields, got {type(data).__name__}"
        )
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        lines = []
        for e in exc.errors():
            msg = e["msg"].removeprefix("Value error, ")
            lines.append(f"  {_where(e['loc'])}: {msg}")
        if len(lines) == 1:  # one problem, one line
            raise ScenarioError(f"{where}: invalid scenario: {lines[0].strip()}") from exc
        raise ScenarioError(f"{where}: invalid scenario\n" + "\n".join(lines)) from exc


def load_scenario(name_or_path: str | Path) -> Scenario:
    """Load a bundled scenario by name, or a YAML/JSON file by path."""
    path = Path(name_or_path)
    if path.is_file():
        text, where = path.read_text(), str(path)
    else:
        res = resources.files("simulators").joinpath("scenarios", f"{name_or_path}.yaml")
        if not res.is_file():
            raise ScenarioError(
                f"no scenario file {str(name_or_path)!r} and no bundled scenario of that name "
                f"(bundled: {', '.join(bundled_names())})"
            )
        text, where = res.read_text(), f"bundled:{name_or_path}"
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{where}: not valid YAML/JSON: {exc}") from exc
    if path.is_file() and isinstance(data, dict) and isinstance(data.get("geofences"), str):
        beside = path.parent / data["geofences"]  # a set file next to the scenario
        if not Path(data["geofences"]).is_absolute() and beside.is_file():
            data["geofences"] = str(beside)
    return parse_scenario(data, where)
