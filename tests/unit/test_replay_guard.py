"""A restart replays the batches since the last commit: reports the restored incidents
already hold are skipped (and counted), new ones are processed."""

from __future__ import annotations

import orjson

from stream.correlation import state_codec
from tests.unit.test_pipeline_core import TS, camera, make, msg, settle


def test_reports_the_restored_state_holds_are_skipped_after_a_restart() -> None:
    first, _ = make()
    seen = msg("sensors.camera", orjson.dumps(camera(1, 31.33341)))
    (alert,) = settle(first, [seen], now=TS).alerts
    state = orjson.loads(state_codec.dumps(first.correlator.state()))
    restarted, reg = make()
    restarted.restore(state)
    fresh = msg("sensors.camera", orjson.dumps(camera(2, 31.33345)), offset=1)
    result = settle(restarted, [seen, fresh], now=TS + 30)
    assert reg.get_sample_value("borderwatch_replayed_reports_total") == 1
    assert result.reports == 1  # the replayed one is not correlated (nor counted) again
    assert {a.id for a in result.alerts} <= {alert.id}
    inc = restarted.correlator.incidents[next(iter(restarted.correlator.incidents))]
    assert "cam-1:1" in inc.seen and "cam-1:2" in inc.seen
