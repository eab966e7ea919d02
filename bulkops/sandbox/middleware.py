"""What stands in front of every API handler: version, auth, quota, faults, and the error envelope.

Faults replay: a request's fate is a pure function of (seed, method, path and query, body digest,
how many times this same request was seen before while faults were on), so a run meets the same faults whatever the
order in which its requests arrive, and a retry of a failed request can succeed.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import secrets
import uuid
from collections.abc import Awaitable, Callable

from aiohttp import web

from bulkops.sandbox.serialize import ApiProblem, error_response, problem
from bulkops.sandbox.settings import VERSIONS
from bulkops.sandbox.state import CLIENT_ID, STATE, TRACE_ID, SandboxState

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
CONTROL_PREFIX = "/__sandbox__/"


@web.middleware
async def api_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Run every API request through version → auth → quota → faults, answering errors in the envelope."""
    st = request.app[STATE]
    request[TRACE_ID] = uuid.uuid4().hex
    if request.path.startswith(CONTROL_PREFIX) or request.path == "/oauth2/token":
        return await handler(request)
    st.stats["requests"] += 1
    try:
        response = await _guarded(request, handler, st)
    except ApiProblem as exc:
        response = error_response(request, exc)
    except web.HTTPException as exc:  # unknown route or method: still the envelope
        response = error_response(request, problem(exc.status, "validation", "not-found" if exc.status == 404
                                                   else "method-not-allowed", exc.reason))
    except Exception as exc:  # noqa: BLE001 - a sandbox bug must still answer in the envelope
        response = error_response(request, problem(500, "unknown", "internal-error", type(exc).__name__))
    st.stats[f"status_{response.status}"] += 1
    st.routes[f"{request.method} {_route(request)}"] += 1
    return response


async def _guarded(request: web.Request, handler: Handler, st: SandboxState) -> web.StreamResponse:
    version = request.path.split("/")[1] if request.path.count("/") > 1 else ""
    if version not in VERSIONS or "/retail-media/" not in request.path:
        raise problem(404, "validation", "unknown-version",
                      f"unknown API version or path; versions served: {', '.join(VERSIONS)}")
    _authenticate(request, st)
    headers = _quota(request[CLIENT_ID], st)
    k = st.knobs
    if k.error_rate or k.reset_rate or k.hang_rate or k.latency_ms:  # no hashing, no memory when faults are off
        fate = await _fate(request, st)
        if k.latency_ms > 0:
            await asyncio.sleep(-math.log(1.0 - fate[3]) * k.latency_ms / 1000.0)
        response = await _with_fault(request, handler, st, fate)
    else:
        response = await handler(request)
    response.headers.update(headers)
    return response


def _authenticate(request: web.Request, st: SandboxState) -> None:
    header = request.headers.get("Authorization", "")
    token = header[7:] if header.startswith("Bearer ") else ""
    found = st.tokens.get(token)
    if found is None:
        raise problem(401, "authorization", "authorization-token-invalid", "The authorization header is invalid")
    client, expiry = found
    if st.clock.now() > expiry + st.knobs.token_grace_s:
        raise problem(401, "authorization", "authorization-token-expired", "The authorization token has expired")
    request[CLIENT_ID] = client


def _quota(client: str, st: SandboxState) -> dict[str, str]:
    """Count the call in its fixed window; 429 over quota. Returns the x-ratelimit headers."""
    k = st.knobs
    if k.quota <= 0 and k.burst_429 <= 0:
        return {}
    window_s = k.quota_window_s
    now = st.clock.now()
    number = int(now // window_s)
    reset = (number + 1) * window_s
    seen_window, calls = st.windows.get(client, (number, 0))
    calls = calls if seen_window == number else 0
    limit = k.quota if k.quota > 0 else 1_000_000
    headers = {"x-ratelimit-limit": str(limit), "x-ratelimit-reset": str(math.ceil(reset))}
    if k.burst_429 > 0 or calls >= limit:
        k.burst_429 = max(0, k.burst_429 - 1)
        st.stats["rate_limited"] += 1
        retry_after = max(1, math.ceil(reset - now)) if calls >= limit else 1
        raise ApiProblem(429, [{"type": "quota", "code": "rate-limit-exceeded",
                                "title": "API call limit exceeded", "source": {},
                                "detail": f"{limit} calls per {window_s:g} s; retry after {retry_after} s"}],
                         headers={**headers, "x-ratelimit-remaining": "0", "Retry-After": str(retry_after)})
    st.windows[client] = (number, calls + 1)
    return {**headers, "x-ratelimit-remaining": str(max(0, limit - calls - 1))}


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
        await asyncio.sleep(st.settings.hang_max_s)
    return await handler(request)


def _drop(request: web.Request) -> None:
    transport = request.transport
    if transport is not None:
        transport.abort()
    raise asyncio.CancelledError  # aiohttp treats it as a lost connection: no answer is written


def _route(request: web.Request) -> str:
    info = request.match_info.route.resource
    return info.canonical if info is not None else request.path


async def token(request: web.Request) -> web.Response:
    """POST /oauth2/token: OAuth2 client credentials (form-encoded)."""
    st = request.app[STATE]
    form = await request.post()
    if form.get("grant_type") != "client_credentials":
        return _oauth_error(400, "unsupported_grant_type", "grant_type must be client_credentials")
    if not form.get("client_id") or not form.get("client_secret"):
        return _oauth_error(400, "invalid_request", "client_id and client_secret are required")
    ok = secrets.compare_digest(str(form["client_id"]), st.settings.client_id) and secrets.compare_digest(
        str(form["client_secret"]), st.settings.client_secret)
    if not ok:
        return _oauth_error(401, "invalid_client", "unknown client or wrong secret")
    access = secrets.token_urlsafe(32)
    st.tokens[access] = (st.settings.client_id, st.clock.now() + st.knobs.token_ttl)
    st.stats["tokens"] += 1
    return web.json_response({"access_token": access, "token_type": "Bearer",
                              "expires_in": st.knobs.token_ttl, "refresh_token": None})


def _oauth_error(status: int, error: str, description: str) -> web.Response:
    return web.json_response({"error": error, "error_description": description, "error_uri": None}, status=status)
