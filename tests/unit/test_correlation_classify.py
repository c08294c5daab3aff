"""The class of an incident is fused over all its evidence and does not follow each camera
frame; weak frames and faint signatures raise nothing of medium severity or more."""

from __future__ import annotations

import pytest

from geofences.index import GeofenceSet
from stream.correlation import fusion
from stream.correlation.classify import stable
from stream.correlation.engine import Correlator
from stream.models import Severity, TargetClass
from tests.unit.correlation_builders import camera, ground
from tests.unit.test_correlation_engine import feed

FENCES = GeofenceSet.load_bundled()
PERSON, ANIMAL = TargetClass.PERSON, TargetClass.ANIMAL


def test_camera_frames_count_by_their_log_odds() -> None:
    """A frame at a third or less is no evidence; 0.9 counts as before (0.9)."""
    assert fusion.camera_evidence(1 / 3) == pytest.approx(0.0)
    assert fusion.camera_evidence(0.9) == pytest.approx(0.9)
    assert 0.05 < fusion.camera_evidence(0.4) < 0.15 < fusion.camera_evidence(0.6)


def test_a_camera_says_what_most_of_its_frames_saw() -> None:
    per: dict[str, list[float]] = {}
    idx, score = fusion.contributions(["camera"] * 25, ["person"] * 20 + ["animal"] * 5,
                                      [0.7] * 25, {"camera": 2.0})
    for i, s in zip(idx.tolist(), score.tolist(), strict=True):
        fusion.merge(per, "cam", i, s)
    person, _vehicle, animal = fusion.total(per)
    assert person == pytest.approx(4 * animal)  # in proportion to the frames


def test_the_class_an_alert_shows_changes_only_by_a_margin() -> None:
    assert stable([1.0, 0.0, 1.4], "person", 1.5)[0] == PERSON
    assert stable([1.0, 0.0, 1.6], "person", 1.5)[0] == ANIMAL
    assert stable([1.0, 0.0, 1.6], None, 1.5)[0] == ANIMAL  # no alert yet: the best ...
    assert stable([1.0, 0.0, 1.4], None, 1.5)[0] == TargetClass.UNKNOWN  # ... by the margin


def test_camera_frames_alternating_person_and_animal_keep_the_class() -> None:
    """A slow walker in the strip whose footsteps say person and whom the camera calls
    animal, person, animal, ...: the alert stays person and high or more, never animal/low,
    never cleared as an animal."""
    cor = Correlator(FENCES)
    steps = [ground(f"s-{k}", 1, 40.0 * k + 2.0, 50.0 * k, 9.0, strength=0.7) for k in range(6)]
    frames = [camera("cam-1", k + 1, 5.0 * k, 1.25 * 5.0 * k, 10.0,
                     ANIMAL if k % 2 == 0 else PERSON, 0.8) for k in range(48)]
    alerts = feed(cor, sorted(steps + frames, key=lambda e: e.report.ts))
    classes = [a.cls for a in alerts]
    assert PERSON in classes and ANIMAL not in classes
    assert len({a.id for a in alerts}) == 1
    k = classes.index(PERSON)  # unknown until the footsteps tip it, then person throughout
    assert set(classes[:k]) <= {TargetClass.UNKNOWN} and set(classes[k:]) == {PERSON}
    assert all(a.severity.rank >= Severity.HIGH.rank for a in alerts)
    assert all(a.state.value != "cleared" or a.reason == "timed-out" for a in alerts)


def test_a_camera_alone_that_cannot_decide_gives_one_class_throughout() -> None:
    cor = Correlator(FENCES)
    frames = [camera("cam-1", k + 1, 5.0 * k, 6.0 * k, 10.0, ANIMAL if k % 2 == 0 else PERSON,
                     0.8) for k in range(24)]
    alerts = feed(cor, frames)
    assert len({a.cls for a in alerts}) <= 1
    assert not any("class-changed" in (a.reason or "") for a in alerts)


def test_many_animal_frames_do_change_the_class() -> None:
    cor = Correlator(FENCES)
    frames = [camera("cam-1", k + 1, 5.0 * k, 6.0 * k, 10.0, PERSON if k < 2 else ANIMAL, 0.8)
              for k in range(12)]
    alerts = feed(cor, frames)
    assert alerts[0].cls == PERSON
    assert alerts[-1].cls == ANIMAL and alerts[-1].reason == "confirmed-animal"


def test_a_blurred_frame_and_a_faint_hit_raise_no_medium_alert() -> None:
    """A 0.38 camera frame of a 'person' next to a seismic hit with no signature (the
    strip_dwell false alert): not a confident detection."""
    cor = Correlator(FENCES)
    alerts = feed(cor, [ground("s-1", 1, 0.0, 0.0, 9.0, sig=TargetClass.UNKNOWN, strength=0.3),
                        camera("cam-1", 1, 20.0, 30.0, 9.0, PERSON, 0.38)])
    assert all(a.severity == Severity.LOW for a in alerts)
