"""Zone policies are data: the bundled file loads, and each zone type's rule set holds."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from stream.correlation.policies import Policies
from stream.correlation.rules import animal_confirmed, fired_rule
from stream.models import TargetClass

P = Policies.bundled()
PERSON, VEHICLE, ANIMAL, UNKNOWN = (TargetClass.PERSON, TargetClass.VEHICLE,
                                    TargetClass.ANIMAL, TargetClass.UNKNOWN)
TRACK = {"heading_deg": 0.0, "speed_mps": 1.3}


def rule(zone: str, cls: TargetClass, conf: float, corroborated: bool = False,
         track: dict[str, float] | None = None,
         camera: dict[str, float] | None = None, sensors: int = 2) -> str | None:
    return fired_rule(P.zone(zone), P, cls, conf, corroborated, track, camera or {}, sensors)


def test_bundled_file_is_versioned_and_names_every_alerting_zone_type() -> None:
    assert P.version == "2026.12.24"
    assert set(P.zones) == {"port_of_entry", "wildlife_corridor", "restricted", "border_strip",
                            "buffer", "approach"}
    assert P.approach_m > 0
    assert P.zone("patrol_sector") is None  # routing only, never alerts


def test_priority_puts_exceptions_above_the_strip() -> None:
    order = sorted(P.zones, key=lambda z: -P.zones[z].priority)
    assert order[:2] == ["port_of_entry", "wildlife_corridor"]
    assert order.index("border_strip") < order.index("buffer")


def test_border_strip_one_confident_detection_suffices() -> None:
    assert rule("border_strip", PERSON, 0.66) == "confident-detection"
    assert rule("border_strip", PERSON, 0.42) is None
    assert rule("border_strip", UNKNOWN, 0.9) is None  # unknown needs more than one sensor kind


def test_buffer_needs_two_modalities_or_a_track() -> None:
    assert rule("buffer", PERSON, 0.9) is None
    assert rule("buffer", PERSON, 0.9, True) == "two-modalities"
    assert rule("buffer", UNKNOWN, 0.1, track=TRACK) == "track"


def test_two_kinds_without_a_class_need_a_third_sensor() -> None:
    assert rule("border_strip", UNKNOWN, 0.0, True) is None  # wind on fence and seismic
    assert rule("border_strip", UNKNOWN, 0.0, True, sensors=3) == "two-modalities"


def test_wildlife_corridor_alerts_on_people_but_not_on_what_could_be_its_herds() -> None:
    # ground sensors alert once their signatures say person/vehicle
    assert rule("wildlife_corridor", PERSON, 0.62) == "confident-detection"
    assert rule("wildlife_corridor", PERSON, 0.55) is None  # surer than in the strip
    assert rule("border_strip", PERSON, 0.55) == "confident-detection"
    assert rule("wildlife_corridor", PERSON, 0.55, True) == "two-modalities"
    # a track says how a target moves, not what it is; unclassified is the corridor's herds
    assert rule("border_strip", PERSON, 0.4, track=TRACK) == "track"
    assert rule("wildlife_corridor", PERSON, 0.4, track=TRACK) is None
    assert rule("wildlife_corridor", UNKNOWN, 0.0, True, TRACK, sensors=3) is None


def test_wildlife_corridor_camera_confirmation_of_person_or_vehicle() -> None:
    assert rule("wildlife_corridor", PERSON, 0.9, camera={"person": 0.85}) == "camera-confirmed"
    assert rule("wildlife_corridor", VEHICLE, 0.9, camera={"vehicle": 0.7}) == "camera-confirmed"
    assert rule("wildlife_corridor", PERSON, 0.45, camera={"person": 0.4}) is None
    assert rule("wildlife_corridor", ANIMAL, 0.9, camera={"animal": 0.9}) is None


def test_port_of_entry_ignores_vehicles_but_not_people() -> None:
    assert rule("port_of_entry", VEHICLE, 0.99, True, TRACK,
                {"vehicle": 0.9}) is None
    assert rule("port_of_entry", PERSON, 0.9, True) == "two-modalities"


def test_animals_never_alert_anywhere() -> None:
    for zone in P.zones:
        assert rule(zone, ANIMAL, 0.99, True, TRACK) is None


def test_animal_confirmed_needs_a_camera_and_agreeing_fusion() -> None:
    assert animal_confirmed(ANIMAL, 0.8, {"animal": 0.9}, P)
    assert not animal_confirmed(ANIMAL, 0.8, {}, P)
    assert not animal_confirmed(PERSON, 0.8, {"animal": 0.9}, P)


def test_policy_file_round_trips_and_bad_files_say_why(tmp_path: Path) -> None:
    doc = yaml.safe_load(Path("stream/correlation/policies.yaml").read_text())
    doc["version"] = "test-2"
    doc["zones"]["buffer"]["rules"] = ["track"]
    good = tmp_path / "p.yaml"
    good.write_text(yaml.safe_dump(doc))
    loaded = Policies.load(good)
    assert loaded.version == "test-2" and loaded.zones["buffer"].rules == ("track",)
    doc["zones"]["buffer"]["rules"] = ["gut-feeling"]
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(doc))
    with pytest.raises(ValueError, match=r"invalid policy file .*bad\.yaml"):
        Policies.load(bad)
