"""Faust transport for the embedded broker: aiokafka with a short fetch wait.

Tansu holds a fetch request for the consumer's full ``fetch_max_wait_ms`` when it has
no data at request time, instead of answering as soon as a record arrives, and Faust
fixes that wait at 1.5 s: every alert would wait up to 1.5 s. This transport, registered
as the ``tansu://`` URL scheme (``faust.transports`` entry point), sets it to
:data:`FETCH_MAX_WAIT_MS`: 50 ms. At 20 ms an idle worker took 0.08 CPU-s a second and
its broker 0.14; at 50 ms 0.05 and 0.08 (0.04 and 0.05 at 100 ms), for at most 30 ms more
before a report is read (measured while the ingest agent still woke every 20 ms as well;
since :mod:`stream.agents.batches` an idle worker takes 0.027 CPU-s a second at 50 ms).
Apache Kafka answers at once, so the ``kafka`` profile keeps Faust's own driver (as
``bwkafka://``). Both consumers seek safely after a rebalance
(:class:`stream.faust_seek.SafeSeek`).
"""

from __future__ import annotations

from typing import Any

from faust.transport.drivers import aiokafka as driver

from stream.faust_seek import SafeSeek

FETCH_MAX_WAIT_MS = 50


class ConsumerThread(driver.AIOKafkaConsumerThread):
    def _create_worker_consumer(self, transport: Any) -> Any:
        consumer = super()._create_worker_consumer(transport)
        consumer._fetch_max_wait_ms = FETCH_MAX_WAIT_MS  # read by AIOKafkaConsumer.start()
        return consumer


class Consumer(SafeSeek, driver.Consumer):
    def _new_consumer_thread(self) -> driver.AIOKafkaConsumerThread:
        return ConsumerThread(self, loop=self.loop, beacon=self.beacon)


class Transport(driver.Transport):
    Consumer = Consumer
