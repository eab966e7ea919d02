"""Raw answers → JSON bodies or typed errors; quota facts from the x-ratelimit-* headers (pure)."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bulkops.errors import (
    ApiError, BadRequest, Forbidden, ItemError, NotFound, RateLimited, ServerError, Unauthorized,
)


@dataclass(frozen=True, slots=True)
class RateInfo:
    """What the server says about the quota (any field may be missing)."""

    limit: int | None
    remaining: int | None
    reset_epoch: float | None
    retry_after_s: float | None

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> RateInfo:
        """Read x-ratelimit-limit/-remaining/-reset and Retry-After."""
        return cls(_num(headers.get("x-ratelimit-limit"), int), _num(headers.get("x-ratelimit-remaining"), int),
                   _num(headers.get("x-ratelimit-reset"), float), _num(headers.get("retry-after"), float))

    def wait_s(self, now: float | None = None) -> float:
        """How long to pause after a 429: Retry-After, else until the reset, else a minute."""
        if self.retry_after_s is not None:
            return max(0.0, self.retry_after_s)
        if self.reset_epoch is not None:
            return max(0.0, self.reset_epoch - (time.time() if now is None else now))
        return 60.0


def _num(raw: str | None, kind: type) -> Any:
    try:
        return None if raw is None else kind(float(raw))
    except ValueError:
        return None


def parse_body(body: bytes) -> Any:
    """JSON or None for an empty body."""
    if not body.strip():
        return None
    try:
        return json.loads(body)
    except ValueError:
        return None


def error_for(status: int, headers: Mapping[str, str], body: bytes, *, method: str, path: str) -> ApiError:
    """The typed error of an error answer, with the first error's code, detail and trace id."""
    data = parse_body(body)
    errors = data.get("errors") if isinstance(data, dict) else None
    first = errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], dict) else {}
    code = str(first.get("code") or first.get("error") or "")
    oauth = data.get("error_description") if isinstance(data, dict) else None
    detail = str(first.get("title") or first.get("detail") or oauth or f"HTTP {status}")
    kw: dict[str, Any] = {"code": code, "trace_id": first.get("traceId"), "method": method, "path": path}
    if status == 400:
        return BadRequest(detail, items=tuple(_items(errors or [])), **kw)
    if status == 429:
        return RateLimited(detail, retry_after_s=RateInfo.from_headers(headers).wait_s(), **kw)
    kind = {401: Unauthorized, 403: Forbidden, 404: NotFound}.get(status)
    if kind is None:
        kind = ServerError if status >= 500 else ApiError
    return kind(detail, status=status, **kw)


def _items(errors: list[Any]) -> list[ItemError]:
    """Errors that name an item of the batch (`source.index` / `source.id`)."""
    found = []
    for e in errors:
        source = e.get("source") if isinstance(e, dict) else None
        if isinstance(source, dict) and ("index" in source or "id" in source):
            index = source.get("index")
            found.append(ItemError(int(index) if str(index).isdigit() else None, source.get("id"),
                                   str(e.get("code") or ""), str(e.get("title") or e.get("detail") or "")))
    return found
