"""Table writes whose delivery the worker can wait for.

Faust's table API (``table[key] = value``) hands each change to the producer's buffer and
drops its delivery future, and ``producer.flush()`` gives up after 0.1 s without progress
(``ProducerBuffer.flush_atmost``): on a busy machine it returns while changes are still
queued, and Faust's commit, which relies on that flush, can then pass offsets whose state
never reached the broker (a kill there loses the reports those offsets covered).
:class:`Deliveries` keeps each change's future so a batch can wait until its state is on
the broker before its events are acknowledged.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

log = logging.getLogger(__name__)


class Deliveries:
    """The delivery futures of a Faust table's changelog writes since the last wait.

    >>> class Table:  # what Faust's table offers: send_changelog returns a future
    ...     def send_changelog(self, partition, key, value, *a):
    ...         f = asyncio.get_running_loop().create_future(); f.set_result(key); return f
    >>> async def demo():
    ...     table = Table(); d = Deliveries(table)
    ...     table.send_changelog(None, "inc:a", b"{}")
    ...     return len(d.pending), await d.wait(timeout=1.0), len(d.pending)
    >>> asyncio.run(demo())
    (1, 0, 0)
    """

    def __init__(self, table: Any) -> None:
        self.pending: list[asyncio.Future[Any]] = []
        send = table.send_changelog

        def tracked(*args: Any, **kwargs: Any) -> Any:
            fut = send(*args, **kwargs)
            self.pending.append(fut)
            return fut

        table.send_changelog = tracked

    async def wait(self, timeout: float) -> int:
        """Wait until every change sent since the last wait is on the broker (at most
        ``timeout`` s); the number that failed or did not arrive in time (logged)."""
        futs, self.pending = self.pending, []
        if not futs:
            return 0
        done, late = await asyncio.wait(futs, timeout=timeout)
        failed = len(late) + sum(1 for f in done if f.exception() is not None)
        if failed:
            log.error("%d of %d state changes did not reach the changelog within %.0f s",
                      failed, len(futs), timeout)
        return failed
