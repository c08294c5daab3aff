"""The event ids an incident already counted (a redelivered report must not count twice),
kept small: 8-byte digests of the newest ``MAX_SEEN`` in one ring of bytes, 4 KB for a busy
incident where the ids themselves took about 45 KB. Persisted as the digests in base64,
oldest first; a list of event ids (an older state) is read as well.

>>> s = SeenIds()
>>> s.add("s-1:1"), s.add("s-1:1"), "s-1:1" in s, "s-1:2" in s
(True, False, True, False)
>>> t = SeenIds.load(s.dump()); ("s-1:1" in t, len(t), t == s)
(True, 1, True)
>>> len(SeenIds.load(["s-1:1", "s-1:2"]))  # event ids, as an older state holds them
2
>>> r = SeenIds(cap=3)
>>> [r.add(f"e:{i}") for i in range(5)] and ("e:1" in r, "e:2" in r, len(r))
(False, True, 3)
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from hashlib import blake2b as _blake2b

#: Event ids remembered per incident (the newest).
MAX_SEEN = 512
_W = 8  # bytes per digest


def digest(event_id: str) -> bytes:
    """An 8-byte digest of an event id."""
    return _blake2b(event_id.encode(), digest_size=_W).digest()


class SeenIds:
    __slots__ = ("_n", "_ring", "cap")

    def __init__(self, cap: int = MAX_SEEN) -> None:
        self._ring = bytearray()  # (a search in C: cheaper than a set of Python objects)
        self._n = 0  # digests ever added; the ring holds the newest ``cap``
        self.cap = cap

    def __len__(self) -> int:
        return min(self._n, self.cap)

    def __contains__(self, event_id: object) -> bool:
        return isinstance(event_id, str) and self.has(digest(event_id))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SeenIds) and self.digests() == other.digests()

    def __repr__(self) -> str:
        return f"SeenIds({len(self)})"

    def has(self, h: bytes) -> bool:
        i = self._ring.find(h)
        while i != -1 and i % _W:  # a match across two digests
            i = self._ring.find(h, i + 1)
        return i != -1

    def add(self, event_id: str) -> bool:
        """Remember an event id; False if it was already there."""
        return self.add_digest(_blake2b(event_id.encode(), digest_size=_W).digest())

    def add_digest(self, h: bytes) -> bool:
        ring = self._ring  # (:meth:`has`, inline: once a report)
        i = ring.find(h)
        while i != -1 and i % _W:
            i = ring.find(h, i + 1)
        if i != -1:
            return False
        if len(self._ring) < self.cap * _W:
            self._ring += h
        else:
            i = (self._n % self.cap) * _W  # over the oldest
            self._ring[i:i + _W] = h
        self._n += 1
        return True

    def _oldest_first(self) -> bytes:
        i = (self._n % self.cap) * _W if self._n > self.cap else 0
        return bytes(self._ring[i:] + self._ring[:i])

    def digests(self) -> list[bytes]:
        """Oldest first."""
        ring = self._oldest_first()
        return [ring[k:k + _W] for k in range(0, len(ring), _W)]

    def update(self, other: SeenIds) -> None:
        for h in other.digests():
            self.add_digest(h)

    def dump(self) -> str:
        return base64.b64encode(self._oldest_first()).decode()

    @classmethod
    def load(cls, saved: str | Iterable[str]) -> SeenIds:
        """From :meth:`dump`, or from a list of event ids."""
        s = cls()
        if isinstance(saved, str):
            raw = base64.b64decode(saved)
            for k in range(0, len(raw), _W):
                s.add_digest(raw[k:k + _W])
        else:
            for event_id in saved:
                s.add(event_id)
        return s
