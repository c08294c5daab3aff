"""The messages a simulated world sends, and how its reports are encoded into them.

Messages are sensor-topic batches ``{"v": 1, "source": gateway_or_camera, "reports": [...]}``
keyed by their source; report fields follow ``stream.models``. :class:`ReportWriter` numbers
each device's reports, applies its clock offset, charges ground sensors' batteries per report
and tallies which actor each report was about (for the ground truth).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any

import numpy as np
import orjson

from simulators.boundary import Boundary
from simulators.cameras import CameraHit
from simulators.classification import REPORTED
from simulators.faults import DeviceState
from simulators.ground_sensors import HitBlock
from simulators.scenario_devices import CameraSpec
from simulators.sensor_kinds import BATTERY_PER_REPORT
from simulators.sensor_layout import SensorArray

GROUND, CAMERA, HEALTH = "sensors.ground", "sensors.camera", "sensors.health"


@dataclass(frozen=True, slots=True)
class Emission:
    """One Kafka message: scenario time (epoch s), topic suffix, key, JSON value, report count."""

    ts: float
    topic: str
    key: str
    value: bytes
    reports: int = 1


@dataclass
class ActorStats:
    """How often ground sensors and cameras reported one actor, which devices, and when first."""

    ground: int = 0
    camera: int = 0
    first_ts: float | None = None
    sensors: set[str] = field(default_factory=set)

    def saw(self, ts: float, device: str, camera: bool) -> None:
        if camera:
            self.camera += 1
        else:
            self.ground += 1
        self.sensors.add(device)
        self.first_ts = ts if self.first_ts is None else min(self.first_ts, ts)


def _r(v: float, nd: int) -> float:
    return round(float(v), nd)


class ReportWriter:
    """Encodes one step's heartbeats, ground hits and camera hits as per-source batches.

    Device index = ground sensors in layout order, then cameras (as in ``state``);
    ``sources`` is each device's gateway (a camera is its own source).
    """

    def __init__(
        self,
        start: float,
        layout: SensorArray,
        cameras: Sequence[CameraSpec],
        state: DeviceState,
        sources: list[str],
        boundary: Boundary,
        stats: list[ActorStats],
    ) -> None:
        self.start, self.layout, self.state = start, layout, state
        self.sources, self.boundary, self.stats = sources, boundary, stats
        self.ids = state.ids
        self.kinds = layout.kinds + ["camera"] * len(cameras)
        self.sensor_lon = np.array(layout.lon, float)
        self.sensor_lat = np.array(layout.lat, float)
        #: Every device's position, reported in its heartbeats (sensors, then cameras).
        self.device_lon = [round(v, 7) for v in layout.lon] + [c.lon for c in cameras]
        self.device_lat = [round(v, 7) for v in layout.lat] + [c.lat for c in cameras]

    def _batches(
        self, t: float, topic: str, by_source: dict[str, list[dict[str, Any]]]
    ) -> list[Emission]:
        ts = _r(self.start + t, 3)
        return [
            Emission(
                ts, topic, src, orjson.dumps({"v": 1, "source": src, "reports": items}), len(items)
            )
            for src, items in sorted(by_source.items())
        ]

    def _seq(self, i: int) -> int:
        self.state.seq[i] += 1
        return int(self.state.seq[i])

    def health(self, t: float, devices: list[int]) -> list[Emission]:
        """Health reports (heartbeats, tamper) of ``devices`` at scenario second ``t``."""
        if not devices:
            return []
        st = self.state
        idx = np.array(devices, dtype=np.int64)
        st.seq[idx] += 1
        seqs = st.seq[idx].tolist()
        ts = np.round(self.start + t + st.offset[idx], 3).tolist()
        battery = np.round(st.battery[idx], 4).tolist()
        tamper = st.tamper[idx].tolist()
        fault = st.fault[idx].tolist()
        ids, kinds, sources = self.ids, self.kinds, self.sources
        reports = [
            {
                "v": 1,
                "sensor_id": ids[i],
                "seq": sq,
                "kind": kinds[i],
                "ts": tv,
                "battery": bat,
                "tamper": tp,
                "fault": ft,
                "lon": self.device_lon[i],
                "lat": self.device_lat[i],
            }
            for i, sq, tv, bat, tp, ft in zip(devices, seqs, ts, battery, tamper, fault,
                                              strict=True)
        ]
        by_source: dict[str, list[dict[str, Any]]] = {}
        for src, group in groupby(range(len(devices)), key=lambda j: sources[devices[j]]):
            by_source.setdefault(src, []).extend(reports[j] for j in group)
        return self._batches(t, HEALTH, by_source)

    def ground(self, t: float, block: HitBlock) -> list[Emission]:
        """Ground-sensor detection reports of one step, batched by gateway."""
        if not len(block):
            return []
        lay, st = self.layout, self.state
        order = np.lexsort((block.ts, block.sensor))
        s = block.sensor[order]
        uniq, first, counts = np.unique(s, return_index=True, return_counts=True)
        seq = (st.seq[s] + 1 + (np.arange(len(s)) - np.repeat(first, counts))).tolist()
        st.seq[uniq] += counts
        st.battery[uniq] = np.maximum(st.battery[uniq] - BATTERY_PER_REPORT * counts, 0.0)
        ts = np.round(self.start + block.ts[order] + st.offset[s], 3).tolist()
        lon = np.where(np.isnan(block.lon[order]), self.sensor_lon[s], block.lon[order]).tolist()
        lat = np.where(np.isnan(block.lat[order]), self.sensor_lat[s], block.lat[order]).tolist()
        strength = np.round(block.strength[order], 3).tolist()
        sig = [REPORTED[i] for i in block.signature[order].tolist()]
        cause = block.cause[order].tolist()
        ids, kinds, gateways = lay.ids, lay.kinds, lay.gateways
        by_source: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for j, i in enumerate(s.tolist()):
            by_source[gateways[i]].append(
                {
                    "v": 1,
                    "sensor_id": ids[i],
                    "seq": seq[j],
                    "kind": kinds[i],
                    "ts": ts[j],
                    "lon": lon[j],
                    "lat": lat[j],
                    "strength": strength[j],
                    "signature": sig[j],
                }
            )
            if cause[j] >= 0:
                self.stats[cause[j]].saw(ts[j], ids[i], camera=False)
        return self._batches(t, GROUND, by_source)

    def camera(self, t: float, i: int, camera_id: str, hits: list[CameraHit]) -> list[Emission]:
        """One camera frame's detections (device index ``i``) as one batch."""
        lon, lat = self.boundary.lonlat([h.x for h in hits], [h.y for h in hits])
        reports = []
        for h, lo, la in zip(hits, lon.tolist(), lat.tolist(), strict=True):
            ts = _r(self.start + h.ts + self.state.offset[i], 3)
            reports.append(
                {
                    "v": 1,
                    "camera_id": camera_id,
                    "seq": self._seq(i),
                    "ts": ts,
                    "lon": _r(lo, 7),
                    "lat": _r(la, 7),
                    "cls": h.cls,
                    "confidence": h.confidence,
                    "bearing_deg": h.bearing,
                }
            )
            if h.cause >= 0:
                self.stats[h.cause].saw(ts, camera_id, camera=True)
        return self._batches(t, CAMERA, {camera_id: reports})
