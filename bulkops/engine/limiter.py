"""The quota gate: evenly paced requests at the known or learned rate, a cap on requests in flight, and a
pause of the whole pool after a 429.

Why even pacing rather than a token bucket: APIs such as Criteo's count calls in fixed windows (a minute).
A bucket that lets a burst through at the start of a window can put more than the quota into one window;
slots spaced a hair wider than window/quota can never put more than the quota into any window, whatever
the window's alignment, so the steady state runs just under the quota with no 429. aiolimiter provides
the spacing (a bucket of size one at the slot interval).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from aiolimiter import AsyncLimiter

from bulkops.engine.envelope import RateInfo

SAFETY = 1.01  # slot interval = window / quota × SAFETY: ≥ 0.99 of the quota, never over it
WINDOW_S = 60.0


class Limiter:
    """Gate every request: `async with limiter.slot(): send()`, then `limiter.observe(rate_info)`.

    Rates are calls per window (`window_s`, a minute for most APIs), as the API's own headers count them.
    With no rate, the first call goes alone until the API has said its quota (or has said nothing).
    """

    def __init__(self, per_window: float | None, max_in_flight: int, *, window_s: float = WINDOW_S,
                 auto: bool = True) -> None:
        self._window_s = window_s  # the API's counting window; short in tests
        self._in_flight = anyio.Semaphore(max_in_flight)
        self._learning = per_window is None  # until the server tells its quota: one call at a time
        self._probe = anyio.Lock()
        self._pace: AsyncLimiter | None = None
        self.per_window: float | None = None
        self._paused_until = 0.0  # wall clock (the server's reset headers are epoch seconds)
        self._auto = auto  # False when the user gave --rate: it wins over the headers
        if per_window:
            self._set_rate(per_window)

    @property
    def window_s(self) -> float:
        """The counting window, seconds."""
        return self._window_s

    def _set_rate(self, per_window: float) -> None:
        self.per_window = per_window
        self._pace = AsyncLimiter(1, self._window_s / per_window * SAFETY)

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Wait for a pause to end, a free in-flight place and the next paced slot."""
        async with self._in_flight:
            if self._learning:
                async with self._probe:
                    await self._wait()
                    yield
                    return
            await self._wait()
            yield

    async def _wait(self) -> None:
        while True:
            delay = self._paused_until - time.time()
            if delay > 0:
                await anyio.sleep(delay)
                continue
            if self._pace is not None:
                await self._pace.acquire()
            if self._paused_until <= time.time():  # a 429 may have paused us while we waited for the slot
                return

    def observe(self, info: RateInfo, *, rate_limited: bool = False) -> None:
        """Learn the quota from the headers; stop before a window runs out."""
        if self._auto and info.limit and info.limit != self.per_window:
            self._set_rate(float(info.limit))
        self._learning = False
        if info.remaining == 0 and info.reset_epoch is not None and not rate_limited:
            self.pause_until(info.reset_epoch)

    def pause(self, seconds: float) -> None:
        """Pause the whole pool (after a 429)."""
        self.pause_until(time.time() + seconds)

    def pause_until(self, epoch: float) -> None:
        """Pause the whole pool until a wall-clock time."""
        self._paused_until = max(self._paused_until, epoch)
