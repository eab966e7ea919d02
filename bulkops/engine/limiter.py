"""The quota gate: the calls a window has left spent at once, evenly paced calls where the server has not said,
a cap on requests in flight, and a pause of the whole pool after a 429.

Where the API counts calls in fixed windows and says so on every answer (Criteo's `x-ratelimit-remaining` and
`x-ratelimit-reset`), the calls the current window has left are sent without waiting: a job that fits in one
window's quota is not spread over the minute (100 writes under 250/min take a few seconds, not 24). What may not
have been counted yet (the calls still in flight) is kept back, and once the window's calls are spent nothing
more goes until its reset, so no window ever gets more than its quota.

When such a window has ended, the next one's first call goes alone and its answer says what is left: calls
granted by the last window's count may land in the new one (they were in flight), which no pacing could know.
Where the server never says (an API without those headers), calls are evenly paced: slots spaced a hair wider
than window/quota can never put more than the quota into any window, whatever the window's alignment.
aiolimiter provides the spacing (a bucket of size one at the slot interval)."""

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
        self._in_flight = anyio.Semaphore(max_in_flight, fast_acquire=True)  # a free place: no extra loop pass
        self._learning = per_window is None  # until the server tells its quota: one call at a time
        self._probe = anyio.Lock()
        self._pace: AsyncLimiter | None = None
        self.per_window: float | None = None
        self._paused_until = 0.0  # wall clock (the server's reset headers are epoch seconds)
        self._auto = auto  # False when the user gave --rate: it wins over the headers
        self._sending = 0  # calls granted a slot and not yet answered (or given up)
        self._budget = 0  # calls the server's current window still takes, as far as its answers tell
        self._budget_window = 0.0  # which window the budget is of: its reset as the server says it (epoch s)
        self._budget_until = 0.0  # when that budget lapses here: the reset, a window from now at most (skew)
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
        """Wait for a pause to end, a free in-flight place and the window's next call (at once while the window
        has calls left; else the next paced slot). Leave it once the answer is in, before `observe`."""
        async with self._in_flight:
            while True:
                if self._learning or self._lapsed():
                    await self._probe.acquire()
                    if self._learning or self._lapsed():  # still no word of the quota, or of this window
                        try:
                            await self._wait()
                            yield
                        finally:
                            self._probe.release()
                        return
                    self._probe.release()
                if await self._counted():
                    break
            self._sending += 1
            try:
                yield
            finally:
                self._sending -= 1

    async def _counted(self) -> bool:
        """A call the server's current window takes (True), or, its calls spent, False once it has ended (the
        next window's first call then goes alone); paced where the server never said."""
        while True:
            now = time.time()
            if self._paused_until > now:
                await anyio.sleep(self._paused_until - now)
                continue
            if now >= self._budget_until:
                if self._budget_window > 0:
                    return False
                await self._wait()
                return True
            if self._budget > 0:
                self._budget -= 1
                return True
            await anyio.sleep(self._budget_until - now)  # spent: nothing more until the window resets

    def _lapsed(self) -> bool:
        """A window the server counted for us has ended, and no answer of the next one is in yet: its first call
        goes alone. Calls granted by the last window's count may still land in this one (they are in flight),
        which calls paced from an empty count could not know: that call's answer says what is left."""
        return self._budget_window > 0 and time.time() >= self._budget_until

    async def _wait(self) -> None:
        while True:
            now = time.time()
            if self._paused_until > now:
                await anyio.sleep(self._paused_until - now)
                continue
            if now < self._budget_until:
                if self._budget > 0:  # the server said this window takes more calls: no need to wait
                    self._budget -= 1
                    return
                await anyio.sleep(self._budget_until - now)  # spent: nothing more until the window resets
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
        if info.remaining is None or info.reset_epoch is None or rate_limited:
            return
        if info.remaining == 0:
            self.pause_until(info.reset_epoch)
        if not self._auto:
            return  # the user's --rate wins: paced at that rate, never faster
        # the calls still in flight may not have been counted in `remaining` yet: kept back
        left = max(0, info.remaining - self._sending)
        if info.reset_epoch > self._budget_window:  # a newer window
            self._budget, self._budget_window = left, info.reset_epoch
            self._budget_until = min(info.reset_epoch, time.time() + self._window_s)
        elif info.reset_epoch == self._budget_window:
            self._budget = min(self._budget, left)  # answers arrive out of order: the lowest count holds

    def pause(self, seconds: float) -> None:
        """Pause the whole pool (after a 429)."""
        self.pause_until(time.time() + seconds)

    def pause_until(self, epoch: float) -> None:
        """Pause the whole pool until a wall-clock time."""
        self._paused_until = max(self._paused_until, epoch)
