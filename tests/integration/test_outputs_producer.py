"""The worker's output producer against the real broker: a burst is delivered whole and in
order per key, and a message the broker cannot take settles its future with the error."""

from __future__ import annotations

import asyncio

import pytest
from confluent_kafka import KafkaException

from stream import kafka_clients
from stream.agents.outputs import Outputs
from stream.settings import Settings

pytestmark = pytest.mark.integration


def test_a_burst_of_outputs_arrives_whole_and_in_order_per_key(topics: Settings) -> None:
    topic = topics.topic("alerts")
    out = Outputs(topics)

    async def burst() -> None:
        futs = [await out.send(topic, f"alr-{i % 7}".encode(), f"{i}".encode())
                for i in range(3000)]
        await asyncio.gather(*futs)

    try:
        asyncio.run(burst())
    finally:
        assert out.close() == 0
    got = list(kafka_clients.read_to_end(topics, topic))
    assert len(got) == 3000
    by_key: dict[bytes | None, list[int]] = {}
    for key, value in got:
        by_key.setdefault(key, []).append(int(value or b""))
    assert len(by_key) == 7
    assert all(v == sorted(v) for v in by_key.values())


def test_a_message_over_the_size_limit_fails_its_send_and_spares_the_rest(
        topics: Settings) -> None:
    topic = topics.topic("alerts")
    out = Outputs(topics)

    async def two() -> tuple[BaseException | None, BaseException | None]:
        results: list[BaseException | None] = []
        for value in (b"x" * (topics.max_request_bytes + 1), b"fits"):
            try:
                await (await out.send(topic, b"k", value))
                results.append(None)
            except KafkaException as exc:
                results.append(exc)
        return results[0], results[1]

    try:
        big, small = asyncio.run(two())
    finally:
        out.close()
    assert isinstance(big, KafkaException) and small is None
    assert [v for _, v in kafka_clients.read_to_end(topics, topic)] == [b"fits"]
