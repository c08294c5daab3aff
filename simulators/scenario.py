"""Scenario files: sensor layout, actors with paths, duration and seed (YAML or JSON).

>>> s = load_scenario("crossing")
>>> s.name
'crossing'
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from stream.models import Lat, Lon, SensorKind, TargetClass

LonLat = tuple[Lon, Lat]
Positive = Annotated[float, Field(gt=0, allow_inf_nan=False)]
Probability = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]


class ScenarioError(ValueError):
    """A scenario that cannot be loaded; the message names the file and the field."""


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SensorSpec(_Spec):
    id: str
    kind: SensorKind = SensorKind.SEISMIC
    lon: Lon
    lat: Lat
    range_m: Positive = 25.0
    pd: Probability = 0.9
    nuisance_per_h: Annotated[float, Field(ge=0)] = 0.5


class SensorLine(_Spec):
    """Sensors every ``spacing_m`` metres on the segment ``start``..``end``."""

    prefix: str
    kind: SensorKind = SensorKind.SEISMIC
    start: LonLat
    end: LonLat
    spacing_m: Positive = 100.0
    range_m: Positive = 25.0
    pd: Probability = 0.9
    nuisance_per_h: Annotated[float, Field(ge=0)] = 0.5


class Actor(_Spec):
    id: str
    cls: TargetClass
    count: Annotated[int, Field(ge=1)] = 1
    speed_mps: Positive = 1.2
    start_s: Annotated[float, Field(ge=0)] = 0.0
    path: Annotated[list[LonLat], Field(min_length=2)]


class Scenario(_Spec):
    name: str
    description: str = ""
    seed: int = 0
    duration_s: Positive = 600.0
    step_s: Positive = 1.0
    heartbeat_s: Positive = 60.0
    gateway_size: Annotated[int, Field(ge=1)] = 10
    sensors: list[SensorSpec] = []
    sensor_lines: list[SensorLine] = []
    actors: list[Actor] = []
    format: Literal["borderwatch-scenario/1"] = "borderwatch-scenario/1"


def bundled_names() -> list[str]:
    folder = resources.files("simulators").joinpath("scenarios")
    return sorted(p.name.rsplit(".", 1)[0] for p in folder.iterdir() if p.name.endswith(".yaml"))


def load_scenario(name_or_path: str | Path) -> Scenario:
    """Load a bundled scenario by name, or a YAML/JSON file by path."""
    path = Path(name_or_path)
    if path.is_file():
        text, where = path.read_text(), str(path)
    else:
        res = resources.files("simulators").joinpath("scenarios", f"{name_or_path}.yaml")
        if not res.is_file():
            raise ScenarioError(
                f"no scenario file {name_or_path!r} and no bundled scenario of that name "
                f"(bundled: {', '.join(bundled_names())})"
            )
        text, where = res.read_text(), f"bundled:{name_or_path}"
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{where}: not valid YAML/JSON: {exc}") from exc
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        lines = [f"  {'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
        raise ScenarioError(f"{where}: invalid scenario\n" + "\n".join(lines)) from exc
