"""Reports the event clock holds back until the watermark passes them, by step of the
grid; persisted as ``buf:<step>`` keys (each report serialised once, only the steps a batch
changed are written, a released step's key is deleted)."""

from __future__ import annotations

from typing import Any

import orjson

from stream.correlation.evidence import Evidence, Heartbeat
from stream.models import CameraDetection, GroundDetection, SensorHealth

Item = Evidence | Heartbeat
PREFIX = "buf:"


def dump(it: Item) -> dict[str, Any]:
    kind = ("health" if isinstance(it, Heartbeat) else
            "camera" if isinstance(it.report, CameraDetection) else "ground")
    return {"k": kind, "t": it.topic, "p": it.partition, "o": getattr(it, "offset", 0),
            "r": it.report.model_dump(mode="json")}


def load(d: dict[str, Any]) -> Item:
    raw = orjson.dumps(d["r"])
    if d["k"] == "health":
        return Heartbeat(SensorHealth.model_validate_json(raw), d["t"], d["p"])
    model = CameraDetection if d["k"] == "camera" else GroundDetection
    return Evidence(model.model_validate_json(raw), d["t"], d["p"], d["o"])


class Held:
    def __init__(self) -> None:
        self.cells: dict[int, list[Item]] = {}
        self.docs: dict[int, list[dict[str, Any]]] = {}
        self.dirty: set[int] = set()

    def __len__(self) -> int:
        return sum(len(v) for v in self.cells.values())

    def add(self, cell: int, it: Item) -> None:
        self.cells.setdefault(cell, []).append(it)
        self.docs.setdefault(cell, []).append(dump(it))
        self.dirty.add(cell)

    def take(self, before: int) -> list[Item]:
        """Every report of the steps before ``before`` (unordered); they leave the store."""
        out: list[Item] = []
        for k in [k for k in self.cells if k < before]:
            out += self.cells.pop(k)
            self.docs.pop(k, None)
            self.dirty.add(k)
        return out

    def changed(self) -> dict[str, Any]:
        out = {f"{PREFIX}{k}": self.docs.get(k) for k in sorted(self.dirty)}
        self.dirty.clear()
        return out

    def state(self) -> dict[str, Any]:
        return {f"{PREFIX}{k}": v for k, v in self.docs.items()}

    def restore(self, key: str, value: list[dict[str, Any]]) -> None:
        k = int(key[len(PREFIX):])
        self.docs[k] = list(value)
        self.cells[k] = [load(d) for d in value]
