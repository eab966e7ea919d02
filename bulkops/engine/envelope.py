"""Raw answers → JSON bodies or typed errors; the quota facts an answer carries (pure, platform-neutral).

Each platform reads its own error body and rate headers (its `Dialect`); this module gives them the shared
pieces: JSON decoding, the `RateInfo` record, and the typed error for a status.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bulkops.errors import (
    ApiError,
    BadRequest,
    Forbidden,
    ItemError,
    NotFound,
    RateLimited,
    ServerError,
    Unauthorized,
)

MAX_ECHO = 200  # characters of a server's text kept in a message


@dataclass(frozen=True, slots=True)
class RateInfo:
    """What the server says about the quota (any field may be missing)."""

    limit: int | None = None
    remaining: int | None = None
    reset_epoch: float | None = None
    retry_after_s: float | None = None

    def wait_s(self, now: float | None = None) -> float:
        """How long to pause after a 429: Retry-After, else until the reset, else a minute."""
        if self.retry_after_s is not None:
            return max(0.0, self.retry_after_s)
        if self.reset_epoch is not None:
            return max(0.0, self.reset_epoch - (time.time() if now is None else now))
        return 60.0


def number(raw: str | None, kind: type) -> Any:
    """A header's number, or None when absent or not a number."""
    try:
        return None if raw is None else kind(float(raw))
    except (ValueError, OverflowError):
        return None


def retry_after(headers: Mapping[str, str]) -> RateInfo:
    """Only the standard Retry-After (seconds), for APIs that send nothing else."""
    return RateInfo(retry_after_s=number(headers.get("retry-after"), float))


def parse_body(body: bytes) -> Any:
    """JSON or None for an empty or non-JSON body."""
    if not body.strip():
        return None
    try:
        return json.loads(body)
    except ValueError:
        return None


def clip(text: Any, limit: int = MAX_ECHO) -> str:
    """A server's or a user's text, cut to a readable length (a 2 MB cell is never echoed whole)."""
    value = str(text)
    return value if len(value) <= limit else value[:limit] + f"… ({len(value) - limit} more characters)"


def typed_error(status: int, detail: str, *, code: str = "", trace_id: str | None = None,  # noqa: PLR0913
                items: tuple[ItemError, ...] = (), headers: Mapping[str, str] | None = None,
                rate: RateInfo | None = None, method: str = "", path: str = "") -> ApiError:
    """The typed error for an answer's status, with what the platform read from its body."""
    kw: dict[str, Any] = {"code": code, "trace_id": trace_id, "method": method, "path": path}
    detail = clip(detail)
    if status == 400:
        return BadRequest(detail, items=items, **kw)
    if status == 429:
        wait = (rate or retry_after(headers or {})).wait_s()
        return RateLimited(detail, retry_after_s=wait, **kw)
    kind = {401: Unauthorized, 403: Forbidden, 404: NotFound}.get(status)
    if kind is None:
        kind = ServerError if status >= 500 else ApiError
    return kind(detail, status=status, **kw)
