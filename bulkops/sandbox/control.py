"""The control plane: change faults, quota, token lifetime and time while the sandbox runs; read its state.

The same operations exist in-process (`Control`) and over HTTP under `/__sandbox__/` (no token,
never counted against the quota), so a sandbox in another process can be steered too.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bulkops.sandbox.serialize import common_line_item
from bulkops.sandbox.state import STATE, SandboxState

FAULTS = ("error_rate", "reset_rate", "hang_rate", "latency_ms")


class Control:
    """In-process handle on a running sandbox."""

    def __init__(self, state: SandboxState) -> None:
        self._st = state

    def set_faults(self, **faults: float) -> None:
        """Change any of error_rate, reset_rate, hang_rate (0..1) and latency_ms."""
        for name, value in faults.items():
            if name not in FAULTS:
                raise ValueError(f"unknown fault {name!r}; known: {', '.join(FAULTS)}")
            if name != "latency_ms" and not 0 <= value <= 1:
                raise ValueError(f"{name} must be between 0 and 1")
            setattr(self._st.knobs, name, float(value))

    def set_quota(self, per_window: int, window_s: float | None = None) -> None:
        """Calls per window (one minute unless window_s) per client; 0 turns the quota off."""
        self._st.knobs.quota = int(per_window)
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
        """Move the sandbox's time (token expiry, flight dates, archiving)."""
        self._st.clock.shift(days=days, seconds=seconds)

    def stats(self) -> dict[str, Any]:
        """Requests seen: total, per status, 429s, injected faults, per route."""
        return {**self._st.stats, "routes": dict(self._st.routes)}

    def reset_stats(self) -> None:
        """Start counting from zero."""
        self._st.stats.clear()
        self._st.routes.clear()

    def products(self, line_item_id: str) -> dict[str, dict[str, Any]]:
        """The stored products of a line item: sku → {bidOverride, status}."""
        return {sku: {"bidOverride": r["bid_override"], "status": r["status"]}
                for sku, r in self._st.store.products(line_item_id).items()}

    def line_item(self, line_item_id: str) -> dict[str, Any]:
        """A line item as the API shows it (CommonLineItem attributes, status derived)."""
        row = self._st.store.line_item(line_item_id)
        if row is None:
            raise KeyError(line_item_id)
        return common_line_item(row, self._st.clock.today())["attributes"]

    def account_ids(self) -> list[str]:
        """Accounts the default client may see."""
        rows = self._st.store.all("SELECT id FROM accounts WHERE owner=? ORDER BY id", (self._st.settings.client_id,))
        return [r["id"] for r in rows]

    def hidden_account_ids(self) -> list[str]:
        """Accounts that exist but that the default client may not see (403)."""
        rows = self._st.store.all("SELECT id FROM accounts WHERE owner<>? ORDER BY id", (self._st.settings.client_id,))
        return [r["id"] for r in rows]

    def line_item_ids(self, account_id: str) -> list[str]:
        """Every line item of an account, ascending."""
        rows = self._st.store.all("SELECT id FROM line_items WHERE account_id=? ORDER BY id", (account_id,))
        return [r["id"] for r in rows]

    def catalog(self, retailer_id: str) -> dict[str, float]:
        """A retailer's catalog: sku → min bid."""
        rows = self._st.store.all("SELECT sku, min_bid FROM catalog WHERE retailer_id=? ORDER BY sku", (retailer_id,))
        return {r["sku"]: r["min_bid"] for r in rows}


routes = web.RouteTableDef()


def _control(request: web.Request) -> Control:
    return Control(request.app[STATE])


async def _json(request: web.Request) -> dict[str, Any]:
    body = await request.json() if request.can_read_body else {}
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text="expected a JSON object")
    return body


@routes.post("/__sandbox__/faults")
async def _faults(request: web.Request) -> web.Response:
    try:
        _control(request).set_faults(**await _json(request))
    except (TypeError, ValueError) as exc:
        raise web.HTTPBadRequest(text=str(exc)) from None
    return web.json_response({k: getattr(request.app[STATE].knobs, k) for k in FAULTS})


@routes.post("/__sandbox__/quota")
async def _quota(request: web.Request) -> web.Response:
    body = await _json(request)
    _control(request).set_quota(int(body["quota"]), body.get("window_s"))
    return web.json_response({"quota": request.app[STATE].knobs.quota})


@routes.post("/__sandbox__/burst-429")
async def _burst(request: web.Request) -> web.Response:
    _control(request).burst_429(int((await _json(request))["n"]))
    return web.json_response({"ok": True})


@routes.post("/__sandbox__/token-ttl")
async def _ttl(request: web.Request) -> web.Response:
    body = await _json(request)
    _control(request).set_token_ttl(int(body["seconds"]), body.get("grace_s"))
    return web.json_response({"ok": True})


@routes.post("/__sandbox__/clock")
async def _clock(request: web.Request) -> web.Response:
    body = await _json(request)
    _control(request).shift_clock(days=float(body.get("days", 0)), seconds=float(body.get("seconds", 0)))
    return web.json_response({"ok": True})


@routes.get("/__sandbox__/stats")
async def _stats(request: web.Request) -> web.Response:
    return web.json_response(_control(request).stats())


@routes.post("/__sandbox__/stats/reset")
async def _stats_reset(request: web.Request) -> web.Response:
    _control(request).reset_stats()
    return web.json_response({"ok": True})
