"""Check a geofence GeoJSON document before it is published; optionally repair geometry.

>>> doc = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties":
...     {"id": "a", "zone_type": "moat"}, "geometry": {"type": "Polygon", "coordinates":
...     [[[-111.0, 31.4], [-110.99, 31.4], [-110.99, 31.41], [-111.0, 31.4]]]}}]}
>>> [p.code for p in validate(doc).errors]
['unknown_zone_type', 'no_boundary']
>>> str(validate(doc).errors[0])
"feature 'a' (#0): unknown_zone_type: 'moat' is not one of border_strip, buffer, \
port_of_entry, wildlife_corridor, patrol_sector, restricted"
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import orjson
import shapely
from shapely.geometry import mapping, shape

from geofences.frame import HOME_SIDES
from geofences.index import BOUNDARY, ZONE_TYPES
from geofences.windows import TimeWindow, WindowError

#: Where fences are expected when the file does not say (``borderwatch.expected_area``):
#: the US-Mexico border region, lon/lat.
DEFAULT_AREA = (-118.0, 25.0, -96.0, 34.0)
FIXABLE = frozenset({"unclosed_ring", "invalid_geometry"})
NUMERIC_PROPS = ("hysteresis_m", "dwell_s")


@dataclass(frozen=True, slots=True)
class Problem:
    code: str
    feature: str  # id, or "" when the feature has none
    index: int  # position in the features array; -1 for the document
    message: str

    def __str__(self) -> str:
        if self.index < 0:
            return f"document: {self.code}: {self.message}"
        name = f"feature #{self.index}"
        if self.feature:
            name = f"feature {self.feature!r} (#{self.index})"
        return f"{name}: {self.code}: {self.message}"


@dataclass
class Report:
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def fixable(self) -> bool:
        return bool(self.errors) and all(p.code in FIXABLE for p in self.errors)


def _rings(geom: dict[str, Any]) -> Iterator[list[Any]]:
    coords = geom.get("coordinates")
    if geom.get("type") == "Polygon" and isinstance(coords, list):
        yield from coords
    elif geom.get("type") == "MultiPolygon" and isinstance(coords, list):
        for poly in coords:
            if isinstance(poly, list):
                yield from poly


def _positions_ok(rings: list[list[Any]]) -> bool:
    return all(
        isinstance(r, list) and all(
            isinstance(p, list) and len(p) >= 2
            and all(isinstance(c, int | float) and math.isfinite(c) for c in p[:2])
            for p in r
        )
        for r in rings
    )


def _in_area(lon: float, lat: float, area: tuple[float, ...]) -> bool:
    return area[0] <= lon <= area[2] and area[1] <= lat <= area[3]


def _known_zone(name: Any) -> bool:
    try:
        ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return isinstance(name, str)


def validate(doc: Any) -> Report:
    """Every problem in ``doc``; errors block publishing, warnings do not."""
    rep = Report()
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        rep.errors.append(Problem("not_feature_collection", "", -1,
                                  "the document must be a GeoJSON FeatureCollection"))
        return rep
    feats = doc.get("features")
    if not isinstance(feats, list) or not feats:
        rep.errors.append(Problem("no_features", "", -1, "'features' must be a non-empty list"))
        return rep
    meta = doc.get("borderwatch") or {}
    area = tuple(meta.get("expected_area") or DEFAULT_AREA)
    tz = meta.get("timezone")
    if tz is not None and not _known_zone(tz):
        rep.errors.append(Problem("bad_property", "", -1, f"borderwatch.timezone {tz!r} is not "
                                  "an IANA time zone name (e.g. 'America/Phoenix')"))
    seen: dict[str, int] = {}
    for i, feat in enumerate(feats):
        for p in _check_feature(i, feat, area, seen):
            (rep.warnings if p.code == "outside_expected_area" else rep.errors).append(p)
    types = [((f.get("properties") or {}).get("zone_type") if isinstance(f, dict) else None)
             for f in feats]
    if BOUNDARY not in types:
        rep.errors.append(Problem(
            "no_boundary", "", -1, f"no boundary: the set has {len(feats)} zone(s) but no "
            "feature with zone_type 'boundary' (a LineString along the border with "
            "home_side 'left' or 'right' of its direction), so crossings cannot be told"))
    return rep


def _check_feature(
    i: int, feat: Any, area: tuple[float, ...], seen: dict[str, int]
) -> Iterator[Problem]:
    if not isinstance(feat, dict) or feat.get("type") != "Feature":
        yield Problem("not_feature", "", i, "not a GeoJSON Feature")
        return
    props = feat.get("properties") or {}
    fid = props.get("id", feat.get("id"))
    name = str(fid) if fid is not None else ""

    def problem(code: str, message: str) -> Problem:
        return Problem(code, name, i, message)

    if fid is None or str(fid).strip() == "":
        yield problem("missing_id", "no 'id' property (or Feature id)")
    elif name in seen:
        yield problem("duplicate_id", f"id {name!r} is already used by feature #{seen[name]}")
    else:
        seen[name] = i
    zone_type = props.get("zone_type")
    if zone_type is None:
        yield problem("missing_zone_type", f"no 'zone_type' property ({', '.join(ZONE_TYPES)})")
    elif zone_type == BOUNDARY:
        if props.get("home_side") not in HOME_SIDES:
            got = props.get("home_side")
            yield problem("bad_home_side", "a boundary needs home_side 'left' or 'right' (the "
                          f"protected side, looking along the line), got {got!r}")
        yield from _check_line(feat.get("geometry"), area, problem)
        return
    elif zone_type not in ZONE_TYPES:
        yield problem("unknown_zone_type",
                      f"{zone_type!r} is not one of {', '.join(ZONE_TYPES)}")
    try:
        TimeWindow.parse(props.get("active"))
    except WindowError as exc:
        yield problem("bad_time_window", str(exc))
    for key in NUMERIC_PROPS:
        v = props.get(key)
        if v is not None and (not isinstance(v, int | float) or isinstance(v, bool) or v < 0):
            yield problem("bad_property", f"{key!r} must be a number >= 0, got {v!r}")
    yield from _check_geometry(feat.get("geometry"), area, problem)


def _check_geometry(geom: Any, area: tuple[float, ...], problem: Any) -> Iterator[Problem]:
    if not isinstance(geom, dict) or geom.get("type") not in ("Polygon", "MultiPolygon"):
        kind = geom.get("type") if isinstance(geom, dict) else type(geom).__name__
        yield problem("unsupported_geometry",
                      f"geometry must be a Polygon or MultiPolygon, got {kind}")
        return
    rings = list(_rings(geom))
    if not rings or not _positions_ok(rings):
        yield problem("bad_coordinates",
                      "coordinates must be rings of [longitude, latitude] numbers")
        return
    pts = [(float(p[0]), float(p[1])) for r in rings for p in r]
    bad = next(((x, y) for x, y in pts if not (-180 <= x <= 180 and -90 <= y <= 90)), None)
    swapped_in_area = all(_in_area(y, x, area) for x, y in pts)
    if bad is not None:
        where = f"position [{bad[0]}, {bad[1]}] is outside lon -180..180 / lat -90..90"
        if swapped_in_area:
            yield problem("swapped_lat_lon", f"{where}: latitude/longitude look swapped "
                          "(GeoJSON, RFC 7946, wants longitude first)")
        else:
            yield problem("out_of_range", where)
        return
    if not all(_in_area(x, y, area) for x, y in pts):
        if swapped_in_area:
            yield problem("swapped_lat_lon",
                          "coordinates look like [latitude, longitude]: GeoJSON (RFC 7946) "
                          f"wants longitude first; e.g. [{pts[0][0]}, {pts[0][1]}]")
            return
        yield problem("outside_expected_area",
                      f"lies (partly) outside the expected area {list(area)}")
    for k, ring in enumerate(rings):
        if len(ring) < 4:
            yield problem("too_few_positions", f"ring {k} has {len(ring)} positions (>= 4 needed)")
            return
        if list(ring[0][:2]) != list(ring[-1][:2]):
            yield problem("unclosed_ring",
                          f"ring {k} is not closed: first {ring[0]} != last {ring[-1]}")
            return
    g = shape(geom)
    if not shapely.is_valid(g):
        yield problem("invalid_geometry", shapely.is_valid_reason(g))


def _check_line(geom: Any, area: tuple[float, ...], problem: Any) -> Iterator[Problem]:
    kind = geom.get("type") if isinstance(geom, dict) else type(geom).__name__
    if kind not in ("LineString", "MultiLineString"):
        yield problem("unsupported_geometry",
                      f"a boundary must be a LineString or MultiLineString, got {kind}")
        return
    coords = geom.get("coordinates")
    lines = coords if kind == "MultiLineString" else [coords]
    if not isinstance(lines, list) or not lines or not _positions_ok(lines):
        yield problem("bad_coordinates", "coordinates must be [longitude, latitude] numbers")
        return
    pts = [(float(p[0]), float(p[1])) for ln in lines for p in ln]
    if not all(_in_area(x, y, area) for x, y in pts):
        if all(_in_area(y, x, area) for x, y in pts):
            yield problem("swapped_lat_lon", "coordinates look like [latitude, longitude]: "
                          "GeoJSON (RFC 7946) wants longitude first")
            return
        if not all(-180 <= x <= 180 and -90 <= y <= 90 for x, y in pts):
            yield problem("out_of_range", "a position is outside lon -180..180 / lat -90..90")
            return
        yield problem("outside_expected_area",
                      f"lies (partly) outside the expected area {list(area)}")
    if any(len({tuple(p[:2]) for p in ln}) < 2 for ln in lines):
        yield problem("too_few_positions", "each line needs at least 2 distinct positions")


def fix(doc: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Close unclosed rings and ``make_valid`` invalid polygons; returns the new doc and notes."""
    out = copy.deepcopy(doc)
    notes: list[str] = []
    for i, feat in enumerate(out.get("features") or []):
        geom = feat.get("geometry") if isinstance(feat, dict) else None
        if not isinstance(geom, dict) or geom.get("type") not in ("Polygon", "MultiPolygon"):
            continue
        rings = list(_rings(geom))
        if not _positions_ok(rings):
            continue
        label = (feat.get("properties") or {}).get("id", f"#{i}")
        for ring in rings:
            if len(ring) >= 3 and list(ring[0][:2]) != list(ring[-1][:2]):
                ring.append(list(ring[0]))
                notes.append(f"{label}: closed a ring")
        if any(len(r) < 4 for r in rings):
            continue
        g = shape(geom)
        if not shapely.is_valid(g):
            fixed = shapely.make_valid(g)
            polys = shapely.get_parts(fixed)
            polys = [p for p in polys if p.geom_type in ("Polygon", "MultiPolygon")]
            if polys:
                merged = shapely.union_all(polys)
                feat["geometry"] = orjson.loads(orjson.dumps(mapping(merged)))
                notes.append(f"{label}: {shapely.is_valid_reason(g)} -> made valid "
                             f"({merged.geom_type})")
    return out, notes
