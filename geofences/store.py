"""Versioned geofence sets as messages on the compacted ``<prefix>.geofences`` topic.

Pure encoding and decoding (no Kafka client here). Every message has the key
:data:`KEY`, so compaction keeps the set in force; its value is the GeoJSON
FeatureCollection with ``borderwatch.version`` and ``borderwatch.published_ts`` set.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from geofences.index import GeofenceSet, content_version, set_document
from geofences.validate import validate

KEY = b"active"


class InvalidSet(ValueError):
    """A published or to-be-published set that does not validate."""


@dataclass(frozen=True, slots=True)
class Published:
    version: str
    published_ts: float
    doc: dict[str, Any]
    offset: int = -1


def stamp(
    doc: dict[str, Any], version: str | None = None, now: float | None = None
) -> dict[str, Any]:
    """A copy of ``doc`` with its version (given, in the file, or a content hash) and time."""
    meta = dict(doc.get("borderwatch") or {})
    meta["version"] = version or meta.get("version") or content_version(doc)
    meta["published_ts"] = time.time() if now is None else now
    return {**doc, "borderwatch": meta}


def encode(
    doc: dict[str, Any],
    version: str | None = None,
    now: float | None = None,
    sign: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
) -> bytes:
    """Validate and serialise a set for the topic; raises :class:`InvalidSet`.

    ``sign``: adds the publisher's signature (``KeyRing.sign_doc``) to the stamped set.
    """
    report = validate(doc)
    if not report.ok:
        raise InvalidSet("; ".join(str(p) for p in report.errors))
    stamped = stamp(doc, version, now)
    return orjson.dumps(sign(stamped) if sign else stamped)


def decode(
    value: bytes | None,
    offset: int = -1,
    check: Callable[[dict[str, Any]], str | None] | None = None,
) -> Published:
    """Parse and validate one topic message; raises :class:`InvalidSet`.

    ``check``: the signature check (``KeyRing.check_doc``); a set it refuses is invalid.
    """
    try:
        doc = orjson.loads(value or b"")
    except orjson.JSONDecodeError as exc:
        raise InvalidSet(f"not JSON: {exc}") from exc
    if not isinstance(doc, dict):
        raise InvalidSet("not a JSON object")
    refused = check(doc) if check else None
    if refused is not None:
        raise InvalidSet(f"{refused}: not signed by a known publisher key")
    report = validate(doc)
    if not report.ok:
        raise InvalidSet("; ".join(str(p) for p in report.errors))
    meta = doc.get("borderwatch") or {}
    version = str(meta.get("version") or content_version(doc))
    return Published(version, float(meta.get("published_ts") or 0.0), doc, offset)


def load_valid(ref: str | Path) -> GeofenceSet:
    """The set named ``ref`` (a bundled name or a file), validated; raises
    :class:`InvalidSet` with every error on one line."""
    try:
        doc = set_document(ref)
    except ValueError as exc:
        raise InvalidSet(str(exc)) from exc
    report = validate(doc)
    if not report.ok:
        raise InvalidSet(f"geofence set {str(ref)!r} is invalid: "
                         + "; ".join(str(p) for p in report.errors))
    return GeofenceSet.from_geojson(doc)


def to_set(published: Published) -> GeofenceSet:
    return GeofenceSet.from_geojson(published.doc)
