"""A port of entry's own traffic is no intrusion: ground sensors in its lanes that cannot
tell what passed, and traffic leaving it inland (``exit_m`` and ``exit_zones`` of the
port's policy, :mod:`stream.correlation.exits`)."""

from __future__ import annotations

from geofences.index import GeofenceSet
from stream.correlation.engine import Correlator
from stream.correlation.evidence import Evidence
from stream.models import SensorKind, Severity, TargetClass
from tests.unit.correlation_builders import POE_DX, camera, ground, lonlat
from tests.unit.test_correlation_engine import feed

FENCES = GeofenceSet.load_bundled()
VEHICLE, PERSON, UNKNOWN = TargetClass.VEHICLE, TargetClass.PERSON, TargetClass.UNKNOWN
LANE_X = POE_DX - 150.0  # a lane of the Nogales port (in its west half)
LANE_EXIT_Y = 450.0  # metres inland: past the port's 400 m, in its exit


def drive_north(cls: TargetClass, dx: float, y0: float = LANE_EXIT_Y, frames: int = 8,
                speed: float = 4.0) -> list[Evidence]:
    """A camera following a target north along x=dx from ``y0``, a frame every 2 s."""
    return [camera("cam-poe", i + 1, 2.0 * i, dx, y0 + 2.0 * i * speed, cls, 0.9)
            for i in range(frames)]


def test_a_truck_first_seen_leaving_the_port_inland_raises_nothing() -> None:
    cor = Correlator(FENCES)
    assert feed(cor, drive_north(VEHICLE, LANE_X)) == []
    (inc,) = cor.incidents.values()
    assert inc.origin == "poe-nogales-deconcini" and inc.zone_type == "buffer"


def test_the_same_truck_beside_the_port_still_alerts() -> None:
    alerts = feed(Correlator(FENCES), drive_north(VEHICLE, LANE_X - 1500))
    assert alerts and {a.zone_id for a in alerts} == {"buffer-1km"}
    assert alerts[0].cls == VEHICLE and alerts[0].severity.rank >= Severity.MEDIUM.rank


def walk(frames: list[tuple[float, float]], t0: float = 0.0, seq: int = 1) -> list[Evidence]:
    """A camera seeing a person at these points (metres from the origin), every 4 s."""
    return [camera("cam-poe", seq + i, t0 + 4.0 * i, dx, dy, PERSON, 0.9)
            for i, (dx, dy) in enumerate(frames)]


def test_a_person_leaving_the_port_inland_is_its_business_until_out_of_its_lanes() -> None:
    cor = Correlator(FENCES)
    assert feed(cor, drive_north(PERSON, LANE_X, speed=1.3)) == []  # just cleared the port
    # then west along the buffer, out of the lanes (50 m past the port's sweep)
    west = walk([(LANE_X - 10.0 * i, LANE_EXIT_Y + 20.0) for i in range(1, 41)], 20.0, 20)
    alerts = feed(cor, west)
    assert alerts and alerts[0].cls == PERSON and alerts[0].zone_type == "buffer"
    assert alerts[0].lon < lonlat(POE_DX - 300.0, 0.0)[0]


def test_people_walking_through_the_port_raise_nothing() -> None:
    cor = Correlator(FENCES)
    # from the queue on the far side, through the port, and off inland through its exit
    through = walk([(LANE_X, -250.0 + 6.0 * i) for i in range(120)])
    assert feed(cor, through) == []
    (inc,) = [i for i in cor.incidents.values() if i.kind == "detection"]
    assert inc.origin == "poe-nogales-deconcini" and inc.zone_type == "port_of_entry"


def test_traffic_from_the_port_that_turns_into_the_border_strip_alerts_there() -> None:
    cor = Correlator(FENCES)
    assert feed(cor, drive_north(VEHICLE, LANE_X)) == []
    # then west past the port and back to the line 600 m from the lane, in the strip
    west = [(LANE_X - 150.0 * i, LANE_EXIT_Y) for i in range(1, 5)]
    south = [(LANE_X - 600.0, LANE_EXIT_Y - 110.0 * i) for i in range(1, 5)]
    turn = [camera("cam-poe", 20 + i, 30.0 + 4.0 * i, x, y, VEHICLE, 0.9)
            for i, (x, y) in enumerate(west + south)]
    alerts = feed(cor, turn)
    assert alerts and alerts[0].zone_type == "border_strip" and alerts[0].cls == VEHICLE


