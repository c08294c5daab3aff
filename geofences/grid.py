"""A uniform cell grid over a fence set that answers point membership without a tree walk.

Built once per set with the STRtree and prepared geometries: each cell lists the zones
whose geometry touches it, flagged *interior* when the zone covers the whole cell (then
no exact test is needed for a point in that cell). A query is a few numpy operations on
the whole batch plus one vectorised ``intersects_xy`` over the boundary candidates only,
so its cost stays nearly flat as the number of fences grows.

Cells are a lookup structure in the coordinates of the data (degrees) and decide
nothing by themselves: every non-interior candidate is tested exactly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely

from geofences.crossing import GEOS, INTERIOR, crossing_test, pack_entries

IntArray = npt.NDArray[np.intp]
#: cells per fence and per edge the grid aims at, and hard limits on its size
CELLS_PER_ZONE = 32
CELLS_PER_EDGE = 2
MIN_CELLS, MAX_CELLS = 1_024, 1_048_576
#: interior cells must be covered with this margin (degrees, ~0.1 mm) so rounding
#: in the cell arithmetic can never put an outside point into an interior cell
COVER_EPS = 1e-9


@dataclass(frozen=True)
class CellGrid:
    x0: float
    y0: float
    cw: float
    ch: float
    nx: int
    ny: int
    offsets: npt.NDArray[np.int32]  # CSR: entries of cell c are offsets[c]:offsets[c+1]
    info: npt.NDArray[np.int32]  # per entry: zone, mode, first edge, edge count
    edges: npt.NDArray[np.float64]  # per edge: ax, ay, bx, by relative to the cell centre
    geoms: npt.NDArray[np.object_]  # prepared zone geometries

    @classmethod
    def build(cls, tree: shapely.STRtree, geoms: npt.NDArray[np.object_]) -> CellGrid:
        n = len(geoms)
        if n == 0:
            return cls(0.0, 0.0, 1.0, 1.0, 1, 1, np.zeros(2, np.intp),
                       np.zeros((0, 4), np.int32), np.zeros((0, 4)), geoms)
        xmin, ymin, xmax, ymax = shapely.total_bounds(geoms)
        w, h = max(xmax - xmin, 1e-9), max(ymax - ymin, 1e-9)
        n_edges = int(shapely.get_num_coordinates(geoms).sum())
        target = min(max(CELLS_PER_ZONE * n, CELLS_PER_EDGE * n_edges, MIN_CELLS), MAX_CELLS)
        side = math.sqrt(w * h / target)
        nx = min(max(1, math.ceil(w / side)), MAX_CELLS)
        ny = min(max(1, math.ceil(h / side)), max(1, MAX_CELLS // nx))
        # a hair larger than the bounds so the max edge falls inside the last cell
        cw, ch = w * (1 + 1e-9) / nx, h * (1 + 1e-9) / ny
        cells = np.arange(nx * ny)
        ix, iy = cells // ny, cells % ny
        e = COVER_EPS
        boxes = shapely.box(xmin + ix * cw - e, ymin + iy * ch - e,
                            xmin + (ix + 1) * cw + e, ymin + (iy + 1) * ch + e)
        c_idx, z_idx = tree.query(boxes)  # envelopes only; the exact tests are vectorised
        touch = shapely.intersects(geoms[z_idx], boxes[c_idx])
        c_idx, z_idx = c_idx[touch], z_idx[touch]
        interior = shapely.covers(geoms[z_idx], boxes[c_idx])
        order = np.lexsort((z_idx, c_idx))
        c_idx, z_idx, interior = c_idx[order], z_idx[order], interior[order]
        offsets = np.zeros(nx * ny + 1, dtype=np.intp)
        np.add.at(offsets, c_idx + 1, 1)
        info, edges = pack_entries(geoms, c_idx, z_idx, interior, boxes,
                                   xmin + (ix + 0.5) * cw, ymin + (iy + 0.5) * ch)
        return cls(xmin, ymin, cw, ch, nx, ny, np.cumsum(offsets).astype(np.int32), info,
                   edges, geoms)

    def query(
        self, x: npt.NDArray[np.float64], y: npt.NDArray[np.float64]
    ) -> tuple[IntArray, IntArray]:
        """(point index, zone index) for every point in or on a zone, sorted by point."""
        with np.errstate(invalid="ignore"):
            fx = np.floor((x - self.x0) / self.cw)
            fy = np.floor((y - self.y0) / self.ch)
            ok = (fx >= 0) & (fx < self.nx) & (fy >= 0) & (fy < self.ny)
        pidx = np.flatnonzero(ok)
        ix, iy = fx[pidx].astype(np.intp), fy[pidx].astype(np.intp)
        start = self.offsets[ix * self.ny + iy]
        count = self.offsets[ix * self.ny + iy + 1] - start
        total = int(count.sum())
        if total == 0:
            empty = np.zeros(0, dtype=np.intp)
            return empty, empty
        first = np.cumsum(count) - count
        slot = np.repeat(np.arange(len(pidx)), count)
        # np.take gathers whole rows several times faster than fancy indexing of a 2-D array
        rows = np.take(self.info, np.arange(total) + np.repeat(start - first, count), axis=0)
        rep_p = pidx[slot]
        zone, mode = rows[:, 0], rows[:, 1]
        keep = mode == INTERIOR
        fast = np.flatnonzero((mode != INTERIOR) & (mode != GEOS))
        exact = np.flatnonzero(mode == GEOS)
        if fast.size:  # numpy crossing tests; GEOS only where they abstain
            fs, tp = slot[fast], rep_p[fast]
            qx = x[tp] - (self.x0 + (ix[fs] + 0.5) * self.cw)  # relative to the centre
            qy = y[tp] - (self.y0 + (iy[fs] + 0.5) * self.ch)
            inside, decided = crossing_test(np.take(rows, fast, axis=0), self.edges, qx, qy)
            keep[fast] = inside
            exact = np.concatenate([exact, fast[~decided]])
        if exact.size:
            tp = rep_p[exact]
            keep[exact] = shapely.intersects_xy(self.geoms[zone[exact]], x[tp], y[tp])
        return rep_p[keep], zone[keep].astype(np.intp)
