"""Hand-built detections for correlation tests: positions in metres from a point on the
boundary at 111 deg W (x east, y north; y < 0 is Mexico, 0..18 m the border strip)."""

from __future__ import annotations

import itertools

from geofences.index import GeofenceSet
from stream.correlation.evidence import Evidence
from stream.models import CameraDetection, GroundDetection, SensorHealth, SensorKind, TargetClass

T0 = 1_800_000_000.0
ORIGIN_LON = -111.0
FRAME = GeofenceSet.load_bundled().frame
#: the boundary point at 111 deg W (the line runs along a parallel there: y is north)
_X0, _Y0 = (float(v[0]) for v in FRAME.point(FRAME.along(*FRAME.to_metric([ORIGIN_LON],
                                                                              [31.3]))))
_offsets = itertools.count()


def lonlat(dx: float, dy: float) -> tuple[float, float]:
    lon, lat = FRAME.to_wgs84([_X0 + dx], [_Y0 + dy])
    return round(float(lon[0]), 7), round(float(lat[0]), 7)


def ground(sensor: str, seq: int, t: float, dx: float, dy: float, *,
           kind: SensorKind = SensorKind.SEISMIC, sig: TargetClass = TargetClass.PERSON,
           strength: float = 0.9, topic: str = "bw.sensors.ground") -> Evidence:
    lon, lat = lonlat(dx, dy)
    r = GroundDetection(sensor_id=sensor, seq=seq, kind=kind, ts=T0 + t, lon=lon, lat=lat,
                        strength=strength, signature=sig)
    return Evidence(r, topic, 0, next(_offsets))


def camera(cam: str, seq: int, t: float, dx: float, dy: float, cls: TargetClass,
           confidence: float = 0.9) -> Evidence:
    lon, lat = lonlat(dx, dy)
    r = CameraDetection(camera_id=cam, seq=seq, ts=T0 + t, lon=lon, lat=lat, cls=cls,
                        confidence=confidence)
    return Evidence(r, "bw.sensors.camera", 0, next(_offsets))


def health(sensor: str, seq: int, t: float, tamper: bool) -> SensorHealth:
    return SensorHealth(sensor_id=sensor, seq=seq, kind=SensorKind.SEISMIC, ts=T0 + t,
                        battery=0.9, tamper=tamper)


def walk_north(prefix: str, t_start: float, y_start: float, y_end: float, *,
               speed: float = 1.3, spacing: float = 50.0, dx: float = 0.0,
               sig: TargetClass = TargetClass.PERSON) -> list[Evidence]:
    """Sensors every ``spacing`` metres along x=dx; each fires once as the walker passes."""
    out = []
    y = y_start
    i = 0
    while y <= y_end:
        out.append(ground(f"{prefix}-{i}", 1, t_start + (y - y_start) / speed, dx, y, sig=sig))
        y += spacing
        i += 1
    return out


def _dx(lon: float) -> float:
    x, _ = FRAME.to_metric([lon], [31.3])
    return float(x[0]) - _X0


#: metres east of the origin: the middle of the Sycamore wildlife corridor and of the
#: Nogales port of entry (both start at the boundary and reach north).
CORRIDOR_DX = _dx(-111.2100)
POE_DX = _dx(-110.9400)
