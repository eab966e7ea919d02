"""The sandbox application, and `Sandbox`: the server running in-process as an async context manager."""

from __future__ import annotations

import time
from collections.abc import Sequence
from types import TracebackType
from typing import Any

from aiohttp import web

from bulkops.sandbox import control, registry
from bulkops.sandbox.api import SandboxApi
from bulkops.sandbox.auth import TOKEN_PATH, token
from bulkops.sandbox.control import Control
from bulkops.sandbox.middleware import APIS, api_middleware
from bulkops.sandbox.settings import SandboxSettings
from bulkops.sandbox.state import STATE, Knobs, SandboxState
from bulkops.sandbox.store import Store

SHUTDOWN_TIMEOUT_S = 0.5  # hung requests (a fault) must not hold a shutdown


def build_state(settings: SandboxSettings, apis: Sequence[SandboxApi] | None = None) -> SandboxState:
    """Open the store, create every API's tables and fill the empty ones from the seed."""
    apis = registry.apis() if apis is None else apis
    store = Store(settings.db)
    quotas = {a.quota_group: int(settings.option(a.quota_option) if a.quota_option else settings.quota) for a in apis}
    state = SandboxState(settings=settings, store=store, knobs=Knobs.from_settings(settings, quotas))
    for api in apis:
        store.create(api.schema)
        if api.is_empty(state):
            api.generate(state)
    return state


def create_app(state: SandboxState, apis: Sequence[SandboxApi] | None = None) -> web.Application:
    """The aiohttp application over a sandbox state: every API's routes, the token endpoint, the control plane."""
    apis = registry.apis() if apis is None else apis
    app = web.Application(middlewares=[api_middleware], client_max_size=16 * 1024 * 1024)
    app[STATE] = state
    app[APIS] = tuple(apis)
    app.router.add_post(TOKEN_PATH, token)
    for api in apis:
        app.add_routes(api.routes)
        app.add_routes(api.control_routes)
    app.add_routes(control.routes)
    return app


class Sandbox:
    """The sandbox server on a loopback port, for tests, the demo and the CLI.

    ::

        async with Sandbox(seed=7, quota=0) as sb:       # or Sandbox(SandboxSettings(...))
            print(sb.base_url, sb.client_id, sb.client_secret)
            sb.control.set_faults(error_rate=0.05)
            sb.control.retail_media.products("50000001")
    """

    def __init__(self, settings: SandboxSettings | None = None, *, apis: Sequence[SandboxApi] | None = None,
                 **knobs: Any) -> None:
        if settings is not None and knobs:
            raise TypeError("pass either settings or knobs, not both")
        self.apis = tuple(registry.apis() if apis is None else apis)
        self.settings = settings or SandboxSettings.of(_apis=self.apis, **knobs)
        self.state: SandboxState | None = None
        self._runner: web.AppRunner | None = None
        self.base_url = ""
        self.started_in_s = 0.0

    @property
    def client_id(self) -> str:
        """The client id the sandbox accepts."""
        return self.settings.client_id

    @property
    def client_secret(self) -> str:
        """The client secret the sandbox accepts (and, unless set apart, the API key)."""
        return self.settings.client_secret

    @property
    def control(self) -> Control:
        """The control plane of the running sandbox."""
        assert self.state is not None, "the sandbox is not running"
        return Control(self.state, self.apis)

    async def start(self) -> None:
        """Build the data, bind the port and serve."""
        began = time.perf_counter()
        self.state = build_state(self.settings, self.apis)
        self._runner = web.AppRunner(create_app(self.state, self.apis), shutdown_timeout=SHUTDOWN_TIMEOUT_S,
                                     handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.settings.host, self.settings.port)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        host = f"[{host}]" if ":" in host else host
        self.base_url = f"http://{host}:{port}"
        self.started_in_s = time.perf_counter() - began

    async def stop(self) -> None:
        """Stop serving and close the store."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self.state is not None:
            self.state.store.close()

    async def __aenter__(self) -> Sandbox:
        await self.start()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.stop()
