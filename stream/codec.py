"""Decode and validate sensor messages at the edge; everything refused becomes a dead letter.

>>> from stream.models import GroundDetection
>>> d = Decoder(GroundDetection, max_bytes=1024)
>>> reports, dead = d.decode(b"not json", topic="t", partition=0, offset=7)
>>> reports, dead[0].reason
([], 'not_json')
"""

from __future__ import annotations

import base64
import hashlib
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Generic

import pydantic_core
from pydantic import Discriminator, Tag, TypeAdapter, ValidationError

from stream.models import DeadLetter, R, ReportBatch

#: Bounded set of dead-letter reasons (also the metric label values).
REASONS = (
    "too_large",
    "unknown_alert",
    "unsigned",
    "bad_signature",
    "not_json",
    "not_object",
    "missing_field",
    "unknown_field",
    "non_finite",
    "out_of_range",
    "unsupported_version",
    "wrong_type",
    "future_ts",
)


#: Bytes of the original a dead letter keeps (base64 in ``excerpt_b64``).
EXCERPT_BYTES = 512
#: Characters of detail a dead letter keeps.
DETAIL_CHARS = 1000


def one_letter(letters: Sequence[DeadLetter]) -> DeadLetter:
    """One message's dead letters as one (its reports refused, and others from the
    future): the first's reason and place, every reason's detail, every refused report.

    >>> a = dead_letter("missing_field", "1 of 2 reports refused", b"x", topic="t",
    ...                 partition=0, offset=1)
    >>> b = dead_letter("future_ts", "1 report(s) up to 31.0 s ahead", b"x", topic="t",
    ...                 partition=0, offset=1, index=1)
    >>> one = one_letter([a, b]); one.reason, one.rejected
    ('missing_field', 2)
    >>> one.detail
    '1 of 2 reports refused; future_ts (report 1): 1 report(s) up to 31.0 s ahead'
    >>> one_letter([a]) is a
    True
    """
    first = letters[0]
    if len(letters) == 1:
        return first
    detail = "; ".join([first.detail, *(
        f"{d.reason}{'' if d.index is None else f' (report {d.index})'}: {d.detail}"
        for d in letters[1:])])
    return first.model_copy(update={"detail": detail[:DETAIL_CHARS],
                                    "rejected": sum(d.rejected for d in letters)})


def dead_letter(
    reason: str,
    detail: str,
    raw: bytes | None,
    *,
    topic: str,
    partition: int,
    offset: int,
    key: bytes | None = None,
    index: int | None = None,
    rejected: int = 1,
) -> DeadLetter:
    """A bounded dead letter: size, SHA-256 and the first :data:`EXCERPT_BYTES` of ``raw``.

    >>> d = dead_letter("not_json", "x", b"a" * 10_000_000, topic="t", partition=0, offset=1)
    >>> d.size, len(d.model_dump_json()) < 2_000
    (10000000, True)
    """
    raw = raw or b""
    return DeadLetter(
        reason=reason,
        detail=detail[:DETAIL_CHARS],
        topic=topic,
        partition=partition,
        offset=offset,
        key=key[:256].decode("utf-8", "replace") if key is not None else None,
        index=index,
        rejected=rejected,
        size=len(raw),
        sha256=hashlib.sha256(raw).hexdigest(),
        excerpt_b64=base64.b64encode(raw[:EXCERPT_BYTES]).decode("ascii"),
        ts=time.time(),
    )


def _shape(value: Any) -> str:
    return "batch" if isinstance(value, dict) and "reports" in value else "single"


def classify(error: Any) -> str:
    """Map one pydantic error to a dead-letter reason."""
    kind = error["type"]
    loc = error["loc"]
    if kind == "json_invalid":
        return "not_json"
    if kind in ("model_type", "model_attributes_type", "dict_type") and len(loc) <= 1:
        return "not_object"
    if kind == "missing":
        return "missing_field"
    if kind == "extra_forbidden":
        return "unknown_field"
    if kind == "finite_number":
        return "non_finite"
    if kind == "literal_error" and loc and loc[-1] == "v":
        return "unsupported_version"
    if kind.startswith(("greater_than", "less_than", "too_short", "too_long", "string_too")):
        return "out_of_range"
    return "wrong_type"


