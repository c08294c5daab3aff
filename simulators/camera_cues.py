"""Slew-to-cue requests for the simulated cameras, and the log of them kept for the ground truth.

Scripted cues (a scenario's ``tasking``) are applied at their scenario second; live cues
from the pipeline are queued from any thread and applied at the world's next step. A cue
naming no camera is logged as not applied.
"""

from __future__ import annotations

import queue
from dataclasses import dataclass
from typing import Any

from simulators.boundary import Boundary
from simulators.cameras import Camera
from simulators.scenario import Cue


@dataclass(frozen=True, slots=True)
class LiveCue:
    camera_id: str
    lon: float
    lat: float
    ts: float | None = None
    incident_id: str | None = None
    hold_s: float | None = None


class CameraCues:
    """Cues waiting for the cameras of one world, applied step by step and logged."""

    def __init__(
        self, start: float, cameras: list[Camera], boundary: Boundary, scripted: list[Cue]
    ) -> None:
        self.start, self.boundary = start, boundary
        self.cameras = {c.spec.id: c for c in cameras}
        self.live: queue.SimpleQueue[LiveCue] = queue.SimpleQueue()
        self.scripted = sorted(scripted, key=lambda c: c.at_s or 0.0)
        #: ``tasking`` truth records: every cue, when it was applied, and whether it could be.
        self.log: list[dict[str, Any]] = []

    def put(self, cue: LiveCue) -> None:
        """Queue a live cue (thread-safe)."""
        self.live.put(cue)

    def apply(self, t: float) -> None:
        """Apply the scripted cues due by scenario second ``t``, then every queued live cue."""
        while self.scripted and (self.scripted[0].at_s or 0.0) <= t + 1e-9:
            c = self.scripted.pop(0)
            self._cue_now(t, LiveCue(c.camera_id, c.lon, c.lat, c.ts, c.incident_id), "scenario")
        while True:
            try:
                live = self.live.get_nowait()
            except queue.Empty:
                break
            self._cue_now(t, live, "live")

    def _cue_now(self, t: float, cue: LiveCue, origin: str) -> None:
        camera = self.cameras.get(cue.camera_id)
        applied = camera is not None
        if camera is not None:
            x, y = self.boundary.to_metric([cue.lon], [cue.lat])
            camera.cue(t, float(x[0]), float(y[0]), cue.hold_s)
        self.log.append(
            {
                "type": "tasking",
                "camera_id": cue.camera_id,
                "lon": cue.lon,
                "lat": cue.lat,
                "incident_id": cue.incident_id,
                "cue_ts": cue.ts,
                "applied_ts": round(float(self.start + t), 3),
                "applied": applied,
                "origin": origin,
            }
        )
