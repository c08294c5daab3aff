"""The JSON Schema of the scenario format, generated from :class:`simulators.scenario.Scenario`.

Run ``python -m simulators.schema`` to rewrite ``simulators/schema.json``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from simulators.scenario import FORMAT, Scenario

SCHEMA_FILE = Path(__file__).parent / "schema.json"


def scenario_schema() -> dict[str, Any]:
    schema = Scenario.model_json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": f"BorderWatch scenario ({FORMAT})",
        **schema,
    }


def render() -> bytes:
    opts = orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS
    return orjson.dumps(scenario_schema(), option=opts) + b"\n"


def main() -> Path:
    SCHEMA_FILE.write_bytes(render())
    return SCHEMA_FILE


if __name__ == "__main__":
    print(main())
