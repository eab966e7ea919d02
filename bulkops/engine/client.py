"""ApiClient.call(): limiter → auth → transport, retried with backoff (stamina) on what is worth retrying.

Retried: transport failures (timeouts, dropped connections), 5xx, and 429 (after the pool-wide pause the
limiter imposes). A 401 refreshes the shared token once and retries (an API key cannot be refreshed, so
its 401 is final). 400/403/404 are answers, not accidents: they are never retried. Backoff is stamina's
exponential backoff with jitter, capped per call (`RetryPolicy.attempts`, `.deadline_s`) and per run
(`.run_budget`). The platform's `Dialect` says how calls authenticate and how errors and quotas read.

A call that is not idempotent (`idempotent=False`: a create) is retried after a transport failure only when
the request surely never left (the connection could not be made); otherwise its failure stands, and the
caller settles it by reading back. When no call has been answered for `RetryPolicy.unreachable_after_s`
despite retries, the API is taken for unreachable: every call then fails at once with `ApiUnreachable`, so
a run stops sending within seconds instead of retrying each request for minutes. The same holds when every
answer has been a server error (5xx) for `RetryPolicy.unavailable_after_s`: an API down for maintenance
behind a gateway answers, but a run would otherwise retry each of its requests for minutes, one after another.

Every call is counted per second (requests, retries, 429s, errors) in `timeline`, for the run's report.

The token is taken *after* the rate-limit slot: at a low quota a slot can be far off, and a token taken
before the wait could expire in the queue.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import stamina

from bulkops.engine.auth import scrub
from bulkops.engine.dialect import Dialect
from bulkops.engine.envelope import clip, parse_body
from bulkops.engine.limiter import Limiter
from bulkops.engine.transport import Timeouts, Transport
from bulkops.engine.wire import WIRE
from bulkops.errors import ApiError, ApiUnreachable, RateLimited, RequestError, TransportError, Unauthorized
from bulkops.types import Connection

# bulkops counts retries in its own reports and progress: stamina's log line per retry would be noise on a
# script's stderr (Python prints a warning of a logger with no handler). A handler that drops them, on stamina's
# logger only: an application that configures logging still gets them.
logging.getLogger("stamina").addHandler(logging.NullHandler())


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How hard one call is retried before its failure is final."""

    attempts: int = 8
    deadline_s: float = 300.0
    wait_initial_s: float = 1.0
    wait_max_s: float = 60.0
    wait_jitter_s: float = 1.0
    run_budget: int = 10_000  # retries for the whole run; past it, failures are final at once
    unreachable_after_s: float = 20.0  # no answer at all for this long, through retries: the API is unreachable
    refused_after_s: float = 5.0  # every connection refused (or not resolved) for this long: it is unreachable
    unavailable_after_s: float = 60.0  # only server errors (5xx), to more than one call, this long: the API is down
    # (half the time one call takes to spend its retries: the calls in flight when it trips have not failed yet)


DEFAULT_RETRY = RetryPolicy()
DEFAULT_TIMEOUTS = Timeouts()


@dataclass(frozen=True, slots=True)
class Tuning:
    """How hard the client tries: timeouts, retries, and the quota window it assumes (tests shorten them all)."""

    timeouts: Timeouts = DEFAULT_TIMEOUTS
    retry: RetryPolicy = DEFAULT_RETRY
    quota_window_s: float | None = None  # None: the platform's


@dataclass(frozen=True, slots=True)
class Response:
    """A successful answer."""

    status: int
    body: Any
    trace_id: str | None
    attempts: int


@dataclass(slots=True)
class _Call:
    idempotent: bool = True
    max_attempts: int = 8
    attempts: int = 0
    refreshed: bool = False
    erred_in: int = -1  # the run of server errors this call last got one in (see ApiClient._answered)


class Timeline:
    """Requests, retries, 429s and errors per wall-clock second and phase (reading, sending ...)."""

    def __init__(self) -> None:
        self.phase = "reading"
        self.seconds: dict[tuple[int, str], list[int]] = {}

    def count(self, what: int) -> None:
        """Add one to a counter of this second: 0 requests, 1 retries, 2 429s, 3 errors."""
        key = (int(time.time()), self.phase)
        counters = self.seconds.get(key)
        if counters is None:
            counters = self.seconds[key] = [0, 0, 0, 0]
        counters[what] += 1

    def drain(self) -> list[tuple[int, str, int, int, int, int]]:
        """Everything counted since the last drain."""
        rows = [(second, phase, *counters) for (second, phase), counters in sorted(self.seconds.items())]
        self.seconds = {}
        return rows  # type: ignore[return-value]


