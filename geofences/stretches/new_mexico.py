"""New Mexico: Santa Teresa west along 31°47'N to the bootheel corner, south to 31°20'N,
then west to the Arizona line (see geofences/data/README.md for the sources)."""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely
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
from geofences.frame import Frame

#: Gadsden Purchase treaty (1853), Art. I: from the Rio Grande "due west one hundred
#: miles" along 31°47'N, "thence south to the parallel of 31°20'", thence west along it;
#: the surveyed corner of the bootheel stands at 108°12'30"W, the Arizona line at 109°03'W.
NORTH_LAT = 31 + 47 / 60
SOUTH_LAT = 31 + 20 / 60
CORNER_LON = -(108 + 12 / 60 + 30 / 3600)
ARIZONA_LON = -(109 + 3 / 60)
START_LON = -106.6000  # a few km east of the Santa Teresa port, west of Sunland Park
SANTA_TERESA_LON = -106.6797
COLUMBUS_LON = -107.6356
ANTELOPE_WELLS_LON = -108.5311
#: Jaguar critical habitat, Peloncillo unit (USFWS final rule, 5 March 2014): the
#: Peloncillo Mountains reach the line at the bootheel's west end.
PELONCILLO_LON = -108.9700
#: Border Patrol El Paso Sector stations (illustrative areas of responsibility)
SANTA_TERESA_WEST_LON = -107.3000
VERSION = "2026.12.1"


def boundary_line() -> LineString:
    """The boundary from east of Santa Teresa to the Arizona line (WGS84), US on the right."""
    return LineString([(START_LON, NORTH_LAT), (CORNER_LON, NORTH_LAT),
                       (CORNER_LON, SOUTH_LAT), (ARIZONA_LON, SOUTH_LAT)])


def lon_band(frame: Frame, west: float, east: float, south: float, north: float) -> Polygon:
    """The lon/lat box ``west..east``, ``south..north`` in metres (edges densified)."""
    wgs = shapely.segmentize(box(west, south, east, north), 0.005)
    c = np.asarray(shapely.get_coordinates(wgs))
    x, y = frame.to_metric(c[:, 0], c[:, 1])
    return Polygon(np.column_stack([x, y]))


def build() -> dict[str, Any]:
    """The FeatureCollection of the New Mexico set."""
    wgs = boundary_line()
    frame = frame_for(wgs)
    line = frame.line
    assert isinstance(line, LineString)
    feats = [
        boundary_feature("boundary-nm", "US-Mexico boundary, Santa Teresa to the Arizona line",
                         wgs),
        feature(frame, "nm-strip", "Roosevelt Reservation, New Mexico", "border_strip",
                home_band(line, STRIP_M), width_m=STRIP_M),
    ]
    for m in BUFFERS_M:
        km = int(m // 1000)
        feats.append(feature(frame, f"nm-buffer-{km}km", f"{km} km buffer behind the line",
                             "buffer", home_band(line, m), depth_m=m))
    for zid, name, lon, lat, half_w, depth in (
        ("poe-santa-teresa", "Santa Teresa port of entry", SANTA_TERESA_LON, NORTH_LAT, 250, 400),
        ("poe-columbus", "Columbus port of entry", COLUMBUS_LON, NORTH_LAT, 200, 300),
        ("poe-antelope-wells", "Antelope Wells port of entry", ANTELOPE_WELLS_LON, SOUTH_LAT,
         100, 200),
    ):
        feats.append(feature(frame, zid, name, "port_of_entry",
                             port_area(frame, lon, lat, half_w, depth)))
    cx, cy = (float(v[0]) for v in frame.to_metric([PELONCILLO_LON], [SOUTH_LAT + 0.02]))
    feats.append(feature(frame, "corridor-peloncillo", "Peloncillo Mountains jaguar corridor",
                         "wildlife_corridor",
                         box(cx - 2000, cy - 4000, cx + 2000, cy + 8000), active="always"))
    deep = home_band(line, 20_000.0)
    south, north = SOUTH_LAT - 0.5, NORTH_LAT + 0.5
    for zid, name, sector, west, east in (
        ("sector-santa-teresa", "Santa Teresa station area", "santa-teresa",
         SANTA_TERESA_WEST_LON, START_LON + 0.5),
        ("sector-deming", "Deming station area (Columbus)", "deming",
         CORNER_LON, SANTA_TERESA_WEST_LON),
        ("sector-lordsburg", "Lordsburg station area (bootheel)", "lordsburg",
         ARIZONA_LON - 0.5, CORNER_LON),
    ):
        feats.append(feature(frame, zid, name, "patrol_sector",
                             deep.intersection(lon_band(frame, west, east, south, north)),
                             sector=sector))
    return collection("new-mexico", VERSION, frame, [
        "Gadsden Purchase treaty (1853), Art. I: from the Rio Grande due west 100 miles "
        "along 31°47'N, south to 31°20'N, then west along that parallel",
        "Boundary survey (International Boundary Commission 1891-96): the bootheel corner "
        "at 31°47'N 108°12'30\"W and 31°20'N 108°12'30\"W; Arizona line at 109°03'W",
        "Presidential proclamation of 27 May 1907 (Roosevelt Reservation, 60 ft)",
        "CBP port of entry locations: Santa Teresa, Columbus, Antelope Wells (NM)",
        "U.S. Fish and Wildlife Service, jaguar critical habitat final rule (5 March 2014): "
        "Peloncillo unit, Hidalgo County NM",
        "U.S. Border Patrol El Paso Sector stations Santa Teresa, Deming, Lordsburg "
        "(illustrative areas of responsibility)",
    ], feats, timezone="America/Denver")
