"""How one API speaks HTTP, as the engine needs it: how it authenticates, how its errors and its quota read.

A platform provides a `Dialect`; the engine's client, limiter and retries are the same for every platform.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

from bulkops.engine.envelope import RateInfo
from bulkops.engine.transport import Transport
from bulkops.errors import ApiError
from bulkops.types import Connection


class Auth(Protocol):
    """Hands out the headers that authenticate a call."""

    refreshes: int

    async def header(self) -> dict[str, str]:
        """The headers to send now (fetching or refreshing a token if needed)."""

    async def invalidate(self, header: Mapping[str, str]) -> bool:
        """After a 401: drop what was refused; True if a retry with fresh headers can help."""

    def secrets(self) -> list[str]:
        """The secrets it sends (a client secret, tokens, a key): scrubbed from every answer (`auth.scrub`)."""


# (status, headers, body, method, path) → the typed error of an error answer
ErrorReader = Callable[[int, Mapping[str, str], bytes, str, str], ApiError]


@dataclass(frozen=True, slots=True)
class RateSpec:
    """How an API counts calls: its window, what it answers about the quota, what to assume when it is silent."""

    read: Callable[[Mapping[str, str]], RateInfo]  # headers → what the server says about the quota
    window_s: float = 60.0
    default_per_window: float | None = None  # assumed when the API never says (estimates, and pacing if set)
    paced_by_default: bool = False  # pace at the default from the first call (an API that never announces one)


@dataclass(frozen=True, slots=True)
class Dialect:
    """Everything the engine needs from a platform to call its API."""

    auth: Callable[[Transport, Connection], Auth]
    errors: ErrorReader
    rate: RateSpec