class ApiClient:
    """One run's connection to one API: `async with ApiClient(conn, dialect) as api: await api.call("GET", path)`."""

    def __init__(self, connection: Connection, dialect: Dialect, *,  # noqa: PLR0913 - knobs with defaults
                 transport: Transport | None = None, timeouts: Timeouts = DEFAULT_TIMEOUTS,
                 retry: RetryPolicy = DEFAULT_RETRY, quota_window_s: float | None = None) -> None:
        self.connection = connection
        self.dialect = dialect
        # how long a request sent may still land: connecting, then waiting for its answer
        self.in_flight_s = timeouts.connect + timeouts.read
        self.transport = transport or Transport(timeouts, max_connections=max(8, connection.concurrency * 2))
        self.auth = dialect.auth(self.transport, connection)
        spec = dialect.rate
        rate = connection.rate or (spec.default_per_window if spec.paced_by_default else None)
        self.limiter = Limiter(rate, connection.concurrency, window_s=quota_window_s or spec.window_s,
                               auto=connection.rate is None)
        self.retry = retry
        self.counters: Counter[str] = Counter()
        self.timeline = Timeline()
        self._last_answer = time.monotonic()
        self._failing = 0  # calls in a row that got no answer at all
        self._refused_since: float | None = None  # start of a run of calls that could not even connect
        self._erring_since: float | None = None  # start of a run of answers that were all server errors
        self._erring_calls = 0  # distinct calls answered a server error in that run
        self._erring_run = 0  # which run of server errors it is
        self._unreachable: str | None = None  # once set, every call fails at once
        self.not_reached = 0  # calls that failed, all retries spent, without ever reaching the API

    @property
    def quota(self) -> float | None:
        """Calls per minute the run paced at (learned, given, or the platform's assumption); None if unknown."""
        per_window = self.limiter.per_window or self.dialect.rate.default_per_window
        return None if per_window is None else per_window * 60.0 / self.limiter.window_s

    async def __aenter__(self) -> ApiClient:
        await self.transport.open()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.transport.close()

    async def call(self, method: str, path: str, *, params: Any = None, json: Any = None,  # noqa: PLR0913
                   idempotent: bool = True, attempts: int | None = None) -> Response:
        """Send until answered well or the retry policy gives up (then the last error is raised).

        `attempts` caps the tries of this call below the policy's (a preflight probe tries once or twice).
        """
        state = _Call(idempotent, max_attempts=attempts or self.retry.attempts)
        try:
            return await self._retried(method, path, params, json, state)
        except RequestError as exc:
            exc.attempts = state.attempts
            if isinstance(exc, TransportError) and not exc.sent:
                self.not_reached += 1
            raise

    async def _retried(self, method: str, path: str, params: Any, json: Any, state: _Call) -> Response:
        """The first attempt goes alone: nearly every call needs no retry, and a retry context per call (tenacity's
        state machine under stamina) was a tenth of the client's work per request. A first failure worth retrying
        hands over to stamina, whose first attempt raises that failure again: its backoff, deadline (less the
        time the first attempt took) and hooks then run as they would have from the start."""
        began = time.monotonic()
        state.attempts += 1
        try:
            return await self._once(method, path, params, json, state)
        except Exception as exc:
            if state.max_attempts <= 1 or not self._should_retry(exc):
                raise
            first: Exception | None = exc
        p = self.retry
        left = p.deadline_s - (time.monotonic() - began)
        if left <= 0:
            assert first is not None
            raise first
        async for attempt in stamina.retry_context(on=self._should_retry, attempts=state.max_attempts, timeout=left,
                                                   wait_initial=p.wait_initial_s, wait_max=p.wait_max_s,
                                                   wait_jitter=p.wait_jitter_s):
            with attempt:
                if first is not None:
                    failed, first = first, None
                    raise failed
                self.counters["retries"] += 1
                self.timeline.count(1)
                state.attempts += 1
                return await self._once(method, path, params, json, state)
        raise AssertionError("unreachable: stamina re-raises the last error")

    async def _once(self, method: str, path: str, params: Any, json: Any, state: _Call) -> Response:
        url = self.connection.base_url + path
        async with self.limiter.slot():
            self._check_reachable(method, path)
            auth = await self.auth.header()
            self.counters["requests"] += 1
            self.timeline.count(0)
            wire = WIRE.get()
            left = wire is not None and wire.left
            if wire is not None:
                wire.left = True  # from here, a stop cannot tell whether it went
            try:
                raw = await self.transport.send(method, url, headers={**auth, "Accept": "application/json"},
                                                params=params, json=json)
            except TransportError as exc:
                if wire is not None and not exc.sent:  # no connection: this one never left
                    wire.left = left
                self._no_answer(exc)
                if not state.idempotent and exc.sent:
                    exc.retryable = False  # it may have been applied: never send a create twice blindly
                raise
        self._answered(raw.status, state)
        # On a 429 the pause comes from Retry-After (below), not from the window's reset.
        self.limiter.observe(self.dialect.rate.read(raw.headers), rate_limited=raw.status == 429)
        if 300 <= raw.status < 400:
            where = scrub(raw.headers.get("location", "?").encode(), self.auth.secrets()).decode(errors="replace")
            raise ApiError(f"the API answered a redirect ({raw.status}) to {clip(where, 120)}; bulkops follows no"
                           " redirect (credentials must not go elsewhere): check --base-url", status=raw.status,
                           code="redirect-refused", method=method, path=path)
        if raw.status < 400:
            body = parse_body(raw.body)
            trace = body.get("traceId") if isinstance(body, dict) else None
            return Response(raw.status, body, trace, state.attempts)
        error = self.dialect.errors(raw.status, raw.headers, scrub(raw.body, self.auth.secrets()), method, path)
        if isinstance(error, RateLimited):
            self.counters["rate_limited"] += 1
            self.timeline.count(2)
            self.limiter.pause(error.retry_after_s)
        elif raw.status >= 500:
            self.timeline.count(3)
            if self._unreachable is not None:  # one more sign the API is down, not a failure of this call's rows
                down = ApiUnreachable(f"API unreachable: {self._unreachable}", sent=True, method=method, path=path)
                down.answered = True  # with a server error, which may have come after the change was applied
                raise down
            if not state.idempotent:
                error.retryable = False  # a create answered 5xx may have been applied: read back, never sent twice
                error.maybe_applied = True
        elif isinstance(error, Unauthorized) and not state.refreshed:
            state.refreshed = True
            error.retryable = await self.auth.invalidate(auth)  # once: the refreshed token gets one more try
        raise error

    def _answered(self, status: int, call: _Call) -> None:
        """Count an answer; after server errors only, to more than one call, for long enough, take the API for
        down. More than one call: a request's own retries span the whole wait, and one request failing is its
        rows' failure, not a down API."""
        now = self._last_answer = time.monotonic()
        self._failing = 0
        self._refused_since = None
        if status < 500:
            self._erring_since, self._erring_calls = None, 0
            self._erring_run += 1
            return
        if self._erring_since is None:
            self._erring_since = now
        if call.erred_in != self._erring_run:
            call.erred_in = self._erring_run
            self._erring_calls += 1
        spell = now - self._erring_since
        if self._erring_calls >= 2 and spell >= self.retry.unavailable_after_s:
            self._unreachable = f"every answer for {spell:.0f}s, to {self._erring_calls} calls, was a server error" \
                f" (the last {status})"

    def _no_answer(self, exc: TransportError) -> None:
        """Count a call with no answer; after long enough, take the API for unreachable. Refused connections are
        a plainer sign (nothing listens) than timeouts (a slow server), so they decide sooner."""
        self.timeline.count(3)
        self._failing += 1
        now = time.monotonic()
        silent = now - self._last_answer
        if exc.sent:
            self._refused_since = None
        elif self._refused_since is None:
            self._refused_since = now
        refused = now - self._refused_since if self._refused_since is not None else 0.0
        if self._failing >= 3 and (silent >= self.retry.unreachable_after_s or refused >= self.retry.refused_after_s):
            self._unreachable = f"no answer for {silent:.0f}s ({exc})"

    def _check_reachable(self, method: str, path: str) -> None:
        if self._unreachable is not None:
            raise ApiUnreachable(f"API unreachable: {self._unreachable}", sent=False, method=method, path=path)

    @property
    def unreachable(self) -> str | None:
        """Why the API is taken for unreachable (None while it answers)."""
        return self._unreachable

    def _should_retry(self, exc: Exception) -> bool | float:
        if isinstance(exc, ApiUnreachable) or self._unreachable is not None:
            return False
        if self.counters["retries"] >= self.retry.run_budget:
            return False  # a server that fails this much is down: stop hammering it, report the rows
        if isinstance(exc, RateLimited):
            return 0.001  # the limiter already holds the whole pool until Retry-After
        return isinstance(exc, RequestError) and exc.retryable

