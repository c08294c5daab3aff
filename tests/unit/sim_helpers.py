"""Small builders for simulator unit tests."""

from __future__ import annotations

from typing import Any

import orjson

from simulators.messages import Emission
from simulators.scenario import Scenario, parse_scenario
from simulators.world import World

START = 1_800_000_000.0
#: A point in the Nogales sector, 5 km west of the port, on the boundary parallel.
ALONG = 5000.0


def scenario(**fields: Any) -> Scenario:
    base: dict[str, Any] = {"name": "t", "seed": 1, "duration_s": 600, "local_start": "12:00"}
    base.update(fields)
    return parse_scenario(base, "test")


def run(sc: Scenario, **kw: Any) -> tuple[World, list[Emission]]:
    w = World(sc, start=kw.pop("start", START), **kw)
    return w, list(w.run())


def reports(emissions: list[Emission], topic: str) -> list[dict[str, Any]]:
    """Every report of ``topic``, each with the emission's ``_sent`` time and ``_key``."""
    out = []
    for e in emissions:
        if e.topic != topic:
            continue
        batch = orjson.loads(e.value)
        assert batch["source"] == e.key
        for r in batch["reports"]:
            out.append({**r, "_sent": e.ts, "_key": e.key})
    return out


def wire(report: dict[str, Any]) -> bytes:
    """A report from :func:`reports` as the JSON the edge validates."""
    return orjson.dumps({k: v for k, v in report.items() if not k.startswith("_")})
