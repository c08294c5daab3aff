"""Progress marks: what the route agent says of the sensor partitions it reads, to every
correlator that gets their copies (:class:`~stream.correlation.clock.Mark`).

A mark travels on the placed topic and partition of the copies it speaks for, after them,
as a message with the :data:`PROGRESS` header and a small JSON body: one correlator's
clock then waits for a gateway partition exactly as long as the worker reading it has not
said it went idle, however far apart the two workers are.

>>> from stream.correlation.clock import Mark
>>> raw = encode([Mark("g:3", 1.8e9, False), Mark("c:0", None, True)])
>>> decode(raw)
[Mark(source='g:3', ts=1800000000.0, idle=False), Mark(source='c:0', ts=None, idle=True)]
>>> decode(b'{"marks": [["g:0", "soon", true]]}')
Traceback (most recent call last):
ValueError: not a progress mark: ['g:0', 'soon', True]
>>> is_progress([(PROGRESS, b"1")]), is_progress([("borderwatch-origin", b"g/0/1")])
(True, False)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import orjson

from stream.correlation.clock import Mark

#: the Kafka header a progress mark carries
PROGRESS = "borderwatch-progress"


def encode(marks: Sequence[Mark]) -> bytes:
    """The body of a progress message."""
    return orjson.dumps({"marks": [[m.source, m.ts, m.idle] for m in marks]})


def _mark(item: Any) -> Mark:
    match item:
        case [str(source), (int() | float() | None) as ts, (bool() | None) as idle]:
            return Mark(source, None if ts is None else float(ts), idle)
    raise ValueError(f"not a progress mark: {item!r}")


def decode(raw: bytes | None) -> list[Mark]:
    """The marks of a progress message; ``ValueError`` if it is not one."""
    try:
        body = orjson.loads(raw or b"")
    except orjson.JSONDecodeError as exc:
        raise ValueError(f"not JSON: {exc}") from None
    if not isinstance(body, dict) or not isinstance(body.get("marks"), list):
        raise ValueError("no list of marks")
    return [_mark(item) for item in body["marks"]]


def is_progress(headers: Any) -> bool:
    """Whether a message's headers (pairs or a mapping) make it a progress message."""
    pairs = headers.items() if isinstance(headers, Mapping) else (headers or ())
    return any(name == PROGRESS for name, _ in pairs)
