"""Derive a bundled set's zones from its boundary line, in metres in the set's metric
frame (chosen from its extent), never in degrees.

``borderwatch geofences build`` rebuilds every bundled set in ``geofences/data`` from the
cited facts in ``geofences/stretches``. Only that command imports this module.
"""

from __future__ import annotations

import importlib
import math
from pathlib import Path
from typing import Any

import orjson
import shapely
from shapely.geometry import LineString, Polygon, mapping
from shapely.geometry.base import BaseGeometry

from geofences.frame import Frame

#: bundled set name -> module in ``geofences.stretches`` with ``build() -> dict``
STRETCHES = {"nogales-sasabe": "nogales_sasabe", "new-mexico": "new_mexico"}
STRIP_M = 18.288  # the 60-ft Roosevelt Reservation along the line
BUFFERS_M = (1_000.0, 3_000.0)


def frame_for(line_wgs84: LineString, margin_deg: float = 0.25) -> Frame:
    """The frame of a set around ``line_wgs84`` (home side on the right of it)."""
    w, s, e, n = line_wgs84.bounds
    return Frame.for_extent((w - margin_deg, s - margin_deg, e + margin_deg, n + margin_deg),
                            [(line_wgs84, "right")])


def home_band(line_m: BaseGeometry, metres: float) -> Polygon:
    """The band ``metres`` deep on the home (right-hand) side of a metric line."""
    return shapely.buffer(line_m, -metres, single_sided=True)


def feature(frame: Frame, zid: str, name: str, zone_type: str, geom_m: Any,
            **props: Any) -> dict[str, Any]:
    """A GeoJSON feature from a metric geometry."""
    # Densify first, so edges stay on the line after reprojection (straight in one CRS is
    # curved in the other: ~30 m apart over a 60 km stretch without it).
    if geom_m.geom_type == "GeometryCollection":  # an intersection's stray lines and points
        geom_m = shapely.union_all([g for g in shapely.get_parts(geom_m)
                                    if g.geom_type in ("Polygon", "MultiPolygon")])
    lon_lat = shapely.transform(shapely.segmentize(geom_m, 100.0), frame._inv.transform,
                                interleaved=False)
    geom = shapely.set_precision(lon_lat, 1e-7)
    return {
        "type": "Feature",
        "id": zid,
        "properties": {"id": zid, "name": name, "zone_type": zone_type, **props},
        "geometry": mapping(geom),
    }


def boundary_feature(zid: str, name: str, line_wgs84: LineString) -> dict[str, Any]:
    """The boundary itself: home (US) side on the right of the line's direction."""
    return {
        "type": "Feature",
        "id": zid,
        "properties": {"id": zid, "name": name, "zone_type": "boundary", "home_side": "right"},
        "geometry": mapping(shapely.set_precision(line_wgs84, 1e-9)),
    }


def port_area(frame: Frame, lon: float, lat: float, half_w: float, depth: float) -> Polygon:
    """The rectangle on the home side at a port: ``2 * half_w`` along the line there,
    ``depth`` deep, aligned with the line; past an end of the line it continues straight."""
    x, y = frame.to_metric([lon], [lat])
    at = float(frame.along(x, y)[0])
    (ax, ay), (bx, by) = (frame.point(min(max(at + d, 0.0), frame.length)) for d in (-1.0, 1.0))
    length = math.hypot(float(bx - ax), float(by - ay))
    ux, uy = float(bx - ax) / length, float(by - ay) / length
    nx, ny = uy, -ux  # the home (right-hand) normal
    px, py = (float(v) for v in frame.point(at))
    return Polygon([(px - half_w * ux, py - half_w * uy), (px + half_w * ux, py + half_w * uy),
                    (px + half_w * ux + depth * nx, py + half_w * uy + depth * ny),
                    (px - half_w * ux + depth * nx, py - half_w * uy + depth * ny)])


def collection(name: str, version: str, frame: Frame, sources: list[str],
               feats: list[dict[str, Any]], timezone: str) -> dict[str, Any]:
    return {
        "type": "FeatureCollection",
        "borderwatch": {"name": name, "version": version, "crs_for_distances": frame.crs,
                        "timezone": timezone, "sources": sources},
        "features": feats,
    }


def build(name: str) -> dict[str, Any]:
    """The FeatureCollection of bundled set ``name``."""
    module = importlib.import_module(f"geofences.stretches.{STRETCHES[name]}")
    doc: dict[str, Any] = module.build()
    return doc


def write(name: str, out: Path) -> Path:
    out.write_bytes(orjson.dumps(build(name), option=orjson.OPT_INDENT_2) + b"\n")
    return out


def main(out: Path | None = None, names: list[str] | None = None) -> list[Path]:
    """Write bundled sets: each into ``geofences/data``, or one set into ``out``."""
    names = names or list(STRETCHES)
    if out is not None:
        if len(names) != 1:
            raise ValueError("--out writes one set: name it")
        return [write(names[0], out)]
    data = Path(__file__).parent / "data"
    return [write(n, data / f"{n}.geojson") for n in names]


if __name__ == "__main__":
    for p in main():
        print(p)