def unclassified_hits(dx: float, dy: float) -> list[Evidence]:
    """Three sensor kinds side by side firing at once with no signature (lane traffic)."""
    kinds = (SensorKind.SEISMIC, SensorKind.ACOUSTIC, SensorKind.MAGNETIC)
    return [ground(f"{k.value}-{dx:.0f}", 1, float(i), dx + 20.0 * i, dy, kind=k, sig=UNKNOWN)
            for i, k in enumerate(kinds)]


def test_sensors_in_the_port_lanes_without_a_class_raise_nothing() -> None:
    assert feed(Correlator(FENCES), unclassified_hits(LANE_X, 150.0)) == []


def test_the_same_hits_in_the_buffer_beside_the_port_alert() -> None:
    alerts = feed(Correlator(FENCES), unclassified_hits(LANE_X - 1500, 150.0))
    assert alerts and alerts[0].zone_id == "buffer-1km" and alerts[0].rule == "two-modalities"


def test_lane_traffic_does_not_swallow_a_crossing_beside_the_port() -> None:
    cor = Correlator(FENCES)
    lane = [ground(f"m-lane-{i}", 1, 5.0 * i, LANE_X, 50.0 + 25.0 * i,
                   kind=SensorKind.MAGNETIC, sig=VEHICLE) for i in range(13)]
    assert feed(cor, lane) == []  # the port's own vehicle traffic
    # 400 m west of the port's edge, a crossing no sensor could classify
    kinds = (SensorKind.SEISMIC, SensorKind.ACOUSTIC, SensorKind.PIR)
    walker = [ground(f"w-{k.value}", 1, 75.0 + i, POE_DX - 650.0 + 20.0 * i, 10.0, kind=k,
                     sig=UNKNOWN) for i, k in enumerate(kinds)]
    alerts = feed(cor, walker)
    assert alerts and alerts[0].zone_type == "border_strip"


def test_people_queueing_to_enter_the_port_raise_nothing_until_they_reach_it() -> None:
    cor = Correlator(FENCES)
    queue = drive_north(PERSON, LANE_X, y0=-250.0, frames=12, speed=1.3)
    assert feed(cor, queue) == []
    # 600 m beside the port the same walk up to the line is the approach zone's business
    beside = feed(Correlator(FENCES), drive_north(PERSON, LANE_X - 600, y0=-250.0,
                                                  frames=12, speed=1.3))
    assert beside and beside[0].zone_type == "approach"


def test_a_walker_incident_beside_the_port_does_not_take_the_ports_queue() -> None:
    cor = Correlator(FENCES)
    beside, lane = POE_DX - 450.0, POE_DX - 250.0  # 150 m outside the lanes; inside them
    assert cor.store.placement.exits.origins(*cor.frame.to_metric(
        *zip(lonlat(beside, 9.0), lonlat(lane, 100.0), strict=True))) == [
        None, "poe-nogales-deconcini"]
    strip = [ground("strip-beside", i + 1, 5.0 * i, beside, 9.0, sig=UNKNOWN, strength=0.5)
             for i in range(2)]
    assert feed(cor, strip) == []
    # the camera cued by those hits, 220 m away, sees people walking in the port's lanes
    assert feed(cor, walk([(lane, 100.0 + 5.0 * i) for i in range(10)], 12.0)) == []
    (walker,) = [i for i in cor.incidents.values() if "strip-beside" in i.sensor_hits]
    assert walker.camera_conf == {}  # the queue's frames are the port's, not the walker's


def test_a_walkers_alert_beside_the_port_does_not_take_the_lanes_trucks() -> None:
    cor = Correlator(FENCES)
    beside, lane = POE_DX - 450.0, POE_DX - 250.0  # 150 m outside the lanes; inside them
    people = [camera("cam-poe", i + 1, 2.0 * i, beside, -60.0 + 4.0 * i, PERSON, 0.9)
              for i in range(10)]
    alerts = feed(cor, people)
    assert alerts and alerts[0].cls == PERSON  # walking up to the line beside the port
    # the same camera then sees trucks in the lanes, 200 m from the walker
    trucks = [camera("cam-poe", 20 + i, 22.0 + 2.0 * i, lane, 60.0 + 8.0 * i, VEHICLE, 0.9)
              for i in range(20)]
    later = feed(cor, trucks)
    assert all(a.cls == PERSON for a in later)
    (walker,) = [i for i in cor.incidents.values() if i.alert is not None]
    assert walker.origin is None and walker.scores["cam-poe"][1] == 0.0  # no vehicle frames


