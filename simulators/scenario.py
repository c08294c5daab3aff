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
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from stream.models import Lat, Lon, TargetClass

FORMAT = "borderwatch-scenario/1"

LonLat = tuple[Lon, Lat]
Positive = Annotated[float, Field(gt=0, allow_inf_nan=False)]
NonNegative = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Probability = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
Bearing = Annotated[float, Field(ge=0, lt=360, allow_inf_nan=False)]
#: A waypoint: ``[lon, lat]`` or ``[lon, lat, pause_s]`` (stop there that long).
Waypoint = tuple[float, float] | tuple[float, float, NonNegative]
#: ``{reported class: probability}``; missing probability mass goes to ``unknown``.
ClassDistribution = dict[TargetClass, Probability]
#: For each true class, the distribution of the class reported.
Confusion = dict[TargetClass, ClassDistribution]
GroundKind = Literal["seismic", "acoustic", "magnetic", "pir", "fibre"]


class ScenarioError(ValueError):
    """A scenario that cannot be loaded; the message names the file and the field."""


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ClassRanges(_Spec):
    """Detection range in metres for each target class (0 = never detects that class)."""

    person: NonNegative | None = None
    vehicle: NonNegative | None = None
    animal: NonNegative | None = None


class SensorParams(_Spec):
    """Overrides of the sensor kind's defaults (see ``docs/scenarios.md``); unset = default."""

    range_m: Positive | ClassRanges | None = Field(
        None, description="Detection range in metres: one number for every class, or per class."
    )
    pd: Probability | None = Field(None, description="Probability of detecting one pass.")
    nuisance_per_h: NonNegative | None = Field(
        None, description="Nuisance alarms per hour in calm, dry weather."
    )
    wind_gain: NonNegative | None = Field(
        None, description="Nuisance rate multiplier added per m/s of wind."
    )
    rain_gain: NonNegative | None = Field(
        None, description="Nuisance rate multiplier added per mm/h of rain."
    )
    signature: Confusion | None = Field(
        None, description="For each true class, the classes the sensor reports and how often."
    )
    holdoff_s: NonNegative | None = Field(
        None, description="At most one report per this many seconds."
    )
    heartbeat_s: Positive | None = Field(None, description="Seconds between health reports.")
    battery: Probability | None = Field(None, description="Battery level at the start (0..1).")
    battery_drain_per_h: NonNegative | None = Field(
        None, description="Battery fraction used per hour."
    )


class SensorSpec(SensorParams):
    """One ground sensor at an explicit position."""

    id: str = Field(pattern=r"^[A-Za-z0-9._:\-]{1,64}$")
    kind: GroundKind = "seismic"
    lon: Lon
    lat: Lat
    gateway: str | None = Field(None, description="Gateway id [default: by layout order].")


class BoundarySpan(_Spec):
    """A stretch of the boundary line, measured from its start (the Nogales end of the
    Arizona set), offset towards the home (US) side.

    Give either ``from_m``/``to_m`` or ``near`` (a point; the span is centred on the
    boundary point closest to it) with ``length_m``.
    """

    from_m: NonNegative | None = None
    to_m: NonNegative | None = None
    near: LonLat | None = None
    length_m: Positive | None = None
    offset_m: float = Field(
        0.0, description="Metres from the line on the home (US) side (negative: across it).")

    @model_validator(mode="after")
    def _one_way(self) -> BoundarySpan:
        by_range = self.from_m is not None and self.to_m is not None
        by_near = self.near is not None and self.length_m is not None
        if by_range == by_near:
            raise ValueError("give either from_m and to_m, or near and length_m")
        if (
            by_range
            and self.to_m is not None
            and self.from_m is not None
            and self.to_m <= self.from_m
        ):
            raise ValueError("to_m must be greater than from_m")
        return self


