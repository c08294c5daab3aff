"""Whatever arrives, the pure core answers with valid reports or ONE small dead letter per
message, and never raises (hypothesis-generated values in every field of every input)."""

from __future__ import annotations

from typing import Any

import orjson
from hypothesis import example, given, settings
from hypothesis import strategies as st

from stream.codec import DETAIL_CHARS, EXCERPT_BYTES
from tests.unit.test_pipeline_core import TS, make, msg

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                 max_size=4),
    max_leaves=12,
)
GROUND = {"v": 1, "sensor_id": "s-1", "seq": 1, "kind": "pir", "ts": TS, "lon": -111.0,
          "lat": 31.36}
ACK = {"v": 1, "alert_id": "alr-1", "by": "agent-7", "at": TS}
TOPICS = ["sensors.ground", "sensors.camera", "sensors.health", "alert-acks", "ticks"]


def dumps(value: Any) -> bytes:
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)
    except TypeError:  # integers beyond 64 bits
        return repr(value).encode()


hostile = st.one_of(
    st.binary(max_size=300),
    json_values.map(dumps),
    st.builds(lambda f, v: dumps({**GROUND, f: v}), st.sampled_from([*GROUND, "x"]), json_values),
    st.builds(lambda f, v: dumps({**ACK, f: v}), st.sampled_from([*ACK, "x"]), json_values),
    st.lists(st.builds(lambda f, v: {**GROUND, f: v}, st.sampled_from(list(GROUND)),
                       json_values), min_size=1, max_size=30)
    .map(lambda reports: dumps({"v": 1, "source": "gw", "reports": reports})),
)


PIPELINE, _ = make()  # one for every example: what one accepted must not break the next


# a report refused and another from the future: still one dead letter for the message
REFUSED_AND_AHEAD = dumps({"v": 1, "source": "g", "reports": [
    {"": None}, {**GROUND, "ts": TS + 3600}]})


@settings(max_examples=300, deadline=None)
@given(topic=st.sampled_from(TOPICS), raw=hostile)
@example(topic="sensors.ground", raw=REFUSED_AND_AHEAD)
def test_every_message_is_accepted_or_one_bounded_dead_letter(topic: str, raw: bytes) -> None:
    p = PIPELINE
    result = p.process([msg(topic, raw)], now=TS)
    assert len(result.dead_letters) <= 1
    for letter in result.dead_letters:
        assert letter.size == len(raw)
        assert len(letter.model_dump_json()) < 3 * EXCERPT_BYTES + DETAIL_CHARS
    if topic != "ticks" and not result.dead_letters:
        assert result.reports >= 1 or (topic == "alert-acks" and result.alerts == [])
    # what was accepted never breaks the next batch
    p.process([msg("ticks", b"{}")], now=TS + 10)
