"""Nogales (DeConcini) to Sasabe, Arizona: facts and zones (see geofences/data/README.md)."""

from __future__ import annotations

from typing import Any

import shapely
import shapely.ops
from shapely.geometry import LineString, Polygon, box

from geofences.build import (
    BUFFERS_M,
    STRIP_M,
    boundary_feature,
    collection,
    feature,
    frame_for,
    home_band,
    port_area,
)

#: The boundary west of Nogales follows the parallel 31°20'N to 111°04'59"W, then runs
#: in a straight line to the Colorado River at 32°29'38"N, 114°48'47"W (1853 Gadsden
#: Purchase treaty, as resurveyed by the International Boundary Commission, 1891-96).
PARALLEL_LAT = 31 + 20 / 60
TURN_LON = -(111 + 4 / 60 + 59 / 3600)
COLORADO = (-(114 + 48 / 60 + 47 / 3600), 32 + 29 / 60 + 38 / 3600)
NOGALES_LON = -110.9400  # DeConcini port of entry, Nogales AZ
SASABE_LON = -111.5436  # Sasabe port of entry, AZ
#: Buenos Aires National Wildlife Refuge: the strip along its 5.5-mile border frontage
#: east of Sasabe, about one mile deep, closed to the public since 6 October 2006
#: (~3,500 acres; U.S. Fish and Wildlife Service closure notice)
REFUGE_FRONTAGE_M = 5.5 * 1609.344
REFUGE_CLOSED_DEPTH_M = 1609.344
VERSION = "2026.12.1"


def line_lat(lon: float) -> float:
    """Latitude of the boundary at ``lon`` (the parallel east of the turn, the diagonal west)."""
    if lon >= TURN_LON:
        return PARALLEL_LAT
    return PARALLEL_LAT + (lon - TURN_LON) / (COLORADO[0] - TURN_LON) * (COLORADO[1] - PARALLEL_LAT)


def boundary_line() -> LineString:
    """The boundary from the Nogales port of entry west to the Sasabe port of entry (WGS84)."""
    return LineString(
        [(NOGALES_LON, PARALLEL_LAT), (TURN_LON, PARALLEL_LAT), (SASABE_LON, line_lat(SASABE_LON))]
    )


def north_of(line_m: LineString, metres: float) -> Polygon:
    """Everything up to ``metres`` due north of the line (no offset-curve artefacts)."""
    coords = list(line_m.coords)
    (x0, y0), (x1, y1) = coords[0], coords[-1]
    return Polygon([*coords, (x1, y1 + metres), (x0, y0 + metres)])


def build() -> dict[str, Any]:
    """The FeatureCollection of the Nogales-Sasabe set."""
    wgs = boundary_line()
    frame = frame_for(wgs)
    line = frame.line
    assert isinstance(line, LineString)
    feats = [
        boundary_feature("boundary-nog-sas", "US-Mexico boundary, Nogales to Sasabe", wgs),
        feature(frame, "strip-nog-sas", "Roosevelt Reservation, Nogales to Sasabe",
                "border_strip", home_band(line, STRIP_M), width_m=STRIP_M),
    ]
    for m in BUFFERS_M:
        km = int(m // 1000)
        feats.append(feature(frame, f"buffer-{km}km", f"{km} km buffer behind the line",
                             "buffer", home_band(line, m), depth_m=m))
    feats.append(feature(frame, "poe-nogales-deconcini", "Nogales (DeConcini) port of entry",
                         "port_of_entry", port_area(frame, NOGALES_LON, PARALLEL_LAT, 250, 400)))
    feats.append(feature(frame, "poe-sasabe", "Sasabe port of entry", "port_of_entry",
                         port_area(frame, SASABE_LON, line_lat(SASABE_LON), 150, 300)))
    # Buenos Aires NWR closed area: the line east of the Sasabe port, one mile deep.
    from_sasabe = shapely.ops.substring(line, line.length - 150.0 - REFUGE_FRONTAGE_M,
                                        line.length - 150.0)
    feats.append(feature(frame, "closed-buenos-aires-nwr",
                         "Buenos Aires NWR closed area (no public entry)", "restricted",
                         home_band(from_sasabe, REFUGE_CLOSED_DEPTH_M),
                         since="2006-10-06", area_acres=3500))
    # Sycamore Canyon / Atascosa Mountains wildlife corridor (Coronado NF), across the line.
    cx, cy = (float(v[0]) for v in frame.to_metric([-111.2100], [PARALLEL_LAT + 0.02]))
    feats.append(feature(frame, "corridor-sycamore", "Sycamore Canyon wildlife corridor",
                         "wildlife_corridor", box(cx - 1500, cy - 3000, cx + 1500, cy + 6000),
                         active="always"))
    # Areas of responsibility: the stretch split at 111°15'W between two stations.
    split_x = float(frame.to_metric([-111.25], [PARALLEL_LAT])[0][0])
    deep = north_of(line, 20_000.0)
    xmin, ymin, xmax, ymax = deep.bounds
    feats.append(feature(frame, "sector-nogales", "Nogales station area", "patrol_sector",
                         deep.intersection(box(split_x, ymin, xmax + 1, ymax)), sector="nogales"))
    feats.append(feature(frame, "sector-sasabe", "Sasabe (Three Points) station area",
                         "patrol_sector", deep.intersection(box(xmin - 1, ymin, split_x, ymax)),
                         sector="sasabe"))
    return collection("nogales-sasabe", VERSION, frame, [
        "Gadsden Purchase treaty (1853), Art. I: boundary along 31°20'N to 111°W "
        "then a straight line to the Colorado River 20 miles below the Gila",
        "International Boundary Commission resurvey 1891-96: turn at 111°04'59\"W",
        "Presidential proclamation of 27 May 1907 (Roosevelt Reservation, 60 ft)",
        "CBP port of entry locations: Nogales DeConcini, Sasabe",
        "U.S. Fish and Wildlife Service, Buenos Aires NWR closure of 6 Oct 2006: "
        "~3,500 acres along the refuge's 5.5-mile border frontage east of Sasabe",
    ], feats, timezone="America/Phoenix")
