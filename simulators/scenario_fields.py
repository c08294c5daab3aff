"""Field types shared by the parts of a scenario file, and the strict base model they use.

Ranges, probabilities and bearings are constrained here once, so a bad value is refused
with the field's path whichever part of the file it sits in.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from stream.models import Lat, Lon, TargetClass

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


class Spec(BaseModel):
    """A part of a scenario file: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid")
