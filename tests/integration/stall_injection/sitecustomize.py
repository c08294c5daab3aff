"""Test-only fault injection, put on a worker's PYTHONPATH by test_faults_stall.py: once
the file named by STALL_INJECTION_FLAG exists, the worker's Faust consumer hands
over nothing more (as if its consumer had stopped delivering), and with
STALL_INJECTION_NO_LAG set the broker cannot say where its group stands either. The
process it restarts into inherits STALL_INJECTION_DONE and consumes normally. The
injection waits for the process that runs the worker: ``borderwatch worker`` first runs
itself again with PYTHONMALLOC set (stream.memory.use_system_allocator), and a process
without it is the one that will do so."""

import asyncio
import os

if (os.environ.get("STALL_INJECTION_FLAG") and not os.environ.get("STALL_INJECTION_DONE")
        and os.environ.get("PYTHONMALLOC")):
    os.environ["STALL_INJECTION_DONE"] = "1"
    from faust.transport import consumer as _consumer

    _getmany = _consumer.Consumer.getmany

    async def _stalling_getmany(self, timeout):  # type: ignore[no-untyped-def]
        if os.path.exists(os.environ["STALL_INJECTION_FLAG"]):
            await asyncio.Event().wait()  # never set: nothing more is handed over
        async for item in _getmany(self, timeout):
            yield item

    _consumer.Consumer.getmany = _stalling_getmany

    if os.environ.get("STALL_INJECTION_NO_LAG"):
        from stream import kafka_clients as _clients

        _read_range = _clients.read_range

        def _failing_read_range(*args, **kwargs):  # type: ignore[no-untyped-def]
            if os.path.exists(os.environ["STALL_INJECTION_FLAG"]):
                raise _clients.KafkaException("injected: the broker does not answer")
            return _read_range(*args, **kwargs)

        _clients.read_range = _failing_read_range
