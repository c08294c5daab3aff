"""Signed control and alert messages: HMAC-SHA256 with a key ring of named keys.

Patrol acks, geofence publications and the worker's alerts carry ``key_id`` and ``sig``
(hex HMAC-SHA256 of the message's canonical bytes without ``sig``). The ring
(``BORDERWATCH_SIGNING_KEYS``, a JSON object ``{"key id": "secret"}``) holds every key
a process accepts; ``BORDERWATCH_SIGNING_KEY_ID`` names the one it signs with. Rotation:
add the new key to every ring, switch signers to it, then drop the old one. With no keys
configured nothing is signed or checked (development only; the worker says so once).

>>> from pydantic import SecretStr
>>> ring = KeyRing({"k1": SecretStr("s3cret")}, "k1")
>>> ring.verify(b"payload", "k1", ring.sign(b"payload")[1])
True
>>> ring.verify(b"payload!", "k1", ring.sign(b"payload")[1])
False
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Any, TypeVar

import orjson
from pydantic import BaseModel, SecretStr

M = TypeVar("M", bound=BaseModel)


class KeyRing:
    """Named HMAC keys: ``signer`` signs, every key verifies."""

    def __init__(self, keys: Mapping[str, SecretStr], signer: str | None = None) -> None:
        self._keys = {k: v.get_secret_value().encode() for k, v in keys.items()}
        if signer is not None and signer not in self._keys:
            raise ValueError(f"signing key {signer!r} is not in the key ring")
        self.signer = signer

    @property
    def enabled(self) -> bool:
        """Whether messages must be signed and checked (a key ring is configured)."""
        return bool(self._keys)

    def sign(self, payload: bytes) -> tuple[str, str]:
        """``(key id, hex signature)`` of ``payload`` with the signing key."""
        if self.signer is None:
            raise ValueError("no signing key configured (BORDERWATCH_SIGNING_KEY_ID)")
        mac = hmac.new(self._keys[self.signer], payload, hashlib.sha256).hexdigest()
        return self.signer, mac

    def verify(self, payload: bytes, key_id: str | None, sig: str | None) -> bool:
        key = self._keys.get(key_id or "")
        if key is None or not sig:
            return False
        return hmac.compare_digest(hmac.new(key, payload, hashlib.sha256).hexdigest(), sig)

    # --- models with key_id / sig fields ------------------------------------------------
    def sign_model(self, msg: M) -> M:
        """``msg`` with ``key_id`` and ``sig`` set (unchanged when no ring is configured)."""
        if not self.enabled:
            return msg
        unsigned = msg.model_copy(update={"key_id": self.sign(b"")[0], "sig": None})
        return unsigned.model_copy(update={"sig": self.sign(canonical_model(unsigned))[1]})

    def check_model(self, msg: BaseModel) -> str | None:
        """``None`` if ``msg`` is properly signed (or no ring is configured), else the
        dead-letter reason: ``unsigned`` or ``bad_signature``."""
        if not self.enabled:
            return None
        sig = getattr(msg, "sig", None)
        if not sig:
            return "unsigned"
        payload = canonical_model(msg.model_copy(update={"sig": None}))
        return None if self.verify(payload, getattr(msg, "key_id", None), sig) else (
            "bad_signature")

    # --- JSON documents (geofence sets) with borderwatch.key_id / borderwatch.sig --------
    def sign_doc(self, doc: dict[str, Any]) -> dict[str, Any]:
        if not self.enabled:
            return doc
        meta = {**(doc.get("borderwatch") or {}), "key_id": self.sign(b"")[0]}
        meta.pop("sig", None)
        unsigned = {**doc, "borderwatch": meta}
        return {**doc, "borderwatch": {**meta, "sig": self.sign(canonical_doc(unsigned))[1]}}

    def check_doc(self, doc: dict[str, Any]) -> str | None:
        if not self.enabled:
            return None
        meta = dict(doc.get("borderwatch") or {})
        sig = meta.pop("sig", None)
        if not sig:
            return "unsigned"
        payload = canonical_doc({**doc, "borderwatch": meta})
        return None if self.verify(payload, meta.get("key_id"), sig) else "bad_signature"


def canonical_model(msg: BaseModel) -> bytes:
    return orjson.dumps(msg.model_dump(mode="json", exclude={"sig"}), option=orjson.OPT_SORT_KEYS)


def canonical_doc(doc: dict[str, Any]) -> bytes:
    return orjson.dumps(doc, option=orjson.OPT_SORT_KEYS)
