"""The control plane: change faults, quotas, token lifetime and time while the sandbox runs; read its state.

The same operations exist in-process (`Control`) and over HTTP under `/__sandbox__/` (no token, never
counted against a quota), so a sandbox in another process can be steered too. Each API adds its own
handle (`sb.control.retail_media`, `sb.control.mpo` ...) and routes under `/__sandbox__/<api>/`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aiohttp import web

from bulkops.sandbox.api import SandboxApi
from bulkops.sandbox.problems import problem
from bulkops.sandbox.state import STATE, SandboxState

FAULTS = ("error_rate", "reset_rate", "hang_rate", "latency_ms")


class Control:
    """In-process handle on a running sandbox; `control.<api>` is that API's own handle."""

    def __init__(self, state: SandboxState, apis: Sequence[SandboxApi]) -> None:
        self._st = state
        self._apis = {a.name.replace("-", "_"): a for a in apis}

    def __getattr__(self, name: str) -> Any:
        apis = self.__dict__.get("_apis", {})
        if name in apis:
            return apis[name].control(self.__dict__["_st"])
        raise AttributeError(f"no control {name!r}; APIs: {', '.join(apis)}")

    def set_faults(self, *, methods: tuple[str, ...] | list[str] | None = None, **faults: float) -> None:
        """Change any of error_rate, reset_rate, hang_rate (0..1) and latency_ms; `methods` limits the faults to
        those HTTP methods (e.g. ("POST", "PUT", "PATCH"): writes fail, reads answer), None leaves it as is."""
        if methods is not None:
            self._st.knobs.fault_methods = tuple(str(m).upper() for m in methods)
        for name, value in faults.items():
            if name not in FAULTS:
                raise ValueError(f"unknown fault {name!r}; known: {', '.join(FAULTS)}")
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"{name} must be a number")
            if name != "latency_ms" and not 0 <= value <= 1:
                raise ValueError(f"{name} must be between 0 and 1")
            if name == "latency_ms" and value < 0:
                raise ValueError("latency_ms must be >= 0")
            setattr(self._st.knobs, name, float(value))

    def set_quota(self, per_window: int, window_s: float | None = None, *, api: str | None = None) -> None:
        """Calls per window (one minute unless window_s) per client; 0 turns it off. `api`: only that API's
        quota group (every group when None)."""
        groups = {a.quota_group for a in self._apis.values() if api is None or a.name == api}
        if not groups:
            raise ValueError(f"unknown API {api!r}")
        for group in groups:
            self._st.knobs.quotas[group] = int(per_window)
        if window_s is not None:
            self._st.knobs.quota_window_s = float(window_s)
        self._st.windows.clear()

    def burst_429(self, n: int) -> None:
        """The next n API calls are answered 429, whatever the quota."""
        self._st.knobs.burst_429 = int(n)

    def set_token_ttl(self, seconds: int, grace_s: float | None = None) -> None:
        """Lifetime of tokens issued from now on, and the grace after expiry."""
        self._st.knobs.token_ttl = int(seconds)
        if grace_s is not None:
            self._st.knobs.token_grace_s = float(grace_s)

    def shift_clock(self, *, days: float = 0, seconds: float = 0) -> None:
        """Move the sandbox's time (token expiry, flight dates, budgets, caps that reset the next day)."""
        self._st.clock.shift(days=days, seconds=seconds)

    def set_clock(self, epoch: float) -> None:
        """Make the sandbox's time `epoch` (epoch seconds) now."""
        self._st.clock.set(epoch)

    def now(self) -> float:
        """The sandbox's time, epoch seconds."""
        return self._st.clock.now()

    def stats(self) -> dict[str, Any]:
        """Requests seen: total, per status, 429s, injected faults, per route."""
        return {**self._st.stats, "routes": dict(self._st.routes)}

    def reset_stats(self) -> None:
        """Start counting from zero."""
        self._st.stats.clear()
        self._st.routes.clear()


routes = web.RouteTableDef()


def control_of(request: web.Request) -> Control:
    """The control handle of the sandbox serving this request."""
    from bulkops.sandbox.middleware import APIS  # noqa: PLC0415 - the middleware imports this module's users

    apis = request.app[APIS]
    return Control(request.app[STATE], apis)


async def json_object(request: web.Request) -> dict[str, Any]:
    """The JSON object of a control call; anything else is a 400."""
    try:
        body = await request.json() if request.can_read_body else {}
    except ValueError:
        raise problem(400, "validation", "invalid-body", "the body must be a JSON object") from None
    if not isinstance(body, dict):
        raise problem(400, "validation", "invalid-body", "the body must be a JSON object")
    return body


@routes.post("/__sandbox__/faults")
async def _faults(request: web.Request) -> web.Response:
    try:
        control_of(request).set_faults(**await json_object(request))
    except (TypeError, ValueError) as exc:
        raise problem(400, "validation", "invalid-body", str(exc)) from None
    return web.json_response({k: getattr(request.app[STATE].knobs, k) for k in FAULTS})


@routes.post("/__sandbox__/quota")
async def _quota(request: web.Request) -> web.Response:
    body = await json_object(request)
    control_of(request).set_quota(int(body["quota"]), body.get("window_s"), api=body.get("api"))
    return web.json_response({"quotas": request.app[STATE].knobs.quotas})


@routes.post("/__sandbox__/burst-429")
async def _burst(request: web.Request) -> web.Response:
    control_of(request).burst_429(int((await json_object(request))["n"]))
    return web.json_response({"ok": True})


@routes.post("/__sandbox__/token-ttl")
async def _ttl(request: web.Request) -> web.Response:
    body = await json_object(request)
    control_of(request).set_token_ttl(int(body["seconds"]), body.get("grace_s"))
    return web.json_response({"ok": True})


@routes.post("/__sandbox__/clock")
async def _clock(request: web.Request) -> web.Response:
    body = await json_object(request)
    control = control_of(request)
    if "epoch" in body:
        control.set_clock(float(body["epoch"]))
    control.shift_clock(days=float(body.get("days", 0)), seconds=float(body.get("seconds", 0)))
    return web.json_response({"now": control.now()})


@routes.get("/__sandbox__/stats")
async def _stats(request: web.Request) -> web.Response:
    return web.json_response(control_of(request).stats())


@routes.post("/__sandbox__/stats/reset")
async def _stats_reset(request: web.Request) -> web.Response:
    control_of(request).reset_stats()
    return web.json_response({"ok": True})
