"""A correlator that gets a gateway partition's reports through another worker's route agent
judges that partition by what the agent says (progress marks), not by its own clock: an
agent that stalls (a loaded machine) holds the correlator back instead of letting it pass
the partition's reports, which would then come late and change alerts. Before the marks,
ten seconds without copies made the partition idle for the correlator."""

from __future__ import annotations

from dataclasses import replace

from geofences.index import GeofenceSet
from stream.correlation.clock import GONE_S, Mark
from stream.correlation.engine import Correlator
from stream.correlation.evidence import Arrival
from stream.correlation.result import CorrelatorResult
from tests.unit.correlation_builders import T0, ground

G0, G1 = "bw.sensors.ground:0", "bw.sensors.ground:1"


def _stalled_gateway(marks: bool, idle_said: bool = False,
                     pace: float = 0.3) -> CorrelatorResult:
    """Both partitions deliver; partition 0's router stalls (``pace`` s of processing time
    a step: 87 s) while partition 1's copies move event time 290 s on; then partition 0's
    held copies come."""
    c = Correlator(GeofenceSet.load_bundled())
    first = [ground("a-1", 1, 0.0, 0.0, 500.0), replace(ground("b-1", 1, 0.0, 900.0, 500.0),
                                                        partition=1)]
    said = (Mark(G0, T0, False), Mark(G1, T0, False)) if marks else ()
    c.receive([Arrival(T0, tuple(first), marks=said)])
    for t in range(10, 300, 10):  # only partition 1 is heard
        ev = replace(ground("b-1", 1 + t, float(t), 900.0, 500.0), partition=1)
        at = T0 + t * pace
        c.receive([Arrival(at, (ev,), marks=(Mark(G1, T0 + t, False),) if marks else ())])
        if idle_said and t == 100:  # partition 0's reader: caught up, nothing for 5 s
            c.receive([Arrival(at, marks=(Mark(G0, T0, True),))])
    held = tuple(ground(f"a-{i}", 2, float(i), 0.0, 500.0 + i) for i in range(5, 60, 5))
    return c.receive([Arrival(T0 + 300 * pace, held)])


def test_a_stalled_router_holds_the_clock_and_its_reports_are_on_time() -> None:
    out = _stalled_gateway(marks=True)
    assert out.late == [] and out.backlog == 0


def test_without_marks_the_same_stall_makes_its_reports_late() -> None:
    out = _stalled_gateway(marks=False)
    assert out.backlog > 0 or out.late


def test_a_partition_its_reader_says_is_idle_no_longer_holds_the_clock() -> None:
    out = _stalled_gateway(marks=True, idle_said=True)
    assert out.backlog > 0 or out.late


def test_a_partition_nobody_speaks_of_for_minutes_no_longer_holds_the_clock() -> None:
    out = _stalled_gateway(marks=True, pace=GONE_S / 100)  # 2.9 x GONE_S of stall
    assert out.backlog > 0 or out.late
