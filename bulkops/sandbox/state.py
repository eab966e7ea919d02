"""The sandbox's shared mutable state: store, clock, runtime knobs, tokens, quota windows and statistics."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from aiohttp import web

from bulkops.sandbox.settings import SandboxSettings
from bulkops.sandbox.store import Store


class Clock:
    """Wall time shifted by an offset the control plane sets (to reach expiry, end dates, the next day)."""

    def __init__(self) -> None:
        self.offset_s = 0.0

    def now(self) -> float:
        """Epoch seconds, shifted."""
        return time.time() + self.offset_s

    def today(self) -> date:
        """The sandbox's current UTC date."""
        return datetime.fromtimestamp(self.now(), UTC).date()

    def utcnow(self) -> datetime:
        """The sandbox's current time, as an aware UTC datetime."""
        return datetime.fromtimestamp(self.now(), UTC)

    def shift(self, *, days: float = 0, seconds: float = 0) -> None:
        """Move the sandbox's time forward (or back)."""
        self.offset_s += timedelta(days=days, seconds=seconds).total_seconds()

    def set(self, epoch: float) -> None:
        """Make the sandbox's time `epoch` now (it then runs on from there)."""
        self.offset_s = epoch - time.time()


@dataclass(slots=True)
class Knobs:
    """What the control plane can change while the server runs."""

    quotas: dict[str, int]  # quota group → calls per window per credential (0 = off)
    quota_window_s: float
    token_ttl: int
    token_grace_s: float
    latency_ms: float
    error_rate: float
    reset_rate: float
    hang_rate: float
    burst_429: int = 0
    fault_methods: tuple[str, ...] = ()  # faults hit only these HTTP methods (empty: every method)

    @classmethod
    def from_settings(cls, s: SandboxSettings, quotas: dict[str, int]) -> Knobs:
        """The starting knobs."""
        return cls(quotas, s.quota_window_s, s.token_ttl, s.token_grace_s, s.latency_ms,
                   s.error_rate, s.reset_rate, s.hang_rate)

    @property
    def faults_on(self) -> bool:
        """Any fault or latency switched on (only then are requests fingerprinted)."""
        return bool(self.error_rate or self.reset_rate or self.hang_rate or self.latency_ms)


@dataclass(slots=True)
class SandboxState:
    """Everything the handlers and middlewares share."""

    settings: SandboxSettings
    store: Store
    knobs: Knobs
    clock: Clock = field(default_factory=Clock)
    tokens: dict[str, tuple[str, float]] = field(default_factory=dict)  # token → (client id, expiry epoch)
    windows: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)  # (group, client) → (window, calls)
    seen: Counter[str] = field(default_factory=Counter)  # request fingerprint → sightings (fault replay)
    stats: Counter[str] = field(default_factory=Counter)
    routes: Counter[str] = field(default_factory=Counter)


STATE = web.AppKey("sandbox_state", SandboxState)
TRACE_ID = web.RequestKey("trace_id", str)
CLIENT_ID = web.RequestKey("client_id", str)
