"""Control inputs (acks, ticks) are as strict as sensor reports: refused ones become one
bounded dead letter each and can never make a later batch fail."""

from __future__ import annotations

import orjson
import pytest

from stream.batch import RawMessage
from stream.correlation import state_codec
from stream.models import Alert
from stream.pipeline import Pipeline
from tests.unit.test_pipeline_core import TS, camera, make, msg, settle


def opened(p: Pipeline) -> Alert:
    """An alert the pipeline raised (a confident person in the border strip)."""
    (alert,) = settle(p, [msg("sensors.camera", orjson.dumps(camera(1, 31.33341)))], now=TS).alerts
    return alert


def ack(alert_id: str, **over: object) -> RawMessage:
    value = {"v": 1, "alert_id": alert_id, "by": "agent-7", "at": TS + 5, **over}
    return msg("alert-acks", orjson.dumps(value))


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b'{"v":1,"alert_id":"A","by":"x","at":NaN}', "non_finite"),
        (b'{"v":1,"alert_id":"A","by":"x","at":1e999}', "non_finite"),
        (orjson.dumps({"v": 1, "alert_id": "A", "by": "x", "at": 1.0}), "out_of_range"),
        (orjson.dumps({"v": 1, "alert_id": "A", "by": "x" * 65, "at": TS}), "out_of_range"),
        (orjson.dumps({"v": 1, "alert_id": "A", "by": " ", "at": TS}), "wrong_type"),
        (orjson.dumps({"v": 1, "alert_id": "A", "by": "x", "at": TS, "note": "n" * 501}),
         "out_of_range"),
        (orjson.dumps({"v": 1, "alert_id": "A", "by": "x", "at": TS, "admin": True}),
         "unknown_field"),
        (orjson.dumps({"v": 1, "alert_id": "A", "by": "x", "at": "now"}), "wrong_type"),
        (orjson.dumps({"v": 1, "alert_id": "A", "by": "x", "at": TS}), "unknown_alert"),
        (b"x" * 2_000_000, "too_large"),
    ],
)
def test_a_bad_ack_is_dead_lettered_with_its_reason(raw: bytes, reason: str) -> None:
    p, _ = make()
    result = p.process([msg("alert-acks", raw)], now=TS)
    (letter,) = result.dead_letters
    assert letter.reason == reason and letter.size == len(raw)
    assert result.alerts == []


def test_a_refused_ack_leaves_the_alert_and_later_batches_intact() -> None:
    p, _ = make()
    alert = opened(p)
    raw = b'{"v":1,"alert_id":"%s","by":"x","at":Infinity}' % alert.id.encode()
    bad = p.process([msg("alert-acks", raw)], now=TS + 6)
    assert [d.reason for d in bad.dead_letters] == ["non_finite"] and bad.alerts == []
    good = p.process([ack(alert.id, note="en route")], now=TS + 7)
    (msg_,) = good.alerts
    assert msg_.ack is not None and msg_.ack.at == TS + 5
    # what the worker would restore after a restart still decodes and acks work on it
    q, _ = make()
    q.restore(orjson.loads(state_codec.dumps(good.changed)))
    again = q.process([ack(alert.id, action="close")], now=TS + 8)
    assert again.dead_letters == [] and again.alerts[0].state.value == "cleared"


def test_a_tick_is_an_empty_object_and_anything_else_a_dead_letter() -> None:
    p, _ = make()
    assert p.process([msg("ticks", b"{}")], now=TS).dead_letters == []
    (letter,) = p.process([msg("ticks", b'{"x": ' + b"1" * 5000 + b"}")], now=TS).dead_letters
    assert letter.reason == "unknown_field" and letter.size == 5007
