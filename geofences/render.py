"""Draw a geofence set to a PNG so a person can check it at a glance (matplotlib, Agg)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import shapely
from matplotlib.patches import Patch, PathPatch
from matplotlib.path import Path as MplPath

from geofences.index import ZONE_TYPES, GeofenceSet

COLOURS = {
    "patrol_sector": "#9ecae1",
    "buffer": "#fdd0a2",
    "wildlife_corridor": "#74c476",
    "port_of_entry": "#6a51a3",
    "border_strip": "#d62728",
    "restricted": "#000000",
}
#: drawn bottom to top, so small zones stay visible over large ones
ORDER = ("patrol_sector", "buffer", "wildlife_corridor", "port_of_entry", "restricted",
         "border_strip")


def _path(geom: shapely.Geometry) -> MplPath:
    verts: list[tuple[float, float]] = []
    codes: list[Any] = []
    for poly in shapely.get_parts(geom):
        if poly.geom_type != "Polygon":
            continue
        for ring in (poly.exterior, *poly.interiors):
            xy = list(ring.coords)
            verts.extend(xy)
            codes.extend([MplPath.MOVETO] + [MplPath.LINETO] * (len(xy) - 2) + [MplPath.CLOSEPOLY])
    return MplPath(verts, codes)


def render(fences: GeofenceSet, out: Path, title: str | None = None) -> Path:
    """Write ``out`` (PNG) with every zone coloured by type and labelled by id."""
    fig, ax = plt.subplots(figsize=(12, 6), dpi=120)
    rank = {t: i for i, t in enumerate(ORDER)}
    for zone in sorted(fences.zones, key=lambda z: rank.get(z.zone_type, 0)):
        colour = COLOURS.get(zone.zone_type, "#888888")
        thin = zone.zone_type == "border_strip"
        ax.add_patch(PathPatch(
            _path(zone.geometry), facecolor=colour, edgecolor="#d62728" if thin else colour,
            alpha=1.0 if thin else 0.45, linewidth=1.6 if thin else 0.8,
        ))
        if zone.zone_type in ("port_of_entry", "wildlife_corridor", "restricted",
                              "patrol_sector"):
            c = zone.geometry.representative_point()
            ax.annotate(zone.id, (c.x, c.y), fontsize=7, ha="center")
    xmin, ymin, xmax, ymax = shapely.total_bounds([z.geometry for z in fences.zones])
    pad = 0.03 * max(xmax - xmin, ymax - ymin)
    ax.set_xlim(xmin - pad, xmax + pad)
    ax.set_ylim(ymin - pad, ymax + pad)
    # equal ground distances on both axes at this latitude
    ax.set_aspect(1 / math.cos(math.radians((ymin + ymax) / 2)))
    ax.set_xlabel("longitude (°E, WGS84)")
    ax.set_ylabel("latitude (°N)")
    ax.grid(True, linewidth=0.3)
    present = [t for t in ZONE_TYPES if any(z.zone_type == t for z in fences.zones)]
    ax.legend(handles=[Patch(color=COLOURS[t], label=t) for t in present], loc="upper right",
              fontsize=8)
    ax.set_title(title or f"Geofence set {fences.version}: {len(fences.zones)} zones")
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out)
    plt.close(fig)
    return out
