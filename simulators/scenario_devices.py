"""Scenario parts that place devices: ground sensors, sensor lines and fibre fences, cameras."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from simulators.scenario_fields import (
    Bearing,
    Confusion,
    GroundKind,
    LonLat,
    NonNegative,
    Positive,
    Probability,
    Spec,
)
from stream.models import Lat, Lon


class ClassRanges(Spec):
    """Detection range in metres for each target class (0 = never detects that class)."""

    person: NonNegative | None = None
    vehicle: NonNegative | None = None
    animal: NonNegative | None = None


class SensorParams(Spec):
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


class BoundarySpan(Spec):
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


class CameraSpec(Spec):
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
