"""Scenario parts that script device faults: dead, stuck, chattering, tampered, low battery,
failed self-test, clock offset, and a gateway's store-and-forward outage."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from simulators.scenario_fields import NonNegative, Positive, Probability, Spec


class _Fault(Spec):
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
