"""Constrained scalar types and enums shared by the wire models."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field

SCHEMA_VERSION: Literal[1] = 1

#: 2000-01-01 .. 2100-01-01: anything outside is a broken clock, not an event.
MIN_TS = 946_684_800.0
MAX_TS = 4_102_444_800.0

Lon = Annotated[float, Field(ge=-180.0, le=180.0, allow_inf_nan=False)]
Lat = Annotated[float, Field(ge=-90.0, le=90.0, allow_inf_nan=False)]
EpochSeconds = Annotated[float, Field(ge=MIN_TS, le=MAX_TS, allow_inf_nan=False)]
Unit = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
Ident = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:\-]+$")]
Seq = Annotated[int, Field(ge=0, le=2**63 - 1)]


class SensorKind(StrEnum):
    SEISMIC = "seismic"
    ACOUSTIC = "acoustic"
    MAGNETIC = "magnetic"
    PIR = "pir"
    FIBRE = "fibre"
    CAMERA = "camera"


class TargetClass(StrEnum):
    PERSON = "person"
    VEHICLE = "vehicle"
    ANIMAL = "animal"
    UNKNOWN = "unknown"


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {Severity.LOW: 0, Severity.MEDIUM: 1, Severity.HIGH: 2, Severity.CRITICAL: 3}


class AlertState(StrEnum):
    NEW = "new"
    UPDATED = "updated"
    ESCALATED = "escalated"
    CLEARED = "cleared"


#: Who acknowledged (call sign or name) and the free text a patrol may add: bounded.
Actor = Annotated[str, Field(min_length=1, max_length=64, pattern=r"\S")]
Note = Annotated[str, Field(max_length=500)]
AlertId = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:\-]+$")]
