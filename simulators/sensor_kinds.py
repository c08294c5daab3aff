"""Defaults of each ground-sensor kind: seismic, acoustic, magnetic, PIR and fibre-optic fence.

Per kind: detection range per target class (person, vehicle, animal), probability of
detecting one pass, nuisance alarms per hour and how wind and rain raise them, hold-off
between reports, battery drain, and the signature confusion matrix. A scenario overrides
any of them per sensor or per line.
"""

from __future__ import annotations

from typing import Any

#: Battery used by one report (radio transmission).
BATTERY_PER_REPORT = 2e-5

KIND_DEFAULTS: dict[str, dict[str, Any]] = {
    "seismic": {
        "range_m": (30.0, 100.0, 20.0),
        "pd": 0.9,
        "nuisance_per_h": 0.5,
        "wind_gain": 0.15,
        "rain_gain": 0.05,
        "holdoff_s": 5.0,
        "battery_drain_per_h": 2e-4,
        "signature": {
            "person": {"person": 0.75, "animal": 0.1},
            "vehicle": {"vehicle": 0.85},
            "animal": {"animal": 0.5, "person": 0.3},
            "unknown": {"animal": 0.1, "person": 0.05},
        },
    },
    "acoustic": {
        "range_m": (15.0, 150.0, 10.0),
        "pd": 0.8,
        "nuisance_per_h": 1.0,
        "wind_gain": 0.3,
        "rain_gain": 0.1,
        "holdoff_s": 5.0,
        "battery_drain_per_h": 3e-4,
        "signature": {
            "person": {"person": 0.5},
            "vehicle": {"vehicle": 0.9},
            "animal": {"animal": 0.4, "person": 0.1},
            "unknown": {"vehicle": 0.05},
        },
    },
    "magnetic": {
        "range_m": (3.0, 25.0, 0.0),
        "pd": 0.95,
        "nuisance_per_h": 0.1,
        "wind_gain": 0.0,
        "rain_gain": 0.0,
        "holdoff_s": 3.0,
        "battery_drain_per_h": 1e-4,
        "signature": {
            "person": {"person": 0.6},
            "vehicle": {"vehicle": 0.95},
            "animal": {},
            "unknown": {},
        },
    },
    "pir": {
        "range_m": (20.0, 30.0, 15.0),
        "pd": 0.9,
        "nuisance_per_h": 0.5,
        "wind_gain": 0.2,
        "rain_gain": 0.2,
        "holdoff_s": 5.0,
        "battery_drain_per_h": 2e-4,
        "signature": {"person": {}, "vehicle": {}, "animal": {}, "unknown": {}},
    },
    "fibre": {
        "range_m": (3.0, 10.0, 2.0),
        "pd": 0.95,
        "nuisance_per_h": 0.5,
        "wind_gain": 0.4,
        "rain_gain": 0.1,
        "holdoff_s": 3.0,
        "battery_drain_per_h": 0.0,
        "signature": {
            "person": {"person": 0.7},
            "vehicle": {"vehicle": 0.6},
            "animal": {"animal": 0.5},
            "unknown": {},
        },
    },
}
