"""Which partition of the changelog each key of the correlator's state is written to.

A worker is given the same partitions of every source topic and of the changelog (Faust
assigns topics of one partition count together), so state written to the partition its
evidence came on moves with that partition: after a rebalance the worker given sensor
partition ``p`` restores the incidents, sensors and held reports of ``p`` and nobody else
keeps them (see docs/architecture.md, "Scaling").
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from stream.correlation import held, state_codec
from stream.correlation.engine import Correlator


def homes(keys: Collection[str], correlator: Correlator,
          heard: Mapping[str, int]) -> dict[str, int]:
    """The source partition each state key belongs with: an incident's (and its alert's
    zone stays) its first report's, a sensor's or camera's the partition it is heard on
    (``heard``; a sensor's fault watch also where its heartbeats or, never heard, its
    gateway's come), held reports theirs, ``meta:<p>`` its own. Keys left out (a deleted
    incident, a device not heard since a restart, an unsplit ``meta``) are the caller's to
    place.

    >>> from geofences.index import GeofenceSet
    >>> c = Correlator(GeofenceSet.load_bundled())
    >>> homes(["site:s-1", "flt:s-1", "buf:7:2:0", "meta:1", "inc:gone", "meta", "site:s-2"],
    ...       c, {"s-1": 3})
    {'site:s-1': 3, 'flt:s-1': 3, 'buf:7:2:0': 2, 'meta:1': 1}
    >>> c.store.faults.expect("s-4", 1.8e9, "borderwatch.sensors.health:2")  # never heard
    >>> homes(["flt:s-4"], c, {})
    {'flt:s-4': 2}
    """
    out: dict[str, int] = {}
    for k in keys:
        kind, _, name = k.partition(":")
        if kind == state_codec.INC:
            p = correlator.home(name)
        elif kind == state_codec.ZON:
            p = correlator.alert_home(name)
        elif kind in (state_codec.SITE, state_codec.CAM):
            p = heard.get(name)
        elif kind == state_codec.FLT:  # (one never heard: where its gateway is)
            p = heard[name] if name in heard else correlator.sensor_home(name)
        elif kind == state_codec.BUF:
            p = held.partition_of(k)
        elif kind == state_codec.META and name:
            p = int(name)
        else:
            p = None
        if p is not None:
            out[k] = p
    return out


def per_partition_meta(changed: Mapping[str, Any], partitions: Collection[int]
                       ) -> dict[str, Any]:
    """``changed`` with the correlator's ``meta`` as one ``meta:<p>`` per partition ``p``
    the worker holds, each with that partition's clock sources and rate limits (none held:
    left as it is).

    >>> meta = state_codec.Meta(5.0, clock={"sources": {"g:0": [5, 9], "g:1": [4, 9]}})
    >>> out = per_partition_meta({"inc:a": {}, "meta": meta.to_dict()}, [1])
    >>> sorted(out), out["meta:1"]["clock"]["sources"]
    (['inc:a', 'meta:1'], {'g:1': [4, 9]})
    """
    value = changed.get(state_codec.META)
    if value is None or not partitions:
        return dict(changed)
    meta = state_codec.Meta.from_dict(value)
    out = {k: v for k, v in changed.items() if k != state_codec.META}
    for p in sorted(partitions):
        out[state_codec.meta_for(p)] = meta.partition(p).to_dict()
    return out


def held_by(keys: Mapping[str, Any], partitions: Collection[int],
            where: Mapping[str, int]) -> dict[str, Any]:
    """The keys of ``keys`` written to one of ``partitions`` (``where``: key -> the
    partition it was written to or read from; a key missing from it is kept).

    >>> held_by({"inc:a": 1, "inc:b": 2, "meta": 3}, [0], {"inc:a": 0, "inc:b": 1})
    {'inc:a': 1, 'meta': 3}
    """
    return {k: v for k, v in keys.items() if where.get(k, -1) in partitions or k not in where}
