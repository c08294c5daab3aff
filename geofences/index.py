"""Geofence sets and a vectorised point-in-zone index.

A :class:`GeofenceSet` is immutable and versioned. Its index is a shapely 2 STRtree over
prepared geometries, plus a :class:`~geofences.grid.CellGrid` built from the tree that
answers batches of points with numpy and one vectorised ``intersects_xy`` call.

>>> import numpy as np
>>> fences = GeofenceSet.load_bundled()
>>> pts, zones = fences.locate(np.array([-111.0]), np.array([31.33341]))
>>> sorted(fences.zones[z].zone_type for z in zones)
['border_strip', 'buffer', 'buffer', 'patrol_sector']
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import orjson
import shapely
from shapely.geometry.base import BaseGeometry

from geofences.frame import Frame, metric_crs_for
from geofences.grid import CellGrid
from geofences.windows import TimeWindow

ZONE_TYPES = (
    "border_strip",
    "buffer",
    "port_of_entry",
    "wildlife_corridor",
    "patrol_sector",
    "restricted",
)
#: The zone type of the boundary line(s): LineString/MultiLineString features with a
#: ``home_side`` property (``left`` or ``right`` of the line's direction); not a zone.
BOUNDARY = "boundary"
BUNDLED = "nogales-sasabe"
IntArray = npt.NDArray[np.intp]


@dataclass(frozen=True, slots=True)
class Zone:
    """One geofence: an id, a type from :data:`ZONE_TYPES`, and its WGS84 geometry.

    ``window`` (from the ``active`` property) limits when the fence is in force.
    """

    id: str
    name: str
    zone_type: str
    geometry: BaseGeometry
    sector: str | None = None
    properties: dict[str, Any] = field(default_factory=dict)
    window: TimeWindow | None = None

    def number(self, key: str, default: float) -> float:
        """A numeric property such as ``hysteresis_m`` or ``dwell_s``, else ``default``."""
        value = self.properties.get(key)
        return float(value) if isinstance(value, int | float) else default


@dataclass(frozen=True)
class GeofenceSet:
    """An immutable, versioned set of zones with a spatial index over them."""

    version: str
    zones: tuple[Zone, ...]
    tree: shapely.STRtree
    grid: CellGrid | None = field(default=None, repr=False, compare=False)
    metric_crs: str = ""
    source: dict[str, Any] | None = field(default=None, repr=False, compare=False)
    #: The boundary line(s) (WGS84) and which side of each is home (``left``/``right``).
    boundary: tuple[tuple[BaseGeometry, str], ...] = field(default=(), compare=False)

    @classmethod
    def from_zones(
        cls,
        version: str,
        zones: list[Zone] | tuple[Zone, ...],
        *,
        metric_crs: str = "",
        source: dict[str, Any] | None = None,
        boundary: tuple[tuple[BaseGeometry, str], ...] = (),
    ) -> GeofenceSet:
        geoms = np.array([z.geometry for z in zones], dtype=object)
        shapely.prepare(geoms)
        tree = shapely.STRtree(geoms)
        every = np.array([*geoms, *(g for g, _ in boundary)], dtype=object)
        extent = tuple(shapely.total_bounds(every)) if len(every) else (0.0, 0.0, 0.0, 0.0)
        return cls(
            version=version, zones=tuple(zones), tree=tree, grid=CellGrid.build(tree, geoms),
            metric_crs=metric_crs or metric_crs_for(extent),
            source=source, boundary=tuple(boundary),
        )

    @classmethod
    def from_geojson(cls, doc: dict[str, Any]) -> GeofenceSet:
        """Build from a GeoJSON FeatureCollection (RFC 7946: longitude first).

        Trusts its input: run :func:`geofences.validate.validate` on untrusted documents.
        """
        zones = []
        boundary = []
        for feat in doc["features"]:
            props = dict(feat.get("properties") or {})
            geom = shapely.from_geojson(json.dumps(feat["geometry"]))
            if props.get("zone_type") == BOUNDARY:
                boundary.append((geom, str(props.get("home_side"))))
                continue
            zones.append(
                Zone(
                    id=str(props.pop("id", feat.get("id"))),
                    name=str(props.pop("name", "")),
                    zone_type=str(props.pop("zone_type")),
                    sector=props.pop("sector", None),
                    geometry=geom,
                    properties=props,
                    window=TimeWindow.parse(props.get("active")),
                )
            )
        meta = doc.get("borderwatch") or {}
        version = str(meta.get("version") or content_version(doc))
        return cls.from_zones(
            version, zones, metric_crs=str(meta.get("crs_for_distances") or ""), source=doc,
            boundary=tuple(boundary),
        )

    @classmethod
    def load(cls, path: str | Path) -> GeofenceSet:
        return cls.from_geojson(orjson.loads(Path(path).read_bytes()))

    @classmethod
    def load_bundled(cls, name: str = BUNDLED) -> GeofenceSet:
        return cls.from_geojson(bundled_doc(name))

    @property
    def timezone(self) -> str | None:
        """The set's local time zone (IANA name, ``borderwatch.timezone``), if it names one."""
        tz = ((self.source or {}).get("borderwatch") or {}).get("timezone")
        return str(tz) if tz else None

    @cached_property
    def frame(self) -> Frame:
        """The metric CRS and the boundary in it (see :mod:`geofences.frame`)."""
        return Frame(self.metric_crs, self.boundary)

    def locate(
        self, lon: npt.ArrayLike, lat: npt.ArrayLike, at: npt.ArrayLike | None = None
    ) -> tuple[IntArray, IntArray]:
        """All (point index, zone index) pairs where a point lies in or on a zone.

        Pairs are sorted by point. With ``at`` (epoch seconds, one per point or one for
        all) fences whose time window is closed at that time are left out.
        """
        x = np.ascontiguousarray(lon, dtype=float).reshape(-1)
        y = np.ascontiguousarray(lat, dtype=float).reshape(-1)
        if self.grid is not None:
            pts, zones = self.grid.query(x, y)
        else:  # envelopes from the tree, then exact tests on the prepared zones
            pts, zones = self.tree.query(shapely.points(x, y))
            hit = shapely.intersects_xy(self.tree.geometries[zones], x[pts], y[pts])
            pts, zones = pts[hit], zones[hit]
        if at is None or not self.windowed:
            return pts, zones
        return self._in_force(pts, zones, np.broadcast_to(np.asarray(at, float), x.shape))

    def sectors(self, pts: IntArray, zones: IntArray, n: int) -> list[str | None]:
        """The patrol sector of each of ``n`` points, from a :meth:`locate` result: that of
        the first patrol-sector zone (in zone order) holding it, ``None`` outside all."""
        best: dict[int, int] = {}
        for p, z in zip(pts.tolist(), zones.tolist(), strict=True):
            zone = self.zones[z]
            if zone.zone_type == "patrol_sector" and zone.sector and z < best.get(p, z + 1):
                best[p] = z
        return [self.zones[best[p]].sector if p in best else None for p in range(n)]

    def _in_force(
        self, pts: IntArray, zones: IntArray, ts: npt.NDArray[np.float64]
    ) -> tuple[IntArray, IntArray]:
        keep = np.ones(len(pts), dtype=bool)
        for z in np.unique(zones):
            window = self.zones[z].window
            if window is not None:
                sel = np.flatnonzero(zones == z)
                keep[sel] = window.active(ts[pts[sel]])
        return pts[keep], zones[keep]

    def in_force(self, index: int, ts: float) -> bool:
        """Whether zone ``index`` is in force at ``ts`` (always true without a window)."""
        window = self.zones[index].window
        return window is None or window.active_at(ts)

    @cached_property
    def windowed(self) -> bool:
        return any(z.window is not None for z in self.zones)

    @cached_property
    def ids(self) -> dict[str, int]:
        """Zone id -> zone index."""
        return {z.id: i for i, z in enumerate(self.zones)}

    @cached_property
    def id_set(self) -> frozenset[str]:
        return frozenset(self.ids)

    def zones_of_type(self, *types: str) -> list[int]:
        return [i for i, z in enumerate(self.zones) if z.zone_type in types]

    # --- metric CRS: distances in metres, never degrees -------------------
    def to_metric(
        self, lon: npt.ArrayLike, lat: npt.ArrayLike
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Project WGS84 coordinates into the set's metric CRS (metres)."""
        return self.frame.to_metric(lon, lat)

    @cached_property
    def _metric_geoms(self) -> dict[int, BaseGeometry]:
        return {}

    def metric_geometry(self, index: int) -> BaseGeometry:
        """Zone ``index`` projected into the metric CRS (cached, prepared)."""
        cache = self._metric_geoms
        if index not in cache:
            g = self.frame.geometry_to_metric(self.zones[index].geometry)
            shapely.prepare(g)
            cache[index] = g
        return cache[index]

    def distance_m(self, index: int, lon: float, lat: float) -> float:
        """Metres from a point to zone ``index`` (0 inside)."""
        x, y = self.to_metric(lon, lat)
        point = shapely.Point(float(x), float(y))
        return float(shapely.distance(self.metric_geometry(index), point))


def bundled_names() -> list[str]:
    """The names of the bundled sets (``geofences/data/<name>.geojson``)."""
    data = resources.files("geofences").joinpath("data")
    return sorted(p.name.removesuffix(".geojson") for p in data.iterdir()
                  if p.name.endswith(".geojson"))


def bundled_doc(name: str) -> dict[str, Any]:
    """The GeoJSON document of a bundled set, by name (``nogales-sasabe``)."""
    name = name.removesuffix(".geojson")
    if name not in bundled_names():
        raise ValueError(f"no bundled geofence set {name!r} "
                         f"(bundled: {', '.join(bundled_names())})")
    return dict(orjson.loads(resources.files("geofences").joinpath(
        "data", f"{name}.geojson").read_bytes()))


def set_document(ref: str | Path) -> dict[str, Any]:
    """The GeoJSON document of a set given by bundled name (``new-mexico``) or file path;
    ValueError (one line) when it is neither, or the file is not JSON."""
    text = str(ref)
    if text.removesuffix(".geojson") in bundled_names() and not Path(text).is_file():
        return bundled_doc(text)
    path = Path(text)
    if not path.is_file():
        raise ValueError(f"no geofence set {text!r}: neither a bundled set "
                         f"({', '.join(bundled_names())}) nor a file")
    try:
        doc = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise ValueError(f"{path}: not JSON ({exc})") from exc
    if not isinstance(doc, dict):
        raise ValueError(f"{path}: not a GeoJSON FeatureCollection")
    return doc


@lru_cache(maxsize=8)
def _named(name: str) -> GeofenceSet:
    return GeofenceSet.from_geojson(bundled_doc(name))


def open_set(ref: str | Path) -> GeofenceSet:
    """A set by bundled name (loaded once) or file path (trusted: validate untrusted ones)."""
    text = str(ref)
    if text.removesuffix(".geojson") in bundled_names() and not Path(text).is_file():
        return _named(text.removesuffix(".geojson"))
    return GeofenceSet.from_geojson(set_document(text))


def content_version(doc: dict[str, Any]) -> str:
    """A short, stable hash of the features, used when a file names no version."""
    blob = orjson.dumps(doc.get("features", []), option=orjson.OPT_SORT_KEYS)
    return "sha-" + hashlib.sha256(blob).hexdigest()[:12]
