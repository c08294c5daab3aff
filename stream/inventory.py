"""The deployment's inventory: JSON lines of ``camera`` and ``sensor`` records (id, lon,
lat, range_m, gateway), e.g. a simulator truth file (``BORDERWATCH_INVENTORY_FILE``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

__all__ = ["InventoryError", "load_inventory"]


class InventoryError(ValueError):
    """The inventory file cannot be read, or a line of it is not a JSON object with an id."""


def load_inventory(path: Path | None) -> list[dict[str, Any]]:
    """The records of a JSON-lines inventory, if one is given (``None``: no records).

    >>> import tempfile
    >>> with tempfile.NamedTemporaryFile("w", suffix=".jsonl") as f:
    ...     _ = f.write('{"type": "sensor", "id": "s-1"}\\n\\n{"type": "sensor"}\\n'); f.flush()
    ...     load_inventory(Path(f.name))
    Traceback (most recent call last):
    ...
    stream.inventory.InventoryError: inventory ...: line 3: a record needs an "id"
    """
    if path is None:
        return []
    try:
        lines = path.read_bytes().splitlines()
    except OSError as exc:
        raise InventoryError(f"inventory {path}: {exc.strerror or exc}") from exc
    out = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            raise InventoryError(f"inventory {path}: line {n}: not JSON ({exc})") from exc
        if not isinstance(record, dict) or "id" not in record:
            raise InventoryError(f'inventory {path}: line {n}: a record needs an "id"')
        out.append(record)
    return out
