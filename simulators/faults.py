"""Faults on a timeline: dead, stuck, chatter, tamper, low battery, failed self-test, clock
offset, store-and-forward.

:class:`DeviceState` holds what every device (ground sensors first, then cameras) is
like now; :class:`FaultTimeline` changes it as scenario time passes and tells the world
which one-off things to do (send a tamper report, release a held burst).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from simulators.scenario_faults import (
    ChatterFault,
    ClockOffsetFault,
    DeadFault,
    Fault,
    LowBatteryFault,
    SelfTestFault,
    StoreForwardFault,
    StuckFault,
    TamperFault,
)


@dataclass
class DeviceState:
    """Per-device state arrays; index = ground sensors, then cameras."""

    ids: list[str]
    battery: np.ndarray
    drain_per_h: np.ndarray
    n_ground: int
    dead: np.ndarray = field(init=False)
    depleted: np.ndarray = field(init=False)
    tamper: np.ndarray = field(init=False)
    fault: np.ndarray = field(init=False)
    offset: np.ndarray = field(init=False)
    stuck_interval: np.ndarray = field(init=False)
    stuck_next: np.ndarray = field(init=False)
    #: chattering sensors fire only during the first ``chatter_on`` s of each period
    chatter_on: np.ndarray = field(init=False)
    chatter_period: np.ndarray = field(init=False)
    chatter_t0: np.ndarray = field(init=False)
    seq: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        n = len(self.ids)
        self.dead = np.zeros(n, bool)
        self.depleted = np.zeros(n, bool)
        self.tamper = np.zeros(n, bool)
        self.fault = np.zeros(n, bool)
        self.offset = np.zeros(n)
        self.stuck_interval = np.full(n, np.inf)
        self.stuck_next = np.full(n, np.inf)
        self.chatter_on = np.zeros(n)
        self.chatter_period = np.zeros(n)
        self.chatter_t0 = np.zeros(n)
        self.seq = np.zeros(n, np.int64)

    @property
    def alive(self) -> np.ndarray:
        return ~(self.dead | self.depleted)

    def drain(self, step: float) -> np.ndarray:
        """Drain batteries over ``step`` seconds; indices that just ran out."""
        was = self.battery > 0
        self.battery = np.maximum(self.battery - self.drain_per_h * step / 3600.0, 0.0)
        out = np.flatnonzero(was & (self.battery <= 0) & ~self.depleted)
        self.depleted[out] = True
        return out


@dataclass(frozen=True)
class FaultAction:
    """Something the world must do now because of a fault."""

    what: str  # tamper | release
    fault: int
    devices: tuple[int, ...] = ()
    sources: tuple[str, ...] = ()


class FaultTimeline:
    """The scenario's faults, applied in time order."""

    def __init__(
        self, faults: list[Fault], devices: dict[str, int], sources_of: list[str], n_ground: int
    ) -> None:
        self.faults = faults
        self.targets: list[tuple[int, ...]] = []
        self.sources: list[tuple[str, ...]] = []
        known_sources = set(sources_of)
        for i, f in enumerate(faults):
            idx: list[int] = []
            srcs: list[str] = []
            for name in f.targets:
                if name in devices:
                    idx.append(devices[name])
                    srcs.append(sources_of[devices[name]])
                elif isinstance(f, StoreForwardFault) and name in known_sources:
                    srcs.append(name)
                else:
                    what = (
                        "sensor, camera or gateway"
                        if isinstance(f, StoreForwardFault)
                        else "sensor or camera"
                    )
                    raise ValueError(f"faults.{i}.targets: no {what} with id {name!r}")
                if isinstance(f, StuckFault | ChatterFault) and idx and idx[-1] >= n_ground:
                    raise ValueError(
                        f"faults.{i}.targets: {f.kind} applies to ground sensors, "
                        f"not camera {name!r}"
                    )
            self.targets.append(tuple(sorted(set(idx))))
            self.sources.append(tuple(sorted(set(srcs))))
        events = []
        for i, f in enumerate(faults):
            events.append((f.at_s, 1, i))
            if f.until_s is not None:
                events.append((f.until_s, 0, i))
        self.events = sorted(events)  # ends before starts at the same time
        self.pos = 0
        self.held: dict[str, int] = {}  # source -> store-and-forward fault holding it

    def advance(self, t: float, state: DeviceState) -> list[FaultAction]:
        """Apply every start and end up to ``t``; one-off actions in time order."""
        actions: list[FaultAction] = []
        while self.pos < len(self.events) and self.events[self.pos][0] <= t + 1e-9:
            _, starts, i = self.events[self.pos]
            self.pos += 1
            f, idx = self.faults[i], list(self.targets[i])
            if isinstance(f, DeadFault):
                state.dead[idx] = bool(starts)
            elif isinstance(f, StuckFault):
                state.stuck_interval[idx] = f.interval_s if starts else np.inf
                state.stuck_next[idx] = t if starts else np.inf
            elif isinstance(f, ChatterFault):
                state.stuck_interval[idx] = f.interval_s if starts else np.inf
                state.stuck_next[idx] = t if starts else np.inf
                state.chatter_on[idx] = f.on_s if starts else 0.0
                state.chatter_period[idx] = f.on_s + f.off_s if starts else 0.0
                state.chatter_t0[idx] = t
            elif isinstance(f, TamperFault):
                state.tamper[idx] = bool(starts)
                if starts:
                    actions.append(FaultAction("tamper", i, tuple(idx)))
            elif isinstance(f, LowBatteryFault):
                if starts:
                    state.battery[idx] = np.minimum(state.battery[idx], f.level)
            elif isinstance(f, SelfTestFault):
                state.fault[idx] = bool(starts)
            elif isinstance(f, ClockOffsetFault):
                state.offset[idx] = f.offset_s if starts else 0.0
            elif isinstance(f, StoreForwardFault):
                if starts:
                    for s in self.sources[i]:
                        self.held[s] = i
                else:
                    for s in self.sources[i]:
                        self.held.pop(s, None)
                    actions.append(FaultAction("release", i, sources=self.sources[i]))
        return actions
