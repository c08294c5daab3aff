"""Where each key of the correlator's state is kept: with its placed partition.

Each placed partition has a pipeline of its own (:mod:`stream.partitioned`); its state keys
(:mod:`stream.correlation.state_codec`) go to the same partition of the changelog, named
``<p>/<key>``, so that two partitions correlating one incident near a stretch's end keep a
copy each. A worker is given the same partitions of every topic of one partition count
(the placed topics and the changelog among them), so after a rebalance the worker given
partition ``p`` restores the keys of ``p`` and nobody else keeps them (docs/architecture.md,
"Scaling").

>>> keys, homes = placed({0: {"inc:a": 1}, 2: {"inc:a": 2, "meta": 3}})
>>> keys, homes["2/meta"]
({'0/inc:a': 1, '2/inc:a': 2, '2/meta': 3}, 2)
>>> of_partition(keys, 2)
{'inc:a': 2, 'meta': 3}
>>> partition_of("2/inc:a"), partition_of("inc:a")
(2, None)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from stream.correlation import state_codec

V = TypeVar("V")


def state_key(partition: int, key: str) -> str:
    """The table key of a partition's state key."""
    return f"{partition}/{key}"


def partition_of(key: str) -> int | None:
    """The partition a table key belongs to (None: not a partition's key)."""
    head, sep, _ = key.partition("/")
    return int(head) if sep and head.isdigit() else None


def placed(changes: Mapping[int, Mapping[str, V]]) -> tuple[dict[str, V], dict[str, int]]:
    """Every partition's changes as table keys, and the partition of each."""
    keys: dict[str, V] = {}
    homes: dict[str, int] = {}
    for p, changed in changes.items():
        for k, v in changed.items():
            name = state_key(p, k)
            keys[name], homes[name] = v, p
    return keys, homes


def of_partition(table: Mapping[str, V], partition: int) -> dict[str, V]:
    """A partition's state keys in ``table``, named as the pipeline names them."""
    prefix = f"{partition}/"
    return {k[len(prefix):]: v for k, v in table.items() if k.startswith(prefix)}


@dataclass
class Writes:
    """What a batch writes to the changelog, in the order it lands (``first`` then
    ``then``: :func:`~stream.correlation.state_codec.in_two_phases`), each key's partition,
    the keys refused as too large (name, bytes) and the bytes written by key kind."""

    first: dict[str, bytes] = field(default_factory=dict)
    then: dict[str, bytes | None] = field(default_factory=dict)
    homes: dict[str, int] = field(default_factory=dict)
    refused: list[tuple[str, int]] = field(default_factory=list)
    sizes: dict[str, int] = field(default_factory=dict)


def writes(changes: Mapping[int, Mapping[str, Any]], limit: int) -> Writes:
    """Every partition's changed state keys as changelog writes.

    >>> w = writes({1: {"inc:a": {"x": 1}, "meta": {}, "inc:b": None}}, limit=1 << 20)
    >>> w.first, w.then, w.homes["1/inc:b"], w.sizes
    ({'1/inc:a': b'{"x":1}'}, {'1/meta': b'{}', '1/inc:b': None}, 1, {'inc': 7, 'meta': 2})
    """
    out = Writes()
    firsts: dict[int, dict[str, bytes]] = {}
    thens: dict[int, dict[str, bytes | None]] = {}
    for p, changed in changes.items():
        encoded, too_big = state_codec.encode_changes(changed, limit)
        out.refused += too_big
        firsts[p], thens[p] = state_codec.in_two_phases(encoded)
        for kind, size in state_codec.bytes_by_kind(encoded).items():
            out.sizes[kind] = out.sizes.get(kind, 0) + size
    out.first, homes = placed(firsts)
    out.then, then_homes = placed(thens)
    out.homes = homes | then_homes
    return out
