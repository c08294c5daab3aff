"""Derive the bundled zones from the boundary line, buffering in metres (UTM 12N), never degrees.

Run ``python -m geofences.build`` to rebuild ``geofences/data/nogales-sasabe.geojson``.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import orjson
import shapely
import shapely.ops
from shapely.geometry import LineString, Polygon, box, mapping

from geofences.crs import UTM12N, to_metric, to_wgs84

#: The boundary west of Nogales follows the parallel 31°20'N to 111°04'59"W, then runs
#: in a straight line to the Colorado River at 32°29'38"N, 114°48'47"W (1853 Gadsden
#: Purchase treaty, as resurveyed by the International Boundary Commission, 1891-96).
PARALLEL_LAT = 31 + 20 / 60
TURN_LON = -(111 + 4 / 60 + 59 / 3600)
COLORADO = (-(114 + 48 / 60 + 47 / 3600), 32 + 29 / 60 + 38 / 3600)
NOGALES_LON = -110.9400  # DeConcini port of entry, Nogales AZ
SASABE_LON = -111.5436  # Sasabe port of entry, AZ

STRIP_M = 18.288  # the 60-ft Roosevelt Reservation along the line
#: Buenos Aires National Wildlife Refuge: the strip along its 5.5-mile border frontage
#: east of Sasabe, about one mile deep, closed to the public since 6 October 2006
#: (~3,500 acres; U.S. Fish and Wildlife Service closure notice)
REFUGE_FRONTAGE_M = 5.5 * 1609.344
REFUGE_CLOSED_DEPTH_M = 1609.344
BUFFERS_M = (1_000.0, 3_000.0)
VERSION = "2026.11.2"

_to_utm = to_metric
_to_wgs = to_wgs84


def transform(fn: Any, geom: Any) -> Any:
    """Reproject a geometry with a pyproj ``transform`` function."""
    return shapely.transform(geom, fn, interleaved=False)


def boundary_line() -> LineString:
    """The boundary from the Nogales port of entry west to the Sasabe port of entry (WGS84)."""
    return LineString(
        [(NOGALES_LON, PARALLEL_LAT), (TURN_LON, PARALLEL_LAT), (SASABE_LON, line_lat(SASABE_LON))]
    )


def north_side(line_utm: LineString, metres: float) -> Polygon:
    """The band ``metres`` deep on the US (north) side of a west-running line."""
    band = shapely.buffer(line_utm, metres, single_sided=True)
    if band.centroid.y < line_utm.centroid.y:  # single-sided picks the left: make it north
        band = shapely.buffer(line_utm, -metres, single_sided=True)
    return band


def north_of(line_utm: LineString, metres: float) -> Polygon:
    """Everything up to ``metres`` due north of the line (no offset-curve artefacts)."""
    coords = list(line_utm.coords)
    (x0, y0), (x1, y1) = coords[0], coords[-1]
    return Polygon([*coords, (x1, y1 + metres), (x0, y0 + metres)])


def _feature(zid: str, name: str, zone_type: str, geom_utm: Any, **props: Any) -> dict[str, Any]:
    # Densify first, so edges stay on the line after reprojection (straight in one CRS is
    # curved in the other: ~30 m apart over this stretch without it).
    geom = transform(_to_wgs, shapely.segmentize(geom_utm, 100.0))
    geom = shapely.set_precision(geom, 1e-7)
    return {
        "type": "Feature",
        "id": zid,
        "properties": {"id": zid, "name": name, "zone_type": zone_type, **props},
        "geometry": mapping(geom),
    }


def port_area(line_utm: LineString, lon: float, half_w: float, depth: float) -> Polygon:
    """The rectangle north of the line at a port: ``2 * half_w`` along it, ``depth`` deep.

    Aligned with the line where the port stands (on the diagonal too), so the whole
    width of the port lies on the line; past an end of ``line_utm`` it continues
    straight, as the boundary does.
    """
    at = line_utm.project(shapely.Point(*_to_utm(lon, line_lat(lon))))
    (ax, ay), (bx, by) = (line_utm.interpolate(min(max(at + d, 0.0), line_utm.length)).coords[0]
                          for d in (-1.0, 1.0))
    length = math.hypot(bx - ax, by - ay)
    ux, uy = (bx - ax) / length, (by - ay) / length
    nx, ny = (-uy, ux) if ux > 0 else (uy, -ux)  # the normal that points north
    px, py = line_utm.interpolate(at).coords[0]
    return Polygon([(px - half_w * ux, py - half_w * uy), (px + half_w * ux, py + half_w * uy),
                    (px + half_w * ux + depth * nx, py + half_w * uy + depth * ny),
                    (px - half_w * ux + depth * nx, py - half_w * uy + depth * ny)])


def line_lat(lon: float) -> float:
    """Latitude of the boundary at ``lon`` (the parallel east of the turn, the diagonal west)."""
    if lon >= TURN_LON:
        return PARALLEL_LAT
    return PARALLEL_LAT + (lon - TURN_LON) / (COLORADO[0] - TURN_LON) * (COLORADO[1] - PARALLEL_LAT)


def build() -> dict[str, Any]:
    """The FeatureCollection of every bundled zone."""
    line = transform(_to_utm, shapely.segmentize(boundary_line(), 0.001))
    feats = [
        _feature(
            "strip-nog-sas", "Roosevelt Reservation, Nogales to Sasabe", "border_strip",
            north_side(line, STRIP_M), width_m=STRIP_M,
        )
    ]
    for m in BUFFERS_M:
        km = int(m // 1000)
        feats.append(
            _feature(f"buffer-{km}km", f"{km} km buffer behind the line", "buffer",
                     north_side(line, m), depth_m=m)
        )
    feats.append(
        _feature("poe-nogales-deconcini", "Nogales (DeConcini) port of entry", "port_of_entry",
                 port_area(line, NOGALES_LON, 250, 400))
    )
    feats.append(
        _feature("poe-sasabe", "Sasabe port of entry", "port_of_entry",
                 port_area(line, SASABE_LON, 150, 300))
    )
    # Buenos Aires NWR closed area: the line east of the Sasabe port, one mile deep.
    from_sasabe = shapely.ops.substring(line, line.length - 150.0 - REFUGE_FRONTAGE_M,
                                        line.length - 150.0)
    feats.append(
        _feature("closed-buenos-aires-nwr", "Buenos Aires NWR closed area (no public entry)",
                 "restricted", north_side(from_sasabe, REFUGE_CLOSED_DEPTH_M),
                 since="2006-10-06", area_acres=3500)
    )
    # Sycamore Canyon / Atascosa Mountains wildlife corridor (Coronado NF), across the line.
    corridor_x, corridor_y = _to_utm(-111.2100, PARALLEL_LAT + 0.02)
    feats.append(
        _feature("corridor-sycamore", "Sycamore Canyon wildlife corridor", "wildlife_corridor",
                 box(corridor_x - 1500, corridor_y - 3000, corridor_x + 1500, corridor_y + 6000),
                 active="always")
    )
    # Areas of responsibility: the stretch split at 111°15'W between two stations.
    split_x, _ = _to_utm(-111.25, PARALLEL_LAT)
    deep = north_of(line, 20_000.0)
    xmin, ymin, xmax, ymax = deep.bounds
    feats.append(
        _feature("sector-nogales", "Nogales station area", "patrol_sector",
                 deep.intersection(box(split_x, ymin, xmax + 1, ymax)), sector="nogales")
    )
    feats.append(
        _feature("sector-sasabe", "Sasabe (Three Points) station area", "patrol_sector",
                 deep.intersection(box(xmin - 1, ymin, split_x, ymax)), sector="sasabe")
    )
    return {
        "type": "FeatureCollection",
        "borderwatch": {
            "name": "nogales-sasabe",
            "version": VERSION,
            "crs_for_distances": UTM12N,
            "sources": [
                "Gadsden Purchase treaty (1853), Art. I: boundary along 31°20'N to 111°W "
                "then a straight line to the Colorado River 20 miles below the Gila",
                "International Boundary Commission resurvey 1891-96: turn at 111°04'59\"W",
                "Presidential proclamation of 27 May 1907 (Roosevelt Reservation, 60 ft)",
                "CBP port of entry locations: Nogales DeConcini, Sasabe",
                "U.S. Fish and Wildlife Service, Buenos Aires NWR closure of 6 Oct 2006: "
                "~3,500 acres along the refuge's 5.5-mile border frontage east of Sasabe",
            ],
        },
        "features": feats,
    }


def main(out: Path | None = None) -> Path:
    out = out or Path(__file__).parent / "data" / "nogales-sasabe.geojson"
    out.write_bytes(orjson.dumps(build(), option=orjson.OPT_INDENT_2) + b"\n")
    return out


if __name__ == "__main__":
    print(main())
