"""Classification fusion: signatures and camera classes to one class and a confidence."""

from __future__ import annotations

import numpy as np
import pytest

from stream.correlation import fusion
from stream.correlation.policies import Policies
from stream.models import TargetClass

W = Policies.bundled().fusion.weights


def test_contributions_weight_by_kind_and_strength() -> None:
    idx, score = fusion.contributions(["seismic", "camera", "pir"], ["person", "animal", "unknown"],
                                      [0.5, 0.9, 1.0], W)
    assert idx.tolist() == [0, 2, -1]
    assert score == pytest.approx([0.6 * 0.5, 2.0 * 0.9, 0.0])


def test_one_chattering_sensor_is_capped_at_twice_its_best_report() -> None:
    per: dict[str, list[float]] = {}
    fusion.merge(per, "s-1", 0, 0.54)
    assert fusion.total(per) == pytest.approx([0.54, 0.0, 0.0])
    assert fusion.fuse(fusion.total(per)) == (TargetClass.PERSON, 0.42)
    fusion.merge(per, "s-1", 0, 0.54)  # a second report: x 1.5
    assert fusion.total(per)[0] == pytest.approx(0.81)
    for _ in range(20):
        fusion.merge(per, "s-1", 0, 0.54)
    assert fusion.total(per)[0] == pytest.approx(1.08)  # capped
    fusion.merge(per, "s-2", 0, 0.54)
    assert fusion.total(per)[0] == pytest.approx(1.62)


def test_merge_keeps_the_strongest_score_and_counts_reports() -> None:
    per: dict[str, list[float]] = {}
    fusion.merge(per, "s", 1, 0.3)
    fusion.merge(per, "s", 1, 0.2)
    fusion.merge(per, "s", 1, 0.5, reports=2)
    fusion.merge(per, "s", -1, 0.9)
    assert per["s"] == pytest.approx([0.0, 0.5, 0.0, 0.0, 4.0, 0.0, 0.0, 1.5, 0.0])


def test_a_mixed_signature_sensor_stays_unsure() -> None:
    per: dict[str, list[float]] = {}
    fusion.merge(per, "s", 0, 0.54, reports=3)
    fusion.merge(per, "s", 2, 0.54, reports=3)
    _cls, conf = fusion.fuse(fusion.total(per))
    assert conf < 0.5


def test_camera_outweighs_a_few_sensor_signatures() -> None:
    per: dict[str, list[float]] = {}
    fusion.merge(per, "s-1", 0, 0.54)
    fusion.merge(per, "s-2", 0, 0.54)
    fusion.merge(per, "cam", 2, 2.0 * 0.95)
    cls, conf = fusion.fuse(fusion.total(per))
    assert cls == TargetClass.ANIMAL and 0.5 <= conf < 0.7


def test_weak_or_conflicting_evidence_gives_low_confidence() -> None:
    assert fusion.fuse([0.1, 0.0, 0.0]) == (TargetClass.UNKNOWN, 0.0)
    cls, conf = fusion.fuse([1.0, 1.0, 0.0])
    assert conf == pytest.approx(0.5 * (1 - np.exp(-2.0)), abs=0.01)
    assert cls in (TargetClass.PERSON, TargetClass.VEHICLE)