def describe(errors: list[Any]) -> str:
    parts = []
    for e in errors[:5]:
        loc = ".".join(str(p) for p in e["loc"][1:]) or "<message>"
        parts.append(f"{loc}: {e['msg']}")
    more = f" (+{len(errors) - 5} more)" if len(errors) > 5 else ""
    return "; ".join(parts) + more


@dataclass(slots=True)
class Decoded(Generic[R]):
    """A valid report and the index it had in its message (0 for a single report)."""

    report: R
    index: int


class Decoder(Generic[R]):
    """Turns raw bytes from one sensor topic into reports of ``model`` plus dead letters."""

    def __init__(self, model: type[R], max_bytes: int) -> None:
        self.model: type[R] = model
        self.max_bytes = max_bytes
        shape: Any = Annotated[
            Annotated[ReportBatch[model], Tag("batch")]  # type: ignore[valid-type]
            | Annotated[model, Tag("single")],
            Discriminator(_shape),
        ]
        self._adapter: TypeAdapter[Any] = TypeAdapter(shape)
        #: a batch validated straight from its bytes: the union above first builds the whole
        #: message as Python objects to choose its branch (about 40% of decoding a batch)
        self._batch: TypeAdapter[Any] = TypeAdapter(ReportBatch[model])  # type: ignore[valid-type]

    def decode(self, raw: bytes | None, *, topic: str, partition: int, offset: int,
               key: bytes | None = None) -> tuple[list[Decoded[R]], list[DeadLetter]]:
        """The valid reports of one message, each with its index in it, and dead letters
        for what was refused."""
        reports, at, letters = self.decode_reports(raw, topic=topic, partition=partition,
                                                   offset=offset, key=key)
        return [Decoded(r, i) for r, i in zip(reports, at or range(len(reports)),
                                              strict=True)], letters

    def decode_reports(self, raw: bytes | None, *, topic: str, partition: int, offset: int,
                       key: bytes | None = None
                       ) -> tuple[list[R], list[int] | None, list[DeadLetter]]:
        """:meth:`decode` without a wrapper a report (the worker's path): the valid
        reports, their indexes in the message (None: all of them, in order) and the dead
        letters."""
        raw = raw or b""

        def dead(
            reason: str, detail: str, index: int | None = None, rejected: int = 1
        ) -> DeadLetter:
            return dead_letter(reason, detail, raw, topic=topic, partition=partition,
                               offset=offset, key=key, index=index, rejected=rejected)

        if len(raw) > self.max_bytes:
            return [], None, [dead("too_large", f"{len(raw)} bytes > limit {self.max_bytes}")]
        if b'"reports"' in raw:  # a batch, as every valid batch names its reports
            try:
                return self._batch.validate_json(raw).reports, None, []
            except ValidationError:
                pass  # judged again below: the same dead letters as without this path
        try:
            value = self._adapter.validate_json(raw)
        except ValidationError as exc:
            return self._partial(raw, exc.errors(), dead)
        if isinstance(value, ReportBatch):
            return value.reports, None, []
        return [value], None, []

    def _partial(
        self, raw: bytes, errors: list[Any], dead: Any
    ) -> tuple[list[R], list[int] | None, list[DeadLetter]]:
        """Keep the valid reports of a batch whose only faults are inside some reports; the
        refused ones make ONE dead letter (reason and position of the first)."""
        by_index: dict[int, list[Any]] = {}
        for e in errors:
            loc = e["loc"]
            if (
                len(loc) >= 3
                and loc[0] == "batch"
                and loc[1] == "reports"
                and isinstance(loc[2], int)
            ):
                by_index.setdefault(loc[2], []).append(e)
            else:
                return [], None, [dead(classify(errors[0]), describe(errors))]
        batch = pydantic_core.from_json(raw, allow_inf_nan=True)
        keep = [i for i in range(len(batch["reports"])) if i not in by_index]
        first = min(by_index)
        errs = by_index[first]
        detail = (f"{len(by_index)} of {len(batch['reports'])} reports refused; first, "
                  f"report {first}: " + describe([{**x, "loc": x["loc"][2:]} for x in errs]))
        letters = [dead(classify(errs[0]), detail, first, len(by_index))]
        if not keep:
            return [], None, letters
        batch["reports"] = [batch["reports"][i] for i in keep]
        value = self._adapter.validate_json(pydantic_core.to_json(batch))
        return value.reports, keep, letters
