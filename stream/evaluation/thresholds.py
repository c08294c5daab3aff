"""Checked-in floors and ceilings for a campaign's figures, so a regression fails the build.

A thresholds file (YAML) names, per rule (``correlated``, ``naive``) and family (or ``all``),
bounds on any figure of :class:`~stream.evaluation.summary.Figures` as ``<figure>_min`` or
``<figure>_max``, and optionally a determinism check::

    correlated:
      all: {detected_min: 22, false_alerts_max: 4, sector_right_min: 0.72}
    determinism: {batches: [1, 100], differing_max: 3}

>>> from stream.evaluation.summary import Figures
>>> t = Thresholds.model_validate({"correlated": {"all": {"pd_min": 0.9}}})
>>> f = {"all": Figures(**{k: 0 for k in Figures.__dataclass_fields__}) }
>>> violations(t, {"correlated": f})
['correlated all: pd 0 < 0.9']
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

from stream.evaluation.summary import Figures

Bounds = dict[str, float]


class Determinism(BaseModel):
    model_config = ConfigDict(extra="forbid")
    batches: list[int] = Field(default_factory=lambda: [1, 100], min_length=2)
    families: list[str] = Field(default_factory=list, description="Only these [default: all].")
    shuffle_within_s: float = 0.0
    differing_max: int = 0
    #: also correlate the trials as these many owners sharing the boundary by place
    #: (``evaluate --places``): none may differ
    places: list[int] = Field(default_factory=list)


class Thresholds(BaseModel):
    model_config = ConfigDict(extra="forbid")
    campaign: str | None = None
    correlated: dict[str, Bounds] = Field(default_factory=dict)
    naive: dict[str, Bounds] = Field(default_factory=dict)
    determinism: Determinism | None = None

    @field_validator("correlated", "naive")
    @classmethod
    def _known(cls, v: dict[str, Bounds]) -> dict[str, Bounds]:
        fields = set(Figures.__dataclass_fields__)
        for family, bounds in v.items():
            for key in bounds:
                name, _, kind = key.rpartition("_")
                if kind not in ("min", "max") or name not in fields:
                    raise ValueError(f"{family}.{key}: not <figure>_min or <figure>_max "
                                     f"(figures: {', '.join(sorted(fields))})")
        return v


def load_thresholds(path: str | Path) -> Thresholds:
    return Thresholds.model_validate(yaml.safe_load(Path(path).read_text()) or {})


def violations(t: Thresholds, figures: dict[str, dict[str, Figures]]) -> list[str]:
    """Every bound not met, as ``'<rule> <family>: <figure> <value> <op> <bound>'``."""
    out = []
    for rule in ("correlated", "naive"):
        for family, bounds in getattr(t, rule).items():
            f = figures.get(rule, {}).get(family)
            if f is None:
                out.append(f"{rule} {family}: no such family in the run")
                continue
            for key, bound in bounds.items():
                name, _, kind = key.rpartition("_")
                value = getattr(f, name)
                if value is None:
                    out.append(f"{rule} {family}: {name} has no value (bound {bound})")
                elif kind == "min" and value < bound:
                    out.append(f"{rule} {family}: {name} {value:.4g} < {bound:.4g}")
                elif kind == "max" and value > bound:
                    out.append(f"{rule} {family}: {name} {value:.4g} > {bound:.4g}")
    return out