class SensorLine(SensorParams):
    """Sensors every ``spacing_m`` metres along a line; ``fibre`` lines are fence segments.

    The line is ``start``..``end``, a ``path`` of points, or ``along_boundary``.
    """

    prefix: str = Field(pattern=r"^[A-Za-z0-9._:\-]{1,48}$")
    kind: GroundKind = "seismic"
    start: LonLat | None = None
    end: LonLat | None = None
    path: Annotated[list[LonLat], Field(min_length=2)] | None = None
    along_boundary: BoundarySpan | None = None
    spacing_m: Positive = Field(
        100.0, description="Distance between sensors; for fibre, the length of one segment."
    )
    resolution_m: NonNegative = Field(
        5.0, description="Fibre only: standard error of the reported position along the fence."
    )

    @model_validator(mode="after")
    def _one_geometry(self) -> SensorLine:
        given = [
            self.start is not None or self.end is not None,
            self.path is not None,
            self.along_boundary is not None,
        ]
        if sum(given) != 1:
            raise ValueError("give exactly one of start+end, path, along_boundary")
        if given[0] and (self.start is None or self.end is None):
            raise ValueError("start and end go together")
        return self


class CameraSpec(_Spec):
    """A day/night camera with an object detector."""

    id: str = Field(pattern=r"^[A-Za-z0-9._:\-]{1,64}$")
    lon: Lon
    lat: Lat
    bearing_deg: Bearing = Field(0.0, description="Home bearing, degrees clockwise from north.")
    fov_deg: Annotated[float, Field(gt=0, le=360)] = 60.0
    range_m: Positive = Field(1500.0, description="Detection range by day.")
    night_range_m: Positive = Field(800.0, description="Detection range at night (thermal).")
    frame_s: Positive = Field(2.0, description="Seconds between detector reports.")
    pd: Probability = Field(
        0.9, description="Per-frame probability of detecting an object at close range, by day."
    )
    pd_night: Probability = 0.75
    confusion: Confusion | None = Field(None, description="True class -> reported class, by day.")
    confusion_night: Confusion | None = Field(None, description="The same at night.")
    position_error_m: NonNegative = Field(
        8.0, description="Standard error of the estimated position at full range (half at 0 m)."
    )
    false_per_h: NonNegative = Field(0.5, description="Spurious detections per hour.")
    slew_deg_per_s: Positive = 30.0
    cue_hold_s: Positive = Field(
        120.0, description="Seconds a cue holds before the camera returns home."
    )
    heartbeat_s: Positive = 60.0


class Wander(_Spec):
    """A random walk of ``legs`` legs inside a zone (e.g. an animal in the wildlife corridor)."""

    zone: str
    legs: Annotated[int, Field(ge=1, le=1000)] = 8
    start: LonLat | None = Field(None, description="First point [default: random in the zone].")


class Actor(_Spec):
    """People on foot, a vehicle, or animals, moving along a path at a constant speed."""

    id: str = Field(pattern=r"^[A-Za-z0-9._:\-]{1,64}$")
    cls: Literal["person", "vehicle", "animal"]
    count: Annotated[int, Field(ge=1, le=1000)] = 1
    speed_mps: Positive | None = Field(
        None, description="[default: person 1.3, vehicle 8, animal 0.8]"
    )
    start_s: NonNegative = 0.0
    path: Annotated[list[Waypoint], Field(min_length=2)] | None = None
    frame: Literal["lonlat", "boundary"] = Field(
        "lonlat",
        description="lonlat: points are [lon, lat]; boundary: [metres along the set's "
        "boundary from its start, metres from it on the home side (negative: across)].",
    )
    wander: Wander | None = None
    intrusion: bool | None = Field(
        None, description="Override: is it a true intrusion [default: from the path]."
    )
    note: str = ""

    @model_validator(mode="after")
    def _path_or_wander(self) -> Actor:
        if (self.path is None) == (self.wander is None):
            raise ValueError("give either path or wander")
        if self.frame == "lonlat":
            for i, point in enumerate(self.path or []):
                _check_lonlat(point[0], point[1], f"path point {i}")
        return self


def _check_lonlat(lon: float, lat: float, where: str) -> None:
    """Refuse a point outside lon ±180 / lat ±90, saying so when it is [lat, lon] swapped."""
    if -180 <= lon <= 180 and -90 <= lat <= 90:
        return
    swapped = -90 <= lon <= 90 and -180 <= lat <= 180
    hint = f": it looks like [lat, lon], write [{lat}, {lon}]" if swapped else ""
    raise ValueError(f"{where} [{lon}, {lat}] is not [lon, lat] in degrees{hint}")


