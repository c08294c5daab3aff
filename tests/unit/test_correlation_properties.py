"""Properties over random detection sequences: at-least-once delivery never makes a new
alert, and every alert's messages are numbered without gaps."""

from __future__ import annotations

from collections import defaultdict

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from geofences.index import GeofenceSet
from stream.correlation import state_codec
from stream.correlation.engine import Correlator
from stream.correlation.evidence import Evidence
from stream.models import Alert, AlertState, SensorKind, TargetClass
from tests.unit.correlation_builders import ground

FENCES = GeofenceSet.load_bundled()

hit = st.tuples(
    st.floats(0, 600), st.floats(-2000, 2000), st.floats(-100, 1500),
    st.sampled_from([SensorKind.SEISMIC, SensorKind.PIR, SensorKind.FIBRE]),
    st.sampled_from(list(TargetClass)),
)


def build(hits: list[tuple[float, float, float, SensorKind, TargetClass]]) -> list[Evidence]:
    hits = sorted(hits)
    return [ground(f"p-{int(x // 50)}-{int(y // 50)}", i + 1, t, x, y, kind=k, sig=c)
            for i, (t, x, y, k, c) in enumerate(hits)]


def run(cor: Correlator, ev: list[Evidence], batch: int) -> list[Alert]:
    out: list[Alert] = []
    for i in range(0, len(ev), batch):
        part = ev[i:i + batch]
        out += cor.process(part, now=part[-1].report.ts + 1).alerts
    return out


@settings(max_examples=40, deadline=None)
@given(st.lists(hit, min_size=1, max_size=60), st.integers(1, 7), st.integers(0, 60))
def test_redelivery_after_a_restart_never_opens_a_new_alert(
    hits: list[tuple[float, float, float, SensorKind, TargetClass]], batch: int, cut: int
) -> None:
    ev = build(hits)
    cut = min(cut, len(ev))
    first = Correlator(FENCES)
    before = run(first, ev[:cut], batch)
    second = Correlator(FENCES)
    second.restore(orjson.loads(state_codec.dumps(first.state())))
    after = run(second, ev, batch)  # the whole stream again, from the start
    opened = {a.id for a in before if a.state == AlertState.NEW}
    assert not opened & {a.id for a in after if a.state == AlertState.NEW}
    revisions: dict[str, list[int]] = defaultdict(list)
    for a in before + after:
        revisions[a.id].append(a.revision)
    for revs in revisions.values():
        assert revs == list(range(revs[0], revs[0] + len(revs)))
        assert revs[0] == 0
