"""Table values take what their JSON takes: the worker keeps one per state key."""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable

import orjson

from stream.correlation.state_codec import dumps, encode_changes


def _held(make: Callable[[], list[bytes]]) -> tuple[int, int]:
    """Bytes allocated and kept by ``make()``, and the JSON bytes it returned."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        values = make()
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    return held, sum(len(v) for v in values)


def test_state_values_are_no_larger_than_their_json() -> None:
    changed = {f"site:s-{i}": [-111.0 + i * 1e-5, 31.3 + i * 1e-5] for i in range(1000)}
    held, size = _held(lambda: list(encode_changes(changed, 1_048_576)[0].values()))
    # each bytes object's header (33 bytes) and its slot in a dict and a list
    assert held < size + 1000 * 120
    assert [orjson.loads(v) for v in encode_changes(changed, 1_048_576)[0].values()] == list(
        changed.values())


def test_dumps_is_orjson_cut_to_length() -> None:
    docs = [{"h": [100.0 + k, 101.0 + k], "r": ["0.5/person"] * 2} for k in range(1000)]
    held, size = _held(lambda: [dumps(d) for d in docs])
    assert held < size + 1000 * 60
    assert [dumps(d) for d in docs] == [orjson.dumps(d) for d in docs]
