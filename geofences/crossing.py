"""Exact-or-abstain point-in-zone tests in numpy, for points in a grid cell a zone crosses.

For each (cell, zone) entry the zone's boundary crosses, keep the cell centre's state
(in or out of the zone) and the zone edges that touch the cell. A point of that cell is
in the zone iff the segment centre -> point crosses those edges an odd number of times
(or not, when the centre is out). Only edges touching the cell can cross a segment that
stays inside it, so this is exact — except near degenerate cases (the point within
``EPS`` of an edge's line, or an edge vertex within ``EPS`` of the centre-point line),
where it *abstains* and the caller asks GEOS. The arrays are flat and contiguous,
which keeps 10,000 fences cache-friendly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely

F = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]
#: degrees (~0.1 mm): closer than this to an edge, GEOS decides
EPS = 1e-9
#: entries with more edges than this in one cell are left to GEOS
MAX_EDGES = 64


def _seg_dist(px: F, py: F, ax: F, ay: F, bx: F, by: F) -> F:
    """Distance from points p to segments ab (element-wise)."""
    dx, dy = bx - ax, by - ay
    len2 = dx * dx + dy * dy
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(len2 > 0, ((px - ax) * dx + (py - ay) * dy) / len2, 0.0)
    t = np.clip(t, 0.0, 1.0)
    return np.asarray(np.hypot(px - (ax + t * dx), py - (ay + t * dy)))


@dataclass(frozen=True)
class CellEdges:
    usable: BoolArray  # per entry: the fast test may be used
    ref_in: BoolArray  # per entry: the cell centre is in the zone
    rx: F  # per entry: cell centre
    ry: F
    offsets: IntArray  # per entry: edges are offsets[e]:offsets[e+1]
    ax: F
    ay: F
    bx: F
    by: F

    @classmethod
    def build(
        cls, geoms: npt.NDArray[np.object_], cell: IntArray, zone: IntArray, boundary: BoolArray,
        boxes: npt.NDArray[np.object_], rx: F, ry: F,
    ) -> CellEdges:
        """``cell``/``zone`` per entry (sorted by cell, zone); ``boxes``/``rx``/``ry`` per cell."""
        n_entries = len(cell)
        # every edge of every ring of every zone
        rings, ring_zone = shapely.get_rings(geoms, return_index=True)
        coords, ring_of = shapely.get_coordinates(rings, return_index=True)
        same = ring_of[:-1] == ring_of[1:]
        a, b = coords[:-1][same], coords[1:][same]
        edge_zone = ring_zone[ring_of[:-1][same]]
        # which boundary cells each edge touches
        bcells = np.unique(cell[boundary])
        seg_tree = shapely.STRtree(shapely.linestrings(np.stack([a, b], axis=1)))
        q_cell, q_edge = seg_tree.query(boxes[bcells], predicate="intersects")
        q_cell = bcells[q_cell]
        # attach each (cell, edge) to its boundary entry (cell, zone of the edge)
        nz = int(zone.max()) + 1 if n_entries else 1
        keys = cell.astype(np.int64) * nz + zone
        want = q_cell.astype(np.int64) * nz + edge_zone[q_edge]
        pos = np.searchsorted(keys, want)
        pos = np.minimum(pos, max(n_entries - 1, 0))
        found = (keys[pos] == want) & boundary[pos] if n_entries else np.zeros(0, bool)
        entry, edge = pos[found], q_edge[found]
        order = np.argsort(entry, kind="stable")
        entry, edge = entry[order], edge[order]
        counts = np.bincount(entry, minlength=n_entries)
        offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.intp)
        ax, ay, bx, by = a[edge, 0], a[edge, 1], b[edge, 0], b[edge, 1]
        erx, ery = rx[cell], ry[cell]
        ref_in = shapely.intersects_xy(geoms[zone], erx, ery)
        # a centre (almost) on an edge cannot anchor the parity: leave those to GEOS
        near = _seg_dist(erx[entry], ery[entry], ax, ay, bx, by) < EPS
        bad_ref = np.bincount(entry[near], minlength=n_entries) > 0
        usable = boundary & ~bad_ref & (counts <= MAX_EDGES)
        return cls(usable, ref_in, erx, ery, offsets, ax, ay, bx, by)

    def test(self, entry: IntArray, px: F, py: F) -> tuple[BoolArray, BoolArray]:
        """(inside, decided) for each point ``p`` against its ``entry``; usable entries only."""
        start = self.offsets[entry]
        count = self.offsets[entry + 1] - start
        k = len(entry)
        total = int(count.sum())
        inside = self.ref_in[entry].copy()
        if total == 0:
            return inside, np.ones(k, dtype=bool)
        pair = np.repeat(np.arange(k), count)
        first = np.cumsum(count) - count
        e = np.arange(total) + np.repeat(start - first, count)
        ax, ay, bx, by = self.ax[e], self.ay[e], self.bx[e], self.by[e]
        rx, ry = self.rx[entry][pair], self.ry[entry][pair]
        qx, qy = px[pair], py[pair]
        # orientations: r, p against edge ab, and a, b against segment rp
        d1 = (bx - ax) * (ry - ay) - (by - ay) * (rx - ax)
        d2 = (bx - ax) * (qy - ay) - (by - ay) * (qx - ax)
        d3 = (qx - rx) * (ay - ry) - (qy - ry) * (ax - rx)
        d4 = (qx - rx) * (by - ry) - (qy - ry) * (bx - rx)
        cross = (d1 * d2 < 0) & (d3 * d4 < 0)
        # abstain when p is within EPS of the line through ab, or a or b within EPS of the
        # line through rp (a superset of the degenerate cases; |d| = distance * length)
        ab2 = (bx - ax) ** 2 + (by - ay) ** 2
        rp2 = (qx - rx) ** 2 + (qy - ry) ** 2
        eps2 = EPS * EPS
        unsure = (d2 * d2 <= eps2 * ab2) | (d3 * d3 <= eps2 * rp2) | (d4 * d4 <= eps2 * rp2)
        odd = np.bincount(pair, weights=cross, minlength=k).astype(np.int64) % 2 == 1
        decided = np.bincount(pair, weights=unsure, minlength=k) == 0
        return inside ^ odd, decided
