"""What stands in front of every API handler: which API, version, auth, quota, faults, and the error body.

Faults replay: a request's fate is a pure function of (seed, method, path and query, body digest,
how many times this same request was seen before while faults were on), so a run meets the same faults
whatever the order in which its requests arrive, and a retry of a failed request can succeed.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import uuid
from collections.abc import Awaitable, Callable

from aiohttp import web

from bulkops.sandbox.api import SandboxApi
from bulkops.sandbox.auth import TOKEN_PATH
from bulkops.sandbox.problems import ApiProblem, envelope, problem
from bulkops.sandbox.state import CLIENT_ID, STATE, TRACE_ID, SandboxState

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
CONTROL_PREFIX = "/__sandbox__/"
APIS: web.AppKey[tuple[SandboxApi, ...]] = web.AppKey("sandbox_apis")


def api_of(request: web.Request) -> SandboxApi | None:
    """The API a request's path belongs to, if any."""
    apis = request.app[APIS]
    return next((a for a in apis if a.owns(request.path)), None)


@web.middleware
async def api_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Run every API request through its API's version → auth → quota → faults, answering errors in its body."""
    st = request.app[STATE]
    request[TRACE_ID] = uuid.uuid4().hex
    if request.path.startswith(CONTROL_PREFIX) or request.path == TOKEN_PATH:
        return await _plain(request, handler)
    st.stats["requests"] += 1
    api = api_of(request)
    render = api.render if api is not None else envelope
    try:
        if api is None:
            served = ", ".join(a.prefix for a in request.app[APIS])
            raise problem(404, "validation", "unknown-path", f"no API is served at this path; served: {served}")
        response = await _guarded(request, handler, st, api)
    except ApiProblem as exc:
        response = render(request, exc)
    except web.HTTPException as exc:  # unknown route or method: still the API's error body
        code = "not-found" if exc.status == 404 else "method-not-allowed"
        response = render(request, problem(exc.status, "validation", code, exc.reason))
    except Exception as exc:  # noqa: BLE001 - a sandbox bug must still answer in the error body
        response = render(request, problem(500, "unknown", "internal-error", type(exc).__name__))
    st.stats[f"status_{response.status}"] += 1
    st.routes[f"{request.method} {_route(request)}"] += 1
    return response


async def _plain(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Control plane and token endpoint: no auth, no quota, no faults; a bad body is a 400, never a traceback."""
    try:
        return await handler(request)
    except ApiProblem as exc:
        return envelope(request, exc)
    except web.HTTPException:
        raise
    except (ValueError, TypeError, KeyError) as exc:
        return envelope(request, problem(400, "validation", "invalid-body", f"bad request body: {exc}"))


async def _guarded(request: web.Request, handler: Handler, st: SandboxState, api: SandboxApi) -> web.StreamResponse:
    version = api.version_of(request.path)
    if api.versions and version not in api.versions:
        raise problem(404, "validation", "unknown-version",
                      f"unknown {api.title} API version {version!r}; versions served: {', '.join(api.versions)}")
    request[CLIENT_ID] = api.authenticate(request, st)
    headers = _quota(request[CLIENT_ID], st, api)
    k = st.knobs
    if k.faults_on and (not k.fault_methods or request.method in k.fault_methods):  # no hashing when off
        fate = await _fate(request, st)
        if k.latency_ms > 0:
            await asyncio.sleep(-math.log(1.0 - fate[3]) * k.latency_ms / 1000.0)
        response = await _with_fault(request, handler, st, fate)
    else:
        response = await handler(request)
    response.headers.update(headers)
    return response


def _quota(client: str, st: SandboxState, api: SandboxApi) -> dict[str, str]:
    """Count the call in its fixed window of its quota group; 429 over quota. Returns the rate headers."""
    k = st.knobs
    quota = k.quotas.get(api.quota_group, 0)
    if quota <= 0 and k.burst_429 <= 0:
        return {}
    window_s = k.quota_window_s
    now = st.clock.now()
    number = int(now // window_s)
    reset = (number + 1) * window_s
    seen_window, calls = st.windows.get((api.quota_group, client), (number, 0))
    calls = calls if seen_window == number else 0
    limit = quota if quota > 0 else 1_000_000
    headers = {"x-ratelimit-limit": str(limit), "x-ratelimit-reset": str(math.ceil(reset))} if api.rate_headers else {}
    if k.burst_429 > 0 or calls >= limit:
        k.burst_429 = max(0, k.burst_429 - 1)
        st.stats["rate_limited"] += 1
        retry_after = max(1, math.ceil(reset - now)) if calls >= limit else 1
        remaining = {"x-ratelimit-remaining": "0"} if api.rate_headers else {}
        raise ApiProblem(429, [{"type": "quota", "code": "rate-limit-exceeded",
                                "title": "API call limit exceeded", "source": {},
                                "detail": f"{limit} calls per {window_s:g} s; retry after {retry_after} s"}],
                         headers={**headers, **remaining, "Retry-After": str(retry_after)})
    st.windows[(api.quota_group, client)] = (number, calls + 1)
    if api.rate_headers:
        headers["x-ratelimit-remaining"] = str(max(0, limit - calls - 1))
    return headers


async def _fate(request: web.Request, st: SandboxState) -> tuple[float, float, float, float]:
    body = await request.read()
    key = f"{request.method} {request.path_qs} {hashlib.sha256(body).hexdigest()}"
    n = st.seen[key]
    st.seen[key] += 1
    digest = hashlib.sha256(f"{st.settings.seed}|{key}|{n}".encode()).digest()
    return tuple(int.from_bytes(digest[i:i + 8], "big") / 2**64 for i in (0, 8, 16, 24))  # type: ignore[return-value]


async def _with_fault(request: web.Request, handler: Handler, st: SandboxState,
                      fate: tuple[float, float, float, float]) -> web.StreamResponse:
    k, roll, pick = st.knobs, fate[0], fate[1]
    if roll < k.error_rate:
        st.stats["injected_errors"] += 1
        status = 500 if pick < 0.5 else 503
        raise problem(status, "availability", "service-unavailable" if status == 503 else "internal-error",
                      "Injected server error (sandbox fault)")
    if roll < k.error_rate + k.reset_rate:
        st.stats["resets"] += 1
        if pick >= 0.5:  # half the drops happen after the request was applied, as on real networks
            await handler(request)
        _drop(request)
    if roll < k.error_rate + k.reset_rate + k.hang_rate:
        st.stats["hangs"] += 1
        if pick >= 0.5:  # and half the hangs after it was applied: the client cannot know which
            await handler(request)
        await asyncio.sleep(st.settings.hang_max_s)
        _drop(request)
    return await handler(request)


def _drop(request: web.Request) -> None:
    transport = request.transport
    if transport is not None:
        transport.abort()
    raise asyncio.CancelledError  # aiohttp treats it as a lost connection: no answer is written


def _route(request: web.Request) -> str:
    info = request.match_info.route.resource
    return info.canonical if info is not None else request.path
