"""Reports the event clock holds back until the watermark passes them, by step of the
grid; persisted as ``buf:<step>:<partition>:<chunk>`` keys of at most ``CHUNK`` reports
each, of one source partition (each report serialised once, only the chunks a batch changed
are written, a released step's keys are deleted). A burst whose reports share one step (a
gateway flushing a backlog) so never makes a changelog value larger than a message may be,
and a batch rewrites only the chunk it appended to, not every report held so far. A chunk
holds the reports of one partition, so it is kept with that partition's state (a worker
given the partition after a rebalance holds them)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import Any

import orjson

from stream.correlation.evidence import Evidence, Heartbeat
from stream.correlation.seen import digest
from stream.correlation.state_codec import BUF, key
from stream.models import CameraDetection, GroundDetection, SensorHealth

Item = Evidence | Heartbeat
Chunk = tuple[int, int]  # source partition, chunk number
PREFIX = key(BUF, "")  # "buf:"
CHUNK = 200  # reports per key: about 60 KB of JSON
#: the step the reports wait under that came after the clock passed their moment, until
#: processing time moves on (:meth:`stream.correlation.engine.Correlator.receive`)
AFTER = -1


def dump(it: Item) -> dict[str, Any]:
    """A held report's document: where it came from, and its report's fields as its model
    holds them (plain values and string enums, frozen), which the state's JSON writes as
    pydantic's own serialiser would, at a third of the cost.

    >>> from stream.models import SensorKind, TargetClass
    >>> r = GroundDetection(sensor_id="s-1", seq=7, kind=SensorKind.SEISMIC, ts=1.8e9,
    ...                     lon=-111.0, lat=31.3, signature=TargetClass.PERSON)
    >>> d = dump(Evidence(r, "borderwatch.sensors.ground", 2, 40))
    >>> d["k"], d["p"], d["o"], orjson.dumps(d["r"]) == r.model_dump_json().encode()
    ('ground', 2, 40, True)
    """
    return _document(it, vars(it.report))


def _document(it: Item, report: dict[str, Any]) -> dict[str, Any]:
    kind = ("health" if isinstance(it, Heartbeat) else
            "camera" if isinstance(it.report, CameraDetection) else "ground")
    d = {"k": kind, "t": it.topic, "p": it.partition, "o": getattr(it, "offset", 0),
         "r": report}
    if isinstance(it, Heartbeat) and it.skew_s:
        d["s"] = it.skew_s
    return d


def event_id(d: dict[str, Any]) -> str | None:
    """The event id of a persisted detection (None for a heartbeat).

    >>> event_id({"k": "camera", "r": {"camera_id": "cam-1", "seq": 7}})
    'cam-1:7'
    >>> event_id({"k": "ground", "r": {"sensor_id": "s-2", "seq": 3}})
    's-2:3'
    """
    if d["k"] == "health":
        return None
    r = d["r"]
    return f"{r['camera_id'] if d['k'] == 'camera' else r['sensor_id']}:{r['seq']}"


def _event_id(d: dict[str, Any] | None, it: Item | None) -> str | None:
    """The event id of a held report, from its document or its live report."""
    if d is not None:
        return event_id(d)
    return None if it is None or isinstance(it, Heartbeat) else it.report.event_id


def _item(d: dict[str, Any] | None, it: Item | None) -> Item:
    """A held report: the live one, else decoded from its document."""
    if it is not None:
        return it
    assert d is not None
    return load(d)


def load(d: dict[str, Any]) -> Item:
    raw = orjson.dumps(d["r"])
    if d["k"] == "health":
        return Heartbeat(SensorHealth.model_validate_json(raw), d["t"], d["p"], d.get("s", 0.0))
    model = CameraDetection if d["k"] == "camera" else GroundDetection
    return Evidence(model.model_validate_json(raw), d["t"], d["p"], d["o"])


class Held:
    def __init__(self) -> None:
        #: step -> chunk -> the reports' JSON documents, as persisted (None: not written
        #: yet, made from the live report when it is).
        self.docs: dict[int, dict[Chunk, list[dict[str, Any] | None]]] = {}
        #: the same reports decoded, position for position (None: restored from a document,
        #: decoded when released). Decoding every released report again cost about a fifth
        #: of the correlator's time; a held report is within the allowed lateness, so the
        #: second copy is bounded by what that lateness lets wait.
        self.live: dict[int, dict[Chunk, list[Item | None]]] = {}
        self.dirty: set[tuple[int, Chunk]] = set()
        #: (step, partition) -> its newest chunk (a step that held a backlog has hundreds)
        self.tail: dict[tuple[int, int], int] = {}
        #: keys restored in an older layout (``buf:<step>``, ``buf:<step>:<chunk>``), deleted
        #: when their reports are written again as chunks of their partitions
        self.legacy: set[str] = set()

    def __len__(self) -> int:
        return sum(len(v) for chunks in self.docs.values() for v in chunks.values())

    def add(self, cell: int, it: Item) -> None:
        self._extend((cell, it.partition), [it])  # documented when first written

    def add_all(self, items: list[Item], cell: Callable[[float], int]) -> None:
        """:meth:`add` of each of ``items`` in its step (``cell`` of its event time), in
        order; runs of one step and partition (a message's reports) appended at once."""
        run: list[Item] = []
        at: tuple[int, int] | None = None
        for it in items:
            here = (cell(it.report.ts), it.partition)
            if here != at:
                self._extend(at, run)
                run, at = [], here
            run.append(it)
        self._extend(at, run)

    def _extend(self, at: tuple[int, int] | None, run: Sequence[Item | None],
                docs: Sequence[dict[str, Any] | None] | None = None) -> None:
        """Append a run of reports of one step and partition (``at``), chunk by chunk:
        live ones (``docs`` None: documented when first written) or restored documents
        (``run`` of None, position for position)."""
        new: Sequence[dict[str, Any] | None] = [None] * len(run) if docs is None else docs
        while at is not None and run:
            step, partition = at
            chunks = self.docs.setdefault(step, {})
            n = self.tail.get(at, 0)
            if len(chunks.get((partition, n), ())) >= CHUNK:
                n += 1
            self.tail[at] = n
            held = chunks.setdefault((partition, n), [])
            room = max(0, CHUNK - len(held))
            held += new[:room]
            self.live.setdefault(step, {}).setdefault((partition, n), []).extend(run[:room])
            self.dirty.add((step, (partition, n)))
            run, new = run[room:], new[room:]

    def _drop_tails(self, cell: int) -> None:
        for t in [t for t in self.tail if t[0] == cell]:
            del self.tail[t]

    def take(self, before: int) -> list[Item]:
        """Every report of the steps before ``before`` (unordered; not the reports that came
        after their moment, :data:`AFTER`); they leave the store."""
        return self._take([k for k in self.docs if AFTER < k < before])

    def take_after(self) -> list[Item]:
        """The reports that came after their moment (:data:`AFTER`; unordered)."""
        return self._take([AFTER] if AFTER in self.docs else [])

    def has_after(self) -> bool:
        """Whether reports that came after the clock passed their moment wait."""
        return AFTER in self.docs

    def _take(self, keys: list[int]) -> list[Item]:
        out: list[Item] = []
        for k in keys:
            chunks, live = self.docs.pop(k), self.live.pop(k)
            self._drop_tails(k)
            for c, docs in chunks.items():
                out += [_item(d, it) for d, it in zip(docs, live[c], strict=True)]
            self.dirty.update((k, c) for c in chunks)
        return out

    def forget(self, seen: Collection[bytes]) -> int:
        """Drop the held detections whose event id digest is in ``seen`` (reports an incident
        already took); their chunks are rewritten. How many were dropped.

        >>> h = Held(); h.restore("buf:4:0:0", [{"k": "ground", "r": {"sensor_id": "s", "seq": 1}},
        ...                                    {"k": "ground", "r": {"sensor_id": "s", "seq": 2}}])
        >>> h.forget({digest("s:1")}), len(h), h.changed()["buf:4:0:0"][0]["r"]["seq"]
        (1, 1, 2)
        """
        dropped = 0
        for k, chunks in self.docs.items():
            live = self.live[k]
            for c, docs in chunks.items():
                keep = [(d, it) for d, it in zip(docs, live[c], strict=True)
                        if (e := _event_id(d, it)) is None or digest(e) not in seen]
                if len(keep) < len(docs):
                    dropped += len(docs) - len(keep)
                    chunks[c], live[c] = [d for d, _ in keep], [it for _, it in keep]
                    self.dirty.add((k, c))
        for k in list(self.docs):  # an emptied chunk is deleted, not written empty
            self.docs[k] = {c: v for c, v in self.docs[k].items() if v}
            self.live[k] = {c: v for c, v in self.live[k].items() if v}
            if not self.docs[k]:
                del self.docs[k], self.live[k]
                self._drop_tails(k)
        return dropped

    def changed(self) -> dict[str, Any]:
        out: dict[str, Any] = dict.fromkeys(sorted(self.legacy))
        self.legacy.clear()
        for k, c in sorted(self.dirty):
            out[chunk_key(k, c)] = self._documents(k, c) if c in self.docs.get(k, {}) else None
        self.dirty.clear()
        return out

    def state(self) -> dict[str, Any]:
        return {chunk_key(k, c): self._documents(k, c) for k, chunks in self.docs.items()
                for c in chunks}

    def _documents(self, k: int, c: Chunk) -> list[dict[str, Any]]:
        """A chunk's reports as persisted: each documented once, when first written (one
        released in the batch that brought it is never documented)."""
        docs, live = self.docs[k][c], self.live[k][c]
        out = []
        for i, d in enumerate(docs):
            if d is None:
                it = live[i]
                assert it is not None  # a restored document has no live report
                d = docs[i] = dump(it)
            out.append(d)
        return out

    def restore(self, key: str, value: list[dict[str, Any]]) -> None:
        """Hold again the reports of one key :meth:`changed` wrote (or an older layout's:
        its reports are written again as chunks of their partitions, the key deleted)."""
        step, *chunk = key[len(PREFIX):].split(":")
        k = int(step)
        if len(chunk) != 2:  # buf:<step> or buf:<step>:<chunk>: partitions mixed
            self.legacy.add(key)
            for d in value:
                self._extend((k, int(d["p"])), [None], [d])
            return
        c = (int(chunk[0]), int(chunk[1]))
        self.docs.setdefault(k, {})[c] = list(value)
        self.tail[k, c[0]] = max(self.tail.get((k, c[0]), 0), c[1])
        self.live.setdefault(k, {})[c] = [None] * len(value)


def chunk_key(step: int, chunk: Chunk) -> str:
    """The key of one chunk: ``buf:<step>:<partition>:<chunk>``.

    >>> chunk_key(7, (2, 0))
    'buf:7:2:0'
    """
    return f"{PREFIX}{step}:{chunk[0]}:{chunk[1]}"


def partition_of(key: str) -> int | None:
    """The source partition of a chunk's reports (None: an older key, partitions mixed).

    >>> partition_of("buf:7:2:0"), partition_of("buf:7:0")
    (2, None)
    """
    parts = key[len(PREFIX):].split(":")
    return int(parts[1]) if len(parts) == 3 else None
