"""Draw a geofence set to a PNG so a person can check it at a glance (matplotlib, Agg).

Drawn in the set's metric frame (kilometres, equal on both axes), with the boundary and
small ticks pointing to its home side."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
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


def _km(geom: shapely.Geometry) -> shapely.Geometry:
    return shapely.transform(geom, lambda xy: xy / 1000.0)


def _boundary(ax: Any, fences: GeofenceSet) -> None:
    """The line, and every ~1/40 of it a short tick towards the home side."""
    f = fences.frame
    if not f.has_boundary:
        return
    for part in f.parts:
        ax.plot(part[:, 0] / 1000, part[:, 1] / 1000, color="#08306b", linewidth=1.4)
    along = np.linspace(0.0, f.length, 41)[1:-1]
    x0, y0 = f.point(along)
    x1, y1 = f.point(along, f.length / 150)
    for a, b, c, d in zip(x0, y0, x1, y1, strict=True):
        ax.plot([a / 1000, c / 1000], [b / 1000, d / 1000], color="#08306b", linewidth=0.8)


def render(fences: GeofenceSet, out: Path, title: str | None = None) -> Path:
    """Write ``out`` (PNG) with every zone coloured by type and labelled by id."""
    fig, ax = plt.subplots(figsize=(12, 6), dpi=120)
    rank = {t: i for i, t in enumerate(ORDER)}
    order = sorted(range(len(fences.zones)), key=lambda i: rank.get(fences.zones[i].zone_type, 0))
    for i in order:
        zone, geom = fences.zones[i], _km(fences.metric_geometry(i))
        colour = COLOURS.get(zone.zone_type, "#888888")
        thin = zone.zone_type == "border_strip"
        ax.add_patch(PathPatch(
            _path(geom), facecolor=colour, edgecolor="#d62728" if thin else colour,
            alpha=1.0 if thin else 0.45, linewidth=1.6 if thin else 0.8,
        ))
        if zone.zone_type in ("port_of_entry", "wildlife_corridor", "restricted",
                              "patrol_sector"):
            c = geom.representative_point()
            ax.annotate(zone.id, (c.x, c.y), fontsize=7, ha="center")
    _boundary(ax, fences)
    every = [_km(fences.metric_geometry(i)) for i in range(len(fences.zones))]
    if fences.frame.line is not None:
        every.append(_km(fences.frame.line))
    xmin, ymin, xmax, ymax = shapely.total_bounds(every)
    pad = 0.03 * max(xmax - xmin, ymax - ymin)
    ax.set_xlim(xmin - pad, xmax + pad)
    ax.set_ylim(ymin - pad, ymax + pad)
    ax.set_aspect(1.0)
    ax.set_xlabel(f"km east ({fences.frame.crs})")
    ax.set_ylabel("km north")
    ax.grid(True, linewidth=0.3)
    present = [t for t in ZONE_TYPES if any(z.zone_type == t for z in fences.zones)]
    handles = [Patch(color=COLOURS[t], label=t) for t in present]
    if fences.frame.has_boundary:
        handles.append(Patch(color="#08306b", label="boundary (ticks: home side)"))
    ax.legend(handles=handles, loc="upper right", fontsize=8)
    ax.set_title(title or f"Geofence set {fences.version}: {len(fences.zones)} zones")
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out)
    plt.close(fig)
    return out
