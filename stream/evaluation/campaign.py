"""Campaign files: which scenario families to generate, how many trials each, and their ranges.

A campaign is YAML (or JSON) described in ``docs/evaluation.md``; its JSON Schema is
``campaigns/schema.json`` (``python -m stream.evaluation.campaign`` rewrites it).

>>> c = parse_campaign({"name": "t", "seed": 1, "families": {"foot": {"trials": 2}}})
>>> [(f, s.trials) for f, s in c.enabled()]
[('foot', 2)]
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any, Literal

import orjson
import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

FORMAT = "borderwatch-campaign/1"
SCHEMA_FILE = Path(__file__).resolve().parents[2] / "campaigns" / "schema.json"

Probability = Annotated[float, Field(ge=0, le=1)]
FaultKind = Literal["stuck", "chatter", "dead", "tamper", "clock_offset", "low_battery"]
DEFAULT_FAULTS: tuple[FaultKind, ...] = ("stuck", "chatter", "dead", "tamper", "clock_offset")
Trials = Annotated[int, Field(ge=0, le=100_000, description="Trials of this family.")]


class CampaignError(ValueError):
    """A campaign that cannot be loaded; the message names the file and the field."""


def _ordered(v: tuple[float, float]) -> tuple[float, float]:
    if v[1] < v[0]:
        raise ValueError("a range is [low, high] with low <= high")
    return v


#: A closed range ``[low, high]``; values are drawn uniformly from it.
Range = Annotated[tuple[float, float], AfterValidator(_ordered)]


class Family(BaseModel):
    """What every family takes: trials, day/night mix, layout variety."""

    model_config = ConfigDict(extra="forbid")
    trials: Trials = 0
    night: Probability = Field(0.5, description="Fraction of trials at night.")
    cameras: Probability = Field(0.5, description="Fraction of layouts with a camera tower.")
    spacing_m: Range = Field((30, 100), description="Sensor spacing of the strip line.")
    duration_s: Range = (700, 1000)


class Foot(Family):
    count: Range = (1, 20)
    speed_mps: Range = (0.7, 3.2)
    heading_deg: Range = Field((-85, 85),
                               description="Angle from the line's north normal (±90: along).")


class MultiGroup(Foot):
    groups: Range = (2, 3)
    apart_m: Range = (500, 5000)
    heading_deg: Range = (-60, 60)


class Vehicle(Family):
    speed_kmh: Range = (10, 90)
    lines: Range = (1, 3)
    spacing_m: Range = (100, 400)


class Corridor(Foot):
    herds: Range = (2, 6)
    count: Range = (1, 6)
    heading_deg: Range = (-45, 45)


class Port(Foot):
    distance_m: Range = Field((150, 1500),
                              description="Crossing this far from the port zone's edge.")
    vehicles_per_h: Range = (30, 150)
    pedestrians_per_h: Range = (20, 80)
    count: Range = (1, 3)
    heading_deg: Range = (-45, 45)


class SectorSplit(Foot):
    distance_m: Range = Field((0, 400),
                              description="Crossing this far from the split between sectors.")
    heading_deg: Range = (-80, 80)


class StripDwell(Family):
    count: Range = (1, 4)
    dwell_s: Range = Field((360, 700),
                           description="Seconds spent walking along inside the strip.")
    speed_mps: Range = (0.2, 0.6)
    duration_s: Range = (1000, 1300)


class Animals(Family):
    herds: Range = (1, 4)
    count: Range = (1, 12)
    cameras: Probability = 0.8


class Weather(Family):
    wind_mps: Range = (6, 18)
    rain_mmph: Range = (0, 12)


class Faults(Family):
    kinds: list[FaultKind] = Field(
        default_factory=lambda: list(DEFAULT_FAULTS),
        min_length=1, description="Fault kinds drawn from.")
    crossing: Probability = Field(0.5, description="Fraction of trials with a crossing nearby.")
    count: Range = (1, 6)
    speed_mps: Range = (0.8, 2.0)


class StoreForward(Family):
    delay_s: Range = Field((120, 600),
                           description="How long the gateway holds its reports.")
    crossing: Probability = 0.8
    count: Range = (1, 8)
    speed_mps: Range = (0.8, 2.0)


class Families(BaseModel):
    model_config = ConfigDict(extra="forbid")
    foot: Foot = Field(default_factory=Foot)
    multi_group: MultiGroup = Field(default_factory=MultiGroup)
    vehicle: Vehicle = Field(default_factory=Vehicle)
    corridor: Corridor = Field(default_factory=Corridor)
    port: Port = Field(default_factory=Port)
    sector_split: SectorSplit = Field(default_factory=SectorSplit)
    strip_dwell: StripDwell = Field(default_factory=StripDwell)
    animals: Animals = Field(default_factory=Animals)
    weather: Weather = Field(default_factory=Weather)
    faults: Faults = Field(default_factory=Faults)
    store_forward: StoreForward = Field(default_factory=StoreForward)


class Matching(BaseModel):
    """How alerts are matched to intrusions and which alerts count."""

    model_config = ConfigDict(extra="forbid")
    radius_m: float = Field(300.0, gt=0, description="Alert within this of the intruder.")
    window_s: float = Field(900.0, gt=0, description="...and within this of its time on scene.")
    min_severity: str = Field("medium", pattern="^(low|medium|high|critical)$")
    sector_m: float = Field(250.0, ge=0, description="A message may name a patrol sector this "
                            "much further from the intruder than the nearest one.")
    heading_lag_m: float = Field(100.0, ge=0, description="A heading may be that of the "
                                 "course the intruder left less than this far back.")


class Campaign(BaseModel):
    """A whole campaign file."""

    model_config = ConfigDict(extra="forbid")
    format: str = Field(FORMAT, pattern=f"^{FORMAT}$")
    name: str
    description: str = ""
    seed: int = Field(0, description="Every trial's scenario derives from it.")
    geofences: str = Field("nogales-sasabe", description="Bundled geofence set or a file.")
    start: float = Field(1_800_000_000.0, description="UTC epoch seconds of every trial's t=0.")
    families: Families = Field(default_factory=Families)
    matching: Matching = Field(default_factory=Matching)

    def enabled(self) -> list[tuple[str, Family]]:
        out = []
        for name in Families.model_fields:
            spec: Family = getattr(self.families, name)
            if spec.trials:
                out.append((name, spec))
        return out


def parse_campaign(data: Any, where: str = "campaign") -> Campaign:
    if not isinstance(data, dict):
        raise CampaignError(f"{where}: a campaign is a mapping of fields")
    try:
        return Campaign.model_validate(data)
    except ValidationError as exc:
        lines = [f"  {'.'.join(map(str, e['loc'])) or '(top level)'}: "
                 f"{e['msg'].removeprefix('Value error, ')}" for e in exc.errors()]
        if len(lines) == 1:
            raise CampaignError(f"{where}: invalid campaign: {lines[0].strip()}") from exc
        raise CampaignError(f"{where}: invalid campaign\n" + "\n".join(lines)) from exc


def load_campaign(path: str | Path) -> Campaign:
    p = Path(path)
    if not p.is_file():
        raise CampaignError(f"{p}: no such campaign file")
    try:
        data = yaml.safe_load(p.read_text())
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" (line {where.line + 1})" if where is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise CampaignError(f"{p}: not valid YAML/JSON{line}: {problem}") from exc
    return parse_campaign(data, str(p))


def render_schema() -> bytes:
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema",
              "title": f"BorderWatch evaluation campaign ({FORMAT})",
              **Campaign.model_json_schema()}
    return orjson.dumps(schema, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else SCHEMA_FILE
    out.write_bytes(render_schema())
    print(out)
