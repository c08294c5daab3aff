"""An incident's path as an array (:mod:`stream.correlation.path`) and near pairs from a
k-d tree (:mod:`stream.correlation.near`), each against a plain reference."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from stream.correlation import path
from stream.correlation.near import within

times = st.lists(st.integers(0, 400).map(lambda t: t / 4), min_size=1, max_size=40)


def reference_merge(rows: list[list[float]], ts: list[float], xs: list[float]
                    ) -> list[list[float]]:
    """The path as it was kept before: a dict by 5 s step, the later row winning."""
    new: dict[int, list[float]] = {}
    for t, x in zip(ts, xs, strict=True):
        new[int(t // path.STEP_S)] = [t, x, -x]
    old = {int(p[0] // path.STEP_S): p for p in rows}
    for k, v in new.items():
        if k not in old or v[0] >= old[k][0]:
            old[k] = v
    return [old[k] for k in sorted(old)][-path.MAX_ROWS:]


@settings(max_examples=300, deadline=None)
@given(st.lists(times, min_size=1, max_size=6), st.integers(0, 10**6))
def test_merging_positions_keeps_the_latest_per_step_as_the_reference_does(
        batches: list[list[float]], seed: int) -> None:
    rng = np.random.default_rng(seed)
    arr, ref = path.empty(), []
    for batch in batches:
        ts = sorted(batch)
        xs = rng.integers(0, 1000, len(ts)).astype(float).tolist()
        arr = path.merge(arr, np.array(ts), np.array(xs), -np.array(xs))
        ref = reference_merge(ref, ts, xs)
        assert arr.tolist() == ref
        assert arr.flags.c_contiguous and arr.shape[1] == 3


def test_a_path_keeps_its_newest_steps() -> None:
    ts = np.arange(0.0, (path.MAX_ROWS + 10) * path.STEP_S, path.STEP_S)
    p = path.merge(path.empty(), ts, ts, ts)
    assert len(p) == path.MAX_ROWS and p[0, 0] == ts[10] and p[-1, 0] == ts[-1]


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 60), st.integers(0, 200), st.floats(0.0, 300.0), st.integers(0, 10**6))
def test_near_pairs_are_every_pair_within_the_distance_in_order(
        nq: int, npts: int, distance: float, seed: int) -> None:
    rng = np.random.default_rng(seed)
    # integer coordinates: many pairs exactly at the distance, and repeated points
    qx, qy = rng.integers(0, 500, (2, nq)).astype(float)
    px, py = rng.integers(0, 500, (2, npts)).astype(float)
    qi, pi = within(qx, qy, px, py, distance)
    d = np.hypot(qx[:, None] - px[None, :], qy[:, None] - py[None, :])
    want_q, want_p = np.nonzero(d <= distance)
    assert qi.tolist() == want_q.tolist() and pi.tolist() == want_p.tolist()