def queue_and_walker(walker_x: list[float], queue_x: float, t0: float = 0.0,
                     seq: int = 1) -> list[Evidence]:
    """One camera's frames, every 2 s, each seeing a walker at ``walker_x[i]`` (walking
    north from 120 m out on the far side) and a person queueing at ``queue_x``."""
    out = []
    for i, wx in enumerate(walker_x):
        t = t0 + 2.0 * i
        out.append(camera("cam-poe", seq + 2 * i, t, wx, -120.0 + 1.5 * i, PERSON, 0.9))
        out.append(camera("cam-poe", seq + 2 * i + 1, t, queue_x, -150.0 + 0.2 * i, PERSON, 0.9))
    return out


def test_a_walkers_alert_beside_the_port_does_not_take_the_queue_the_camera_also_sees() -> None:
    cor = Correlator(FENCES)
    beside, queue = POE_DX - 450.0, POE_DX - 250.0  # 150 m outside the lanes; inside them
    alone = [camera("cam-poe", i + 1, 2.0 * i, beside, -140.0 + 1.5 * i, PERSON, 0.9)
             for i in range(8)]
    assert feed(cor, alone)  # walking up to the line beside the port
    # the same frames then also see a person in the port's queue, 200 m east: a camera
    # places what it sees within metres, so that is someone else
    later = feed(cor, queue_and_walker([beside] * 20, queue, 16.0, 20))
    (walker,) = [i for i in cor.incidents.values() if i.alert is not None]
    assert walker.origin is None and walker.evidence_count == 28
    assert all(a.lon < lonlat(beside + 100.0, 0.0)[0] for a in later)


def test_a_walkers_alert_that_reaches_the_lanes_does_not_merge_with_the_queue() -> None:
    cor = Correlator(FENCES)
    beside, queue = POE_DX - 450.0, POE_DX - 80.0
    assert feed(cor, queue_and_walker([], queue) + [
        camera("cam-poe", 1000 + i, 2.0 * i, queue, -150.0 + 0.2 * i, PERSON, 0.9)
        for i in range(5)]) == []  # the queue, first: the port's business
    # a walker beside the port, alerted, then east into the lanes' margin, 200 m from
    # the queue (as near as two incidents merge)
    east = [beside + 8.0 * i for i in range(25)]
    alerts = feed(cor, queue_and_walker(east, queue, 10.0, 20))
    assert alerts and alerts[0].cls == PERSON
    assert cor.store.placement.exits.origins(*cor.frame.to_metric(
        *zip(lonlat(east[-1], 0.0), strict=True))) == ["poe-nogales-deconcini"]
    (walker,) = [i for i in cor.incidents.values() if i.alert is not None]
    assert walker.origin is None  # not the port's traffic: its alert holds
    queued = [i for i in cor.incidents.values() if i.origin == "poe-nogales-deconcini"]
    assert queued and all(i.alert is None and i.closed_ts is None for i in queued)


def test_a_walkers_alert_beside_the_port_does_not_take_people_at_the_port() -> None:
    cor = Correlator(FENCES)
    beside, port = POE_DX - 330.0, POE_DX - 240.0  # beside the lanes; in the port itself
    alone = [camera("cam-poe", i + 1, 2.0 * i, beside, -90.0 + 1.5 * i, PERSON, 0.9)
             for i in range(8)]
    assert feed(cor, alone)
    # the same frames see people at the port's west edge, 120 m from the walker
    both = [camera("cam-poe", 20 + 2 * i + k, 16.0 + 2.0 * i, x, y, PERSON, 0.9)
            for i in range(20)
            for k, (x, y) in enumerate(((beside, -78.0 + 1.5 * i), (port, 5.0 + i)))]
    later = feed(cor, both)
    (walker,) = [i for i in cor.incidents.values() if i.alert is not None]
    assert walker.origin is None and walker.evidence_count == 28
    assert all(a.lon < lonlat(beside + 45.0, 0.0)[0] for a in later)