class Wildlife(_Spec):
    """``herds`` groups of animals wandering in a zone, starting at random times."""

    prefix: str = "animal"
    zone: str = "corridor-sycamore"
    herds: Annotated[int, Field(ge=1, le=10_000)] = 3
    count: tuple[Annotated[int, Field(ge=1)], Annotated[int, Field(ge=1)]] = (1, 6)
    speed_mps: Positive = 0.6
    legs: Annotated[int, Field(ge=1, le=1000)] = 8
    start_within_s: NonNegative = Field(0.0, description="Start times spread over [0, this].")


class PortTraffic(_Spec):
    """Legitimate northbound traffic through a port of entry (vehicles and pedestrians)."""

    prefix: str | None = None
    port: str = "poe-nogales-deconcini"
    vehicles_per_h: NonNegative = 120.0
    pedestrians_per_h: NonNegative = 60.0
    inspection_s: NonNegative = Field(45.0, description="Stop at the inspection booth.")
    approach_m: Positive = Field(300.0, description="Path starts this far south of the line.")
    depart_m: Positive = Field(600.0, description="Path ends this far north of the line.")
    from_s: NonNegative = 0.0
    to_s: NonNegative | None = None


class WeatherPoint(_Spec):
    """Weather at ``at_s``; between points values are interpolated linearly."""

    at_s: NonNegative
    wind_mps: NonNegative = 0.0
    rain_mmph: NonNegative = 0.0


class _Fault(_Spec):
    targets: Annotated[list[str], Field(min_length=1)] = Field(
        description="Sensor or camera ids (store_forward: also gateway ids)."
    )
    at_s: NonNegative
    until_s: NonNegative | None = Field(None, description="End of the fault [default: never].")
    note: str = ""

    @model_validator(mode="after")
    def _ordered(self) -> _Fault:
        if self.until_s is not None and self.until_s <= self.at_s:
            raise ValueError("until_s must be after at_s")
        return self


class DeadFault(_Fault):
    """The sensor stops: no heartbeats, no detections."""

    kind: Literal["dead"]


class StuckFault(_Fault):
    """The sensor fires constantly."""

    kind: Literal["stuck"]
    interval_s: Positive = Field(2.0, description="Seconds between its false reports.")


class ChatterFault(_Fault):
    """The sensor chatters: bursts of false reports (every ``interval_s`` for ``on_s``),
    then ``off_s`` of silence, over and over."""

    kind: Literal["chatter"]
    interval_s: Positive = Field(2.0, description="Seconds between reports within a burst.")
    on_s: Positive = Field(15.0, description="Length of a burst.")
    off_s: Positive = Field(60.0, description="Silence between bursts.")


class TamperFault(_Fault):
    """The tamper switch trips: an immediate health report with ``tamper: true``."""

    kind: Literal["tamper"]
    touch_detections: Annotated[int, Field(ge=0, le=100)] = Field(
        2, description="Detections of the person handling the sensor."
    )


class LowBatteryFault(_Fault):
    """The battery drops to ``level`` (and drains on; at 0 the sensor dies)."""

    kind: Literal["low_battery"]
    level: Probability = 0.08


class SelfTestFault(_Fault):
    """The sensor's self-test fails: its heartbeats carry ``fault: true`` (a field sensor's
    fault code) until ``until_s``; it still reports what it detects."""

    kind: Literal["self_test"]


class ClockOffsetFault(_Fault):
    """The sensor's clock is off: its reports carry ``ts + offset_s``."""

    kind: Literal["clock_offset"]
    offset_s: float


class StoreForwardFault(_Fault):
    """The gateway's link is down: its messages are held and sent in one burst at ``until_s``."""

    kind: Literal["store_forward"]
    shuffle: bool = Field(True, description="Send the burst out of order.")

    @model_validator(mode="after")
    def _has_end(self) -> StoreForwardFault:
        if self.until_s is None:
            raise ValueError("store_forward needs until_s (when the burst is sent)")
        return self


Fault = Annotated[
    DeadFault
    | StuckFault
    | ChatterFault
    | TamperFault
    | LowBatteryFault
    | SelfTestFault
    | ClockOffsetFault
    | StoreForwardFault,
    Field(discriminator="kind"),
]


class Cue(_Spec):
    """A slew-to-cue request, as on the ``camera-tasking`` topic (``ts`` is optional here)."""

    camera_id: str
    lon: Lon
    lat: Lat
    at_s: NonNegative | None = Field(None, description="Scenario second (scripted cues).")
    ts: float | None = Field(None, description="Epoch seconds (live cues).")
    incident_id: str | None = None


class Scenario(_Spec):
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
